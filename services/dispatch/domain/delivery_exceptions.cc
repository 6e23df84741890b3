#include "domain/delivery_exceptions.h"

#include <algorithm>
#include <string>

namespace pasar::dispatch::domain {
namespace {

// The courier is done with `job`: free again, with the idle clock restarted; or, holding other
// jobs of its stacked trip (`rest`), on to the next of them.
void FreeCourier(Courier& courier, const Job& job, const BundleRest& rest) {
  if (rest.others) {
    if (courier.current_job_id == job.id) courier.current_job_id = rest.next_job_id;
    courier.changed = true;
    return;
  }
  courier.current_job_id.clear();
  courier.idle_clock = Clock::kRestart;
}

// The courier's event when `job`'s goods are back (`all`: its last stop's): IDLE only when no
// other job of the trip is still theirs.
CourierEvent BackEvent(bool all, const BundleRest& rest) {
  return all && !rest.others ? CourierEvent::kLastGoodsReturned : CourierEvent::kGoodsReturned;
}

DeliveryFailed FailedEvent(const Job& job, const FailurePolicy& policy, int attempts) {
  const FailureMoney money = MoneyOfFailure(job, policy);
  return DeliveryFailed{.job_id = job.id,
                        .courier_id = job.courier_id,
                        .failure_fee_idr = money.failure_fee_idr,
                        .compensation_idr = money.compensation_idr,
                        .attempts = attempts,
                        .operator_subject = "",
                        .reason = ""};
}

}  // namespace

FailureMoney MoneyOfFailure(const Job& job, const FailurePolicy& policy) {
  const int64_t fee = std::clamp<int64_t>(policy.failure_fee_idr, 0, job.delivery_fee_idr);
  return FailureMoney{.failure_fee_idr = fee, .compensation_idr = job.delivery_fee_idr - fee};
}

bool WaitingRuleMet(const AttemptsSoFar& so_far, const FailurePolicy& policy) {
  return so_far.attempts >= policy.min_attempts && (so_far.waited || policy.wait_minutes == 0);
}

Decision ReportAttempt(Job* job, Courier* courier, int outcome, int64_t distance_meters,
                       const AttemptsSoFar& so_far, const FailurePolicy& policy) {
  if (job == nullptr || courier == nullptr || job->courier_id != courier->id) {
    return Refused(Refusal::kNotFound, "job");
  }
  if (job->state != JobState::kDelivering) return InvalidFor(*job);
  if (distance_meters > policy.arrival_radius_meters) {
    return Refused(Refusal::kNotArrived, "location is " + std::to_string(distance_meters) +
                                             " m from the drop-off; attempts are reported within " +
                                             std::to_string(policy.arrival_radius_meters) + " m");
  }
  Decision d;
  d.events.push_back(DeliveryAttempted{.job_id = job->id,
                                       .courier_id = courier->id,
                                       .outcome = outcome,
                                       .attempt = so_far.attempts + 1});
  return d;
}

Decision DeclareFailed(Job* job, Courier* courier, const AttemptsSoFar& so_far,
                       const FailurePolicy& policy) {
  if (job == nullptr || courier == nullptr || job->courier_id != courier->id) {
    return Refused(Refusal::kNotFound, "job");
  }
  if (!Allows(*job, JobEvent::kDeliveryFailed)) return InvalidFor(*job);
  if (!WaitingRuleMet(so_far, policy)) {
    return Refused(Refusal::kWaitingRuleNotMet,
                   "the market's rule: " + std::to_string(policy.min_attempts) + " attempts and " +
                       std::to_string(policy.wait_minutes) + " minutes from the first; " +
                       std::to_string(so_far.attempts) + " attempts so far" +
                       (so_far.waited ? "" : ", still within the wait"));
  }
  if (!Allows(*courier, CourierEvent::kDeliveryFailed)) return InvalidFor(*courier);
  Apply(*job, JobEvent::kDeliveryFailed);
  Apply(*courier, CourierEvent::kDeliveryFailed);
  Decision d;
  d.events.push_back(FailedEvent(*job, policy, so_far.attempts));
  return d;
}

Decision ConfirmReturn(Job* job, Courier* courier, Stop* stop, const ReturnClaim& claim,
                       const Limits& limits, const BundleRest& rest) {
  if (job == nullptr || courier == nullptr || job->courier_id != courier->id) {
    return Refused(Refusal::kNotFound, "job");
  }
  if (!Allows(*job, JobEvent::kGoodsReturned)) return InvalidFor(*job);
  if (stop == nullptr || !stop->picked_up) return Refused(Refusal::kNotFound, "ticket");
  if (stop->returned_to) return Refused(Refusal::kInvalidTransition, "already returned");
  if (stop->attempts >= limits.max_code_attempts) {
    return Refused(Refusal::kTooManyAttempts, "too many wrong stall codes for this ticket");
  }
  if (stop->pickup_code != claim.stall_code) {
    ++stop->attempts;
    stop->attempt_counted = true;
    Decision d = Refused(Refusal::kWrongPickupCode, "the stall's code does not match");
    d.keep_attempt = true;
    return d;
  }
  if (claim.refunded_idr != stop->amount_idr) {
    return Refused(Refusal::kCashMismatch,
                   "refunded_idr must equal the ticket total " + std::to_string(stop->amount_idr));
  }
  const bool all = job->stops_returned + 1 >= job->stops_picked;
  const CourierEvent back = BackEvent(all, rest);
  if (!Allows(*courier, back)) return InvalidFor(*courier);
  Apply(*job, all ? JobEvent::kLastGoodsReturned : JobEvent::kGoodsReturned);
  ++job->stops_returned;
  stop->returned_to = ReturnDestination::kStall;
  stop->returned_now = true;
  Apply(*courier, back);
  courier->cash_on_hand_idr += claim.refunded_idr;
  courier->changed = true;
  if (all) FreeCourier(*courier, *job, rest);
  Decision d;
  d.events.push_back(GoodsReturned{.job_id = job->id,
                                   .ticket_id = stop->ticket_id,
                                   .stall_id = stop->stall_id,
                                   .courier_id = courier->id,
                                   .destination = ReturnDestination::kStall,
                                   .amount_idr = stop->amount_idr,
                                   .all_returned = all,
                                   .operator_subject = ""});
  return d;
}

Decision OperatorDeclareFailed(Job& job, Courier* courier, int attempts,
                               const FailurePolicy& policy, const std::string& subject,
                               const std::string& reason) {
  if (!Allows(job, JobEvent::kDeliveryFailed)) return InvalidFor(job);
  if (courier != nullptr && !Allows(*courier, CourierEvent::kDeliveryFailed)) {
    return InvalidFor(*courier);
  }
  Apply(job, JobEvent::kDeliveryFailed);
  if (courier != nullptr) Apply(*courier, CourierEvent::kDeliveryFailed);
  Decision d;
  DeliveryFailed failed = FailedEvent(job, policy, attempts);
  failed.operator_subject = subject;
  failed.reason = reason;
  d.events.push_back(std::move(failed));
  return d;
}

Decision ReceiveAtOffice(Job& job, Courier* courier, std::span<Stop> open_stops,
                         const std::string& subject, const BundleRest& rest) {
  if (!Allows(job, JobEvent::kLastGoodsReturned)) return InvalidFor(job);
  if (courier != nullptr && !Allows(*courier, BackEvent(true, rest))) return InvalidFor(*courier);
  Decision d;
  for (std::size_t i = 0; i < open_stops.size(); ++i) {
    Stop& stop = open_stops[i];
    stop.returned_to = ReturnDestination::kMarketOffice;
    stop.returned_now = true;
    ++job.stops_returned;
    d.events.push_back(GoodsReturned{.job_id = job.id,
                                     .ticket_id = stop.ticket_id,
                                     .stall_id = stop.stall_id,
                                     .courier_id = job.courier_id,
                                     .destination = ReturnDestination::kMarketOffice,
                                     .amount_idr = stop.amount_idr,
                                     .all_returned = i + 1 == open_stops.size(),
                                     .operator_subject = subject});
  }
  if (d.events.empty()) return Refused(Refusal::kInvalidTransition, "no goods left to receive");
  Apply(job, JobEvent::kLastGoodsReturned);
  if (courier != nullptr) {
    Apply(*courier, BackEvent(true, rest));
    FreeCourier(*courier, job, rest);
  }
  return d;
}

Decision MarkDelivered(Job& job, Courier* courier, const BundleRest& rest) {
  if (!Allows(job, JobEvent::kDelivered)) return InvalidFor(job);
  if (courier == nullptr) return Refused(Refusal::kNotFound, "courier");
  if (!Allows(*courier, CourierEvent::kDelivered)) return InvalidFor(*courier);
  Apply(job, JobEvent::kDelivered);
  if (!rest.others) Apply(*courier, CourierEvent::kDelivered);
  FreeCourier(*courier, job, rest);
  courier->cash_on_hand_idr += job.cash_to_collect_idr;
  Decision d;
  d.events.push_back(DeliveryConfirmed{.job_id = job.id,
                                       .courier_id = courier->id,
                                       .cash_collected_idr = job.cash_to_collect_idr,
                                       .courier_earning_idr = job.delivery_fee_idr});
  return d;
}

}  // namespace pasar::dispatch::domain
