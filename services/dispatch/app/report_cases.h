// The dispatch report of a market and window (GetDispatchReport) and the markets' matching
// policy (SetMarketDispatch; read by the matcher every window).
#pragma once

#include <cstdint>
#include <string>

#include "app/outcome.h"
#include "domain/matching.h"
#include "pasar/dispatch/v1/dispatch.pb.h"
#include "pasar/pg/pg.h"
#include "store/idempotency.h"

namespace pasar::dispatch::app {

namespace v1 = ::pasar::dispatch::v1;

class ReportCases final {
 public:
  // `default_rule`: the policy of a market never set (PASAR_MATCHING_POLICY).
  ReportCases(pg::Pool& pool, MatchingRule default_rule)
      : pool_(pool), default_rule_(default_rule) {}

  // The report of [from_ms, to_ms) for `market_id` ("" = every market), with the market's
  // policy now; kNotFound for a market dispatch has no job and no courier of.
  Outcome Report(const std::string& market_id, int64_t from_ms, int64_t to_ms,
                 v1::GetDispatchReportResponse* resp);

  // Sets a market's policy (UNSPECIFIED: back to the default), idempotent on `key`.
  Outcome SetMarketDispatch(const store::IdemKey& key, const v1::SetMarketDispatchRequest& req,
                            v1::SetMarketDispatchResponse* resp);

 private:
  pg::Pool& pool_;
  const MatchingRule default_rule_;
};

}  // namespace pasar::dispatch::app
