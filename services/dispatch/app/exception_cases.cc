#include "app/exception_cases.h"

#include <algorithm>
#include <cmath>
#include <string>
#include <variant>
#include <vector>

#include "app/holders.h"
#include "app/idempotent.h"
#include "app/record.h"
#include "pasar/geo/geo.h"
#include "store/contract.h"
#include "store/couriers.h"
#include "store/exceptions.h"
#include "store/job_views.h"
#include "store/jobs.h"
#include "store/statements.h"

namespace pasar::dispatch::app {
namespace {

template <class T>
T* Ptr(std::optional<T>& value) {
  return value ? &*value : nullptr;
}

// The failure a decision recorded, on the job (for the courier's statement).
void MarkFailed(pg::Transaction& tx, const domain::Decision& d) {
  for (const domain::Event& e : d.events) {
    if (const auto* f = std::get_if<domain::DeliveryFailed>(&e)) {
      store::MarkJobFailed(tx, f->job_id, f->failure_fee_idr);
    }
  }
}

void FillPolicy(const std::string& market_id, const domain::FailurePolicy& p,
                v1::FailurePolicy* out) {
  out->set_market_id(market_id);
  out->set_wait_minutes(p.wait_minutes);
  out->set_min_attempts(p.min_attempts);
  out->set_arrival_radius_meters(p.arrival_radius_meters);
  out->set_failure_fee_idr(p.failure_fee_idr);
}

std::string OutcomeName(v1::DeliveryAttemptOutcome outcome) {
  const std::string& full = v1::DeliveryAttemptOutcome_Name(outcome);
  constexpr std::string_view kPrefix = "DELIVERY_ATTEMPT_OUTCOME_";
  return full.substr(std::min(full.size(), kPrefix.size()));
}

}  // namespace

Outcome ExceptionCases::ReportAttempt(const store::IdemKey& key,
                                      const v1::ReportDeliveryAttemptRequest& req,
                                      v1::ReportDeliveryAttemptResponse* resp) {
  return Idempotent(pool_, "report_delivery_attempt", key, resp, [&](pg::Transaction& tx, bool&) {
    auto job = store::LockJob(tx, req.job_id());
    auto courier = store::LockCourierBySubject(tx, key.subject);
    const std::optional<geo::LatLng> drop_off = store::ReadDropOff(tx, req.job_id());
    const domain::FailurePolicy policy =
        job ? store::ReadFailurePolicy(tx, job->market_id, defaults_) : defaults_;
    const domain::AttemptsSoFar so_far =
        job ? store::ReadAttempts(tx, job->id, policy.wait_minutes) : domain::AttemptsSoFar{};
    const geo::LatLng at{req.location().lat(), req.location().lng()};
    const int64_t distance =
        drop_off ? static_cast<int64_t>(std::llround(geo::DistanceMeters(at, *drop_off))) : 0;
    const domain::Decision d =
        domain::ReportAttempt(Ptr(job), Ptr(courier), req.outcome(), distance, so_far, policy);
    if (!d.ok()) return OutcomeOf(d);
    store::InsertAttempt(tx, store::AttemptRow{.job_id = job->id,
                                               .attempt = so_far.attempts + 1,
                                               .courier_id = courier->id,
                                               .outcome = OutcomeName(req.outcome()),
                                               .location = at,
                                               .distance_meters = distance,
                                               .note = req.note()});
    Record(tx, job->id, job->correlation_id, d);
    const domain::AttemptsSoFar now = store::ReadAttempts(tx, job->id, policy.wait_minutes);
    *resp->mutable_job() = *store::ReadJob(tx, job->id);
    resp->set_attempts(now.attempts);
    resp->set_may_declare_failed(domain::WaitingRuleMet(now, policy));
    return Outcome{};
  });
}

Outcome ExceptionCases::DeclareFailed(const store::IdemKey& key,
                                      const v1::DeclareDeliveryFailedRequest& req,
                                      v1::DeclareDeliveryFailedResponse* resp) {
  return Idempotent(pool_, "declare_delivery_failed", key, resp, [&](pg::Transaction& tx, bool&) {
    auto job = store::LockJob(tx, req.job_id());
    auto courier = store::LockCourierBySubject(tx, key.subject);
    const domain::FailurePolicy policy =
        job ? store::ReadFailurePolicy(tx, job->market_id, defaults_) : defaults_;
    const domain::AttemptsSoFar so_far =
        job ? store::ReadAttempts(tx, job->id, policy.wait_minutes) : domain::AttemptsSoFar{};
    const domain::Decision d = domain::DeclareFailed(Ptr(job), Ptr(courier), so_far, policy);
    if (!d.ok()) return OutcomeOf(d);
    store::SaveJob(tx, *job);
    MarkFailed(tx, d);
    store::SaveCourier(tx, *courier);
    Record(tx, job->id, job->correlation_id, d);
    *resp->mutable_job() = *store::ReadJob(tx, job->id);
    return Outcome{};
  });
}

Outcome ExceptionCases::ConfirmReturn(const store::IdemKey& key,
                                      const v1::ConfirmReturnRequest& req,
                                      v1::ConfirmReturnResponse* resp) {
  return Idempotent(pool_, "confirm_return", key, resp, [&](pg::Transaction& tx, bool& keep) {
    auto job = store::LockJob(tx, req.job_id());
    auto courier = store::LockCourierBySubject(tx, key.subject);
    std::optional<domain::Stop> stop;
    if (job) {
      job->stops_returned = store::CountReturnedStops(tx, job->id);
      stop = store::LockReturnStop(tx, job->id, req.ticket_id());
    }
    const domain::ReturnClaim claim{.stall_code = req.stall_code(),
                                    .refunded_idr = req.refunded_idr()};
    domain::BundleRest rest;
    if (job && courier && job->courier_id == courier->id) rest = TripRest(tx, *job, courier->id);
    const domain::Decision d =
        domain::ConfirmReturn(Ptr(job), Ptr(courier), Ptr(stop), claim, timers_.limits(), rest);
    if (!d.ok()) {
      if (d.keep_attempt) {
        store::SaveReturnStop(tx, job->id, *stop, 0);
        keep = true;
      }
      return OutcomeOf(d);
    }
    store::SaveReturnStop(tx, job->id, *stop, req.refunded_idr());
    store::SaveJob(tx, *job);
    store::SaveCourier(tx, *courier);
    Record(tx, job->id, job->correlation_id, d);
    *resp->mutable_job() = *store::ReadJob(tx, job->id);
    *resp->mutable_courier() = *store::ReadCourier(tx, courier->id);
    return Outcome{};
  });
}

Outcome ExceptionCases::Resolve(const store::IdemKey& key, const v1::ResolveDeliveryRequest& req,
                                v1::ResolveDeliveryResponse* resp) {
  return Idempotent(pool_, "resolve_delivery", key, resp, [&](pg::Transaction& tx, bool&) {
    auto job = store::LockJob(tx, req.job_id());
    if (!job) return Refuse(Refusal::kNotFound, "job");
    std::optional<domain::Courier> courier;
    domain::BundleRest rest;
    if (!job->courier_id.empty()) {
      courier = store::LockCourier(tx, job->courier_id);
      rest = TripRest(tx, *job, job->courier_id);
    }
    std::vector<domain::Stop> open;
    domain::Decision d;
    std::string_view action;
    switch (req.action()) {
      case v1::RESOLVE_ACTION_DECLARE_FAILED: {
        action = "DECLARE_FAILED";
        const domain::FailurePolicy policy =
            store::ReadFailurePolicy(tx, job->market_id, defaults_);
        const domain::AttemptsSoFar so_far = store::ReadAttempts(tx, job->id, policy.wait_minutes);
        d = domain::OperatorDeclareFailed(*job, Ptr(courier), so_far.attempts, policy, key.subject,
                                          req.reason());
        break;
      }
      case v1::RESOLVE_ACTION_RECEIVE_AT_OFFICE:
        action = "RECEIVE_AT_OFFICE";
        open = store::LockOpenStops(tx, job->id);
        d = domain::ReceiveAtOffice(*job, Ptr(courier), open, key.subject, rest);
        break;
      case v1::RESOLVE_ACTION_MARK_DELIVERED:
        action = "MARK_DELIVERED";
        d = domain::MarkDelivered(*job, Ptr(courier), rest);
        break;
      default:
        return Refuse(Refusal::kInvalidTransition, "unknown action");
    }
    if (!d.ok()) return OutcomeOf(d);
    for (const domain::Stop& stop : open)
      store::SaveReturnStop(tx, job->id, stop, 0);
    store::SaveJob(tx, *job);
    MarkFailed(tx, d);
    if (courier) store::SaveCourier(tx, *courier);
    store::InsertResolution(tx, job->id, action, key.subject, req.reason());
    Record(tx, job->id, job->correlation_id, d);
    *resp->mutable_job() = *store::ReadJob(tx, job->id);
    return Outcome{};
  });
}

Outcome ExceptionCases::SetPolicy(const store::IdemKey& key, const v1::FailurePolicy& p,
                                  v1::SetFailurePolicyResponse* resp) {
  const domain::FailurePolicy policy{.wait_minutes = p.wait_minutes(),
                                     .min_attempts = p.min_attempts(),
                                     .arrival_radius_meters = p.arrival_radius_meters(),
                                     .failure_fee_idr = p.failure_fee_idr()};
  return Idempotent(pool_, "set_failure_policy", key, resp, [&](pg::Transaction& tx, bool&) {
    store::SaveFailurePolicy(tx, p.market_id(), policy);
    FillPolicy(p.market_id(), store::ReadFailurePolicy(tx, p.market_id(), defaults_),
               resp->mutable_policy());
    return Outcome{};
  });
}

Outcome ExceptionCases::Statement(pg::Transaction& tx, const std::string& courier_id,
                                  const StatementOf& of, v1::CourierStatement* out) {
  const auto courier = store::ReadCourier(tx, courier_id);
  if (!courier) return Refuse(Refusal::kNotFound, "courier");
  const std::optional<store::ShiftWindow> w =
      of.day.empty() ? store::FindShift(tx, courier_id, of.shift_id)
                     : store::DayWindow(tx, courier_id, of.from_ms, of.until_ms);
  if (!w) return Refuse(Refusal::kNotFound, of.day.empty() ? "shift" : "no shift that day");
  out->set_courier_id(courier_id);
  out->set_courier_name(courier->name());
  out->set_shift_id(w->shift_id);
  out->set_day(of.day);
  store::SetTs(out->mutable_from(), w->from_ms);
  store::SetTs(out->mutable_until(), w->until_ms);
  store::FillStatementFlows(tx, courier_id, w->from_ms, w->until_ms + (of.day.empty() ? 1 : 0),
                            out);
  out->set_cash_at_start_idr(w->start_cash_idr);
  out->set_expected_cash_end_idr(w->start_cash_idr - out->paid_to_traders_idr() +
                                 out->collected_from_customers_idr() +
                                 out->refunded_by_traders_idr());
  if (w->counted_cash_idr) {
    out->set_cash_counted(true);
    out->set_counted_cash_idr(*w->counted_cash_idr);
    out->set_difference_idr(*w->counted_cash_idr - out->expected_cash_end_idr());
    out->set_difference_flagged(out->difference_idr() != 0);
  }
  return Outcome{};
}

Outcome ExceptionCases::StatementOfSubject(const std::string& subject, const StatementOf& of,
                                           v1::CourierStatement* out) {
  pg::Transaction tx(pool_, "my_statement", pg::Transaction::Isolation::kRepeatableRead);
  const auto courier = store::ReadCourierBySubject(tx, subject);
  if (!courier) return Refuse(Refusal::kNotFound, "courier");
  Outcome o = Statement(tx, courier->id(), of, out);
  tx.Commit();
  return o;
}

Outcome ExceptionCases::StatementOfCourier(const std::string& courier_id, const StatementOf& of,
                                           v1::CourierStatement* out) {
  pg::Transaction tx(pool_, "courier_statement", pg::Transaction::Isolation::kRepeatableRead);
  Outcome o = Statement(tx, courier_id, of, out);
  tx.Commit();
  return o;
}

}  // namespace pasar::dispatch::app
