// Failed deliveries and returns (README, "Failed deliveries and returns"): the courier's
// attempts at the drop-off, the failure after the market's waiting rule, the return stop by
// stop; the operators' resolutions and the markets' policies; and the courier statements
// (README, "Courier statements") that say who owes the courier what. One transaction each,
// idempotent on the key (the courier is the one whose subject is key.subject; for ResolveDelivery
// key.subject is the operator, recorded in the audit).
#pragma once

#include <cstdint>
#include <string>

#include "app/outcome.h"
#include "domain/delivery_exceptions.h"
#include "pasar/dispatch/v1/dispatch.pb.h"
#include "pasar/pg/pg.h"
#include "store/idempotency.h"

namespace pasar::dispatch::app {

namespace v1 = ::pasar::dispatch::v1;

class ExceptionCases final {
 public:
  // `defaults`: the policy of a market without one of its own (settings).
  ExceptionCases(pg::Pool& pool, Timers timers, domain::FailurePolicy defaults)
      : pool_(pool), timers_(timers), defaults_(defaults) {}

  Outcome ReportAttempt(const store::IdemKey& key, const v1::ReportDeliveryAttemptRequest& req,
                        v1::ReportDeliveryAttemptResponse* resp);
  Outcome DeclareFailed(const store::IdemKey& key, const v1::DeclareDeliveryFailedRequest& req,
                        v1::DeclareDeliveryFailedResponse* resp);
  Outcome ConfirmReturn(const store::IdemKey& key, const v1::ConfirmReturnRequest& req,
                        v1::ConfirmReturnResponse* resp);
  Outcome Resolve(const store::IdemKey& key, const v1::ResolveDeliveryRequest& req,
                  v1::ResolveDeliveryResponse* resp);
  // Checked by the adapter; answers the policy in force.
  Outcome SetPolicy(const store::IdemKey& key, const v1::FailurePolicy& policy,
                    v1::SetFailurePolicyResponse* resp);

  // Which statement: a shift (0: the latest) or a day [from_ms, until_ms) named `day`.
  struct StatementOf {
    int64_t shift_id = 0;
    std::string day;
    int64_t from_ms = 0, until_ms = 0;
  };
  // The statement of the courier whose subject is `subject` (NOT_FOUND: no courier, no such
  // shift of theirs), or of courier `courier_id` (operators).
  Outcome StatementOfSubject(const std::string& subject, const StatementOf& of,
                             v1::CourierStatement* out);
  Outcome StatementOfCourier(const std::string& courier_id, const StatementOf& of,
                             v1::CourierStatement* out);

 private:
  Outcome Statement(pg::Transaction& tx, const std::string& courier_id, const StatementOf& of,
                    v1::CourierStatement* out);

  pg::Pool& pool_;
  const Timers timers_;
  const domain::FailurePolicy defaults_;
};

}  // namespace pasar::dispatch::app
