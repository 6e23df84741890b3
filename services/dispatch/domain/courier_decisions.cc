// The courier's own changes: shifts, pickup (paying each trader) and delivery.
#include <string>

#include "domain/decisions.h"

namespace pasar::dispatch::domain {

Decision StartShift(Courier& courier, int64_t cash) {
  const bool starting = courier.state == CourierState::kOffDuty;
  Apply(courier, CourierEvent::kStartShift);  // every state: on shift already, the state stays
  courier.cash_on_hand_idr = cash;
  courier.changed = true;
  if (starting) {
    courier.consecutive_timeouts = 0;
    courier.shift_clock = Clock::kRestart;
    courier.idle_clock = Clock::kRestart;
  }
  return Decision{};
}

Decision EndShift(Courier& courier) {
  if (courier.state == CourierState::kOffDuty) return Decision{};  // already
  if (!Apply(courier, CourierEvent::kEndShift)) {
    return Refused(Refusal::kCourierBusy, "the courier holds an offer or a job");
  }
  courier.shift_clock = Clock::kStop;
  courier.idle_clock = Clock::kStop;
  return Decision{};
}

Decision ConfirmPickup(Job* job, Courier* courier, Stop* stop, const PickupClaim& claim,
                       const Limits& limits, int other_stops_left) {
  if (job == nullptr || courier == nullptr || job->courier_id != courier->id) {
    return Refused(Refusal::kNotFound, "job");
  }
  // ASSIGNED or PICKING_UP (the last ticket has the same sources).
  if (!Allows(*job, JobEvent::kTicketPickedUp)) return InvalidFor(*job);
  if (stop == nullptr) return Refused(Refusal::kNotFound, "ticket");
  if (stop->picked_up) return Refused(Refusal::kInvalidTransition, "already picked up");
  if (stop->attempts >= limits.max_code_attempts) {
    return Refused(Refusal::kTooManyAttempts, "too many wrong pickup codes for this ticket");
  }
  if (stop->pickup_code != claim.code) {
    ++stop->attempts;
    stop->attempt_counted = true;
    Decision d = Refused(Refusal::kWrongPickupCode, "the pickup code does not match");
    d.keep_attempt = true;
    return d;
  }
  const int64_t amount = stop->amount_idr;
  if (claim.paid_to_trader_idr != amount) {
    return Refused(Refusal::kCashMismatch,
                   "paid_to_trader_idr must equal the ticket total " + std::to_string(amount));
  }
  if (courier->cash_on_hand_idr < amount) {
    return Refused(Refusal::kInsufficientCash, "cash on hand is below the ticket total");
  }
  const bool all = job->stops_picked + 1 >= job->stops;
  // In a stacked trip the courier rides off once every ticket of the trip is on board.
  const CourierEvent paid = all && other_stops_left == 0 ? CourierEvent::kLastTicketPickedUp
                                                         : CourierEvent::kTicketPickedUp;
  if (!Allows(*courier, paid)) return InvalidFor(*courier);
  Apply(*job, all ? JobEvent::kLastTicketPickedUp : JobEvent::kTicketPickedUp);
  ++job->stops_picked;
  stop->picked_up = true;
  stop->picked_now = true;
  Apply(*courier, paid);
  courier->cash_on_hand_idr -= amount;
  Decision d;
  d.events.push_back(PickupConfirmed{.job_id = job->id,
                                     .ticket_id = stop->ticket_id,
                                     .stall_id = stop->stall_id,
                                     .courier_id = courier->id,
                                     .paid_to_trader_idr = amount,
                                     .all_picked_up = all});
  return d;
}

Decision ConfirmDelivery(Job* job, Courier* courier, const DeliveryClaim& claim,
                         const Limits& limits, bool earlier_open, const BundleRest& rest) {
  if (job == nullptr || courier == nullptr || job->courier_id != courier->id) {
    return Refused(Refusal::kNotFound, "job");
  }
  if (!Allows(*job, JobEvent::kDelivered)) return InvalidFor(*job);
  if (earlier_open) {
    return Refused(Refusal::kInvalidTransition, "an earlier drop-off of the trip comes first");
  }
  if (job->pin_attempts >= limits.max_code_attempts) {
    return Refused(Refusal::kTooManyAttempts, "too many wrong delivery PINs for this job");
  }
  if (job->delivery_pin != claim.pin) {
    ++job->pin_attempts;
    job->pin_attempt_counted = true;
    Decision d = Refused(Refusal::kWrongDeliveryPin, "the delivery PIN does not match");
    d.keep_attempt = true;
    return d;
  }
  if (claim.cash_collected_idr != job->cash_to_collect_idr) {
    return Refused(Refusal::kCashMismatch, "cash_collected_idr must equal cash_to_collect_idr " +
                                               std::to_string(job->cash_to_collect_idr));
  }
  if (!Allows(*courier, CourierEvent::kDelivered)) return InvalidFor(*courier);
  Apply(*job, JobEvent::kDelivered);
  if (rest.others) {
    // More drop-offs of the trip: still DELIVERING, on to the next one.
    courier->current_job_id = rest.next_job_id;
    courier->changed = true;
  } else {
    Apply(*courier, CourierEvent::kDelivered);
    courier->current_job_id.clear();
    courier->idle_clock = Clock::kRestart;
  }
  courier->cash_on_hand_idr += claim.cash_collected_idr;
  Decision d;
  d.events.push_back(DeliveryConfirmed{.job_id = job->id,
                                       .courier_id = courier->id,
                                       .cash_collected_idr = claim.cash_collected_idr,
                                       .courier_earning_idr = job->delivery_fee_idr});
  return d;
}

}  // namespace pasar::dispatch::domain
