#include "app/order_event_cases.h"

#include <string>

#include "app/holders.h"
#include "app/record.h"
#include "domain/decisions.h"
#include "pasar/log/log.h"
#include "store/jobs.h"

namespace pasar::dispatch::app {

void OrderEventCases::ApplyOrderConfirmed(pg::Transaction& tx,
                                          const ::pasar::events::v1::Envelope& env) {
  const auto& oc = env.order_confirmed();
  if (store::OrderCancelledBefore(tx, oc.order_id())) return;
  const int timeout_s = oc.dispatch_timeout_seconds() > 0 ? oc.dispatch_timeout_seconds()
                                                          : domain::kDefaultDispatchTimeoutSeconds;
  const std::string correlation =
      env.correlation_id().empty() ? oc.order_id() : env.correlation_id();
  store::InsertJob(tx, oc, correlation, timeout_s);  // false: already known
}

void OrderEventCases::ApplyOrderCancelled(pg::Transaction& tx,
                                          const ::pasar::events::v1::Envelope& env) {
  const std::string& order_id = env.order_cancelled().order_id();
  store::RememberCancelledOrder(tx, order_id);
  auto job = store::LockJob(tx, order_id);
  if (!job) return;
  LockedHolders holders = LockHolders(tx, *job);
  const domain::Decision d = domain::CancelJob(*job, holders.view());
  if (!d.ok()) {
    // Once confirmed, the order service cancels only on dispatch's own answer (or failure), so
    // this cannot come from it; a courier holding goods is never cut loose without them.
    log::Log("error", "OrderCancelled for a job with goods on board; the job goes on",
             {{"correlation_id", job->correlation_id}, {"job_id", order_id}});
    return;
  }
  SaveHolders(tx, holders);
  store::SaveJob(tx, *job);
  Record(tx, job->id, job->correlation_id, d);
}

void OrderEventCases::ApplyCancellationRequested(pg::Transaction& tx,
                                                 const ::pasar::events::v1::Envelope& env) {
  const auto& req = env.order_cancellation_requested();
  const std::string& order_id = req.order_id();
  auto job = store::LockJob(tx, order_id);
  LockedHolders holders;
  if (job) holders = LockHolders(tx, *job);
  const domain::Decision d = domain::SettleCancellation(job ? &*job : nullptr, holders.view(),
                                                        order_id, req.cancellation_id());
  std::string correlation = env.correlation_id().empty() ? order_id : env.correlation_id();
  if (job) correlation = job->correlation_id;
  if (d.remember_cancelled_order) store::RememberCancelledOrder(tx, order_id);
  SaveHolders(tx, holders);
  if (job) store::SaveJob(tx, *job);
  Record(tx, order_id, correlation, d);
}

void OrderEventCases::ApplyTicketReady(pg::Transaction& tx,
                                       const ::pasar::events::v1::Envelope& env) {
  store::RememberPackedTicket(tx, env.ticket_ready().ticket_id());
}

}  // namespace pasar::dispatch::app
