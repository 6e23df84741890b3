// The dispatch report's reads (GetDispatchReport) and the markets' matching policy (table
// market_dispatch). The figures are computed from these rows by domain/report.h.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "domain/report.h"
#include "pasar/pg/pg.h"

namespace pasar::dispatch::store {

// True when dispatch has a job of the market or a courier whose home it is.
bool MarketKnown(pg::Transaction& tx, const std::string& market_id);

// The rows of the window [from_ms, to_ms) for `market_id` ("" = every market): accepted offers,
// offers made and how they ended, first assignments, the market's couriers with their shifts and
// holdings, deliveries. Run in one REPEATABLE READ transaction, so every figure is of one moment.
domain::ReportInput ReadReportInput(pg::Transaction& tx, const std::string& market_id,
                                    int64_t from_ms, int64_t to_ms);

// A market's dispatch settings as stored: its policy ("EXACT", "GREEDY", or "" for the
// service's default) and its stacking bound in minutes (0 = off); nullopt when never set.
struct MarketPolicyRow {
  std::string policy;
  int stacking_minutes = 0;
  int64_t updated_at_ms = 0;
};
std::optional<MarketPolicyRow> ReadMarketPolicy(pg::Transaction& tx, const std::string& market_id);
std::optional<MarketPolicyRow> ReadMarketPolicy(pg::Pool& pool, const std::string& market_id);
// Sets both ("" and 0 remove the row: the service's defaults again); the row as it is now.
std::optional<MarketPolicyRow> WriteMarketPolicy(pg::Transaction& tx, const std::string& market_id,
                                                 const std::string& policy, int stacking_minutes);

}  // namespace pasar::dispatch::store
