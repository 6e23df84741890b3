// The dispatch decisions on plain data (no PostgreSQL): what each checks, in which order, what
// it changes and which events it publishes.
#include <catch2/catch.hpp>

#include <string>
#include <variant>

#include "decision_fixtures.h"
#include "domain/decisions.h"

namespace d = pasar::dispatch::domain;
using d::Clock;
using d::CourierState;
using d::JobState;
using d::OfferState;
using d::Refusal;
using namespace pasar::dispatch::testing;

namespace {

template <class E>
const E& EventAt(const d::Decision& decision, std::size_t i) {
  REQUIRE(i < decision.events.size());
  REQUIRE(std::holds_alternative<E>(decision.events[i]));
  return std::get<E>(decision.events[i]);
}

}  // namespace

TEST_CASE("shifts: start from off duty, declare cash on shift, end only while idle") {
  d::Courier c = MakeCourier(CourierState::kOffDuty, 0);
  c.consecutive_timeouts = 2;
  REQUIRE(d::StartShift(c, 80'000).ok());
  CHECK(c.state == CourierState::kIdle);
  CHECK(c.cash_on_hand_idr == 80'000);
  CHECK(c.consecutive_timeouts == 0);
  CHECK(c.shift_clock == Clock::kRestart);
  CHECK(c.idle_clock == Clock::kRestart);

  // On shift (even with a job): only the cash changes.
  d::Courier busy = MakeCourier(CourierState::kAssigned, 10'000, "order-1");
  busy.consecutive_timeouts = 1;
  REQUIRE(d::StartShift(busy, 30'000).ok());
  CHECK(busy.changed);
  CHECK(busy.state == CourierState::kAssigned);
  CHECK(busy.cash_on_hand_idr == 30'000);
  CHECK(busy.consecutive_timeouts == 1);
  CHECK(busy.shift_clock == Clock::kKeep);
  CHECK(busy.idle_clock == Clock::kKeep);

  const d::Decision refused = d::EndShift(busy);
  CHECK(refused.refusal == Refusal::kCourierBusy);
  CHECK(busy.state == CourierState::kAssigned);
  d::Courier idle = MakeCourier(CourierState::kIdle);
  REQUIRE(d::EndShift(idle).ok());
  CHECK(idle.state == CourierState::kOffDuty);
  CHECK(idle.shift_clock == Clock::kStop);
  CHECK(idle.idle_clock == Clock::kStop);
  d::Courier off = MakeCourier(CourierState::kOffDuty);
  REQUIRE(d::EndShift(off).ok());  // already off duty: nothing to write
  CHECK_FALSE(off.changed);
}

TEST_CASE("make offer: a pending job, an idle courier with cash for the goods, not excluded") {
  {
    d::Job job = MakeJob(JobState::kPending);
    d::Courier c = MakeCourier(CourierState::kIdle);
    d::Offer offer;
    const d::Decision made = d::MakeOffer(job, c, false, offer);
    REQUIRE(made.ok());
    CHECK(job.state == JobState::kOffered);
    CHECK(job.transition == d::JobEvent::kOfferMade);
    CHECK(job.offers_made == 2);
    CHECK(c.state == CourierState::kOffered);
    CHECK(offer.state == OfferState::kPending);
    CHECK(offer.job_id == "order-1");
    CHECK(offer.courier_id == "courier-1");
    CHECK(EventAt<d::OfferMade>(made, 0).courier_id == "courier-1");
  }
  const auto refusal = [](d::Job job, d::Courier c, bool excluded) {
    d::Offer offer;
    const d::Decision decision = d::MakeOffer(job, c, excluded, offer);
    CHECK_FALSE(job.transition.has_value());
    CHECK_FALSE(c.changed);
    return decision.refusal;
  };
  CHECK(refusal(MakeJob(JobState::kOffered), MakeCourier(CourierState::kIdle), false) ==
        Refusal::kInvalidTransition);
  d::Job overdue = MakeJob(JobState::kPending);
  overdue.overdue = true;
  CHECK(refusal(overdue, MakeCourier(CourierState::kIdle), false) == Refusal::kOverdue);
  CHECK(refusal(MakeJob(JobState::kPending), MakeCourier(CourierState::kOffered), false) ==
        Refusal::kInvalidTransition);
  CHECK(refusal(MakeJob(JobState::kPending), MakeCourier(CourierState::kIdle, 49'999), false) ==
        Refusal::kInsufficientCash);
  CHECK(refusal(MakeJob(JobState::kPending), MakeCourier(CourierState::kIdle), true) ==
        Refusal::kExcluded);
}

TEST_CASE("accept: the pending offer's courier gets the job, announced with their details") {
  d::Job job = MakeJob(JobState::kOffered);
  d::Offer offer = MakeOffer();
  d::Courier c = MakeCourier(CourierState::kOffered);
  c.consecutive_timeouts = 2;
  const d::Decision accepted = d::AcceptOffer(job, offer, c);
  REQUIRE(accepted.ok());
  CHECK(offer.state == OfferState::kAccepted);
  CHECK(job.state == JobState::kAssigned);
  CHECK(job.courier_id == "courier-1");
  CHECK(c.state == CourierState::kAssigned);
  CHECK(c.current_job_id == "order-1");
  CHECK(c.consecutive_timeouts == 0);
  const auto& assigned = EventAt<d::CourierAssigned>(accepted, 0);
  CHECK(assigned.courier_name == "Budi");
  CHECK(assigned.vehicle_plate == "N 1 A");
  CHECK(assigned.phone == "+6281234567890");
  CHECK(assigned.eta_seconds == 94);
  CHECK(EventAt<d::OfferResolved>(accepted, 1).outcome == d::OfferOutcome::kAccepted);

  d::Job job2 = MakeJob(JobState::kOffered);
  d::Offer expired = MakeOffer();
  expired.expired = true;
  d::Courier c2 = MakeCourier(CourierState::kOffered);
  CHECK(d::AcceptOffer(job2, expired, c2).refusal == Refusal::kOfferExpired);
  d::Offer declined = MakeOffer();
  declined.state = OfferState::kDeclined;
  CHECK(d::AcceptOffer(job2, declined, c2).refusal == Refusal::kOfferExpired);
  d::Offer pending = MakeOffer();
  d::Courier poor = MakeCourier(CourierState::kOffered, 10'000);
  const d::Decision no_cash = d::AcceptOffer(job2, pending, poor);
  CHECK(no_cash.refusal == Refusal::kInsufficientCash);
  CHECK(no_cash.detail == "cash on hand is below the goods total");
  CHECK(pending.state == OfferState::kPending);
  CHECK(job2.state == JobState::kOffered);
}

TEST_CASE("decline: the job is matched again without the courier, who answered") {
  d::Job job = MakeJob(JobState::kOffered);
  d::Offer offer = MakeOffer();
  d::Courier c = MakeCourier(CourierState::kOffered);
  c.consecutive_timeouts = 2;
  const d::Decision declined = d::DeclineOffer(job, offer, c, 1, "too far");
  REQUIRE(declined.ok());
  CHECK(job.state == JobState::kPending);
  CHECK(offer.state == OfferState::kDeclined);
  CHECK(offer.decline_reason == 1);
  CHECK(offer.decline_note == "too far");
  CHECK(c.state == CourierState::kIdle);
  CHECK(c.consecutive_timeouts == 0);
  CHECK(c.idle_clock == Clock::kKeep);
  REQUIRE(declined.exclusions.size() == 1);
  CHECK(declined.exclusions[0].reason == d::ExclusionReason::kDeclined);
  const auto& resolved = EventAt<d::OfferResolved>(declined, 0);
  CHECK(resolved.outcome == d::OfferOutcome::kDeclined);
  CHECK(resolved.decline_reason == 1);

  d::Offer late = MakeOffer();
  late.expired = true;
  CHECK(d::DeclineOffer(job, late, c, 1, "").refusal == Refusal::kOfferExpired);
}

TEST_CASE("expire: a timeout counts, the last one in a row takes the courier off duty") {
  const d::Limits limits{.max_consecutive_timeouts = 3, .max_code_attempts = 5};
  d::Job job = MakeJob(JobState::kOffered);
  d::Offer offer = MakeOffer();
  d::Courier c = MakeCourier(CourierState::kOffered);
  c.consecutive_timeouts = 1;
  CHECK(d::ExpireOffer(job, offer, c, limits).refusal == Refusal::kInvalidTransition);  // not due
  offer.expired = true;
  const d::Decision expired = d::ExpireOffer(job, offer, c, limits);
  REQUIRE(expired.ok());
  CHECK(c.state == CourierState::kIdle);
  CHECK(c.consecutive_timeouts == 2);
  CHECK(c.shift_clock == Clock::kKeep);
  CHECK(offer.state == OfferState::kExpired);
  CHECK(offer.withdraw_reason == d::WithdrawReason::kOfferExpired);
  CHECK(job.state == JobState::kPending);
  CHECK(expired.exclusions.at(0).reason == d::ExclusionReason::kExpired);
  CHECK(EventAt<d::OfferResolved>(expired, 0).outcome == d::OfferOutcome::kExpired);

  d::Job job2 = MakeJob(JobState::kOffered);
  d::Offer offer2 = MakeOffer();
  offer2.expired = true;
  d::Courier c2 = MakeCourier(CourierState::kOffered);
  c2.consecutive_timeouts = 2;
  REQUIRE(d::ExpireOffer(job2, offer2, c2, limits).ok());
  CHECK(c2.state == CourierState::kOffDuty);
  CHECK(c2.consecutive_timeouts == 3);
  CHECK(c2.shift_clock == Clock::kStop);
  CHECK(offer2.withdraw_reason == d::WithdrawReason::kCourierOffDuty);
}

TEST_CASE("pickup: checks in order, a wrong code counted, the last ticket starts delivery") {
  const d::Limits limits{.max_consecutive_timeouts = 3, .max_code_attempts = 5};
  d::Job job = MakeJob(JobState::kAssigned, "courier-1");
  d::Courier c = MakeCourier(CourierState::kAssigned, 100'000, "order-1");
  d::Stop first = MakeStop("t-1", 30'000);
  d::Stop second = MakeStop("t-2", 20'000);
  const d::PickupClaim right{.code = "1111", .paid_to_trader_idr = 30'000};

  CHECK(d::ConfirmPickup(nullptr, &c, &first, right, limits).refusal == Refusal::kNotFound);
  CHECK(d::ConfirmPickup(&job, nullptr, &first, right, limits).refusal == Refusal::kNotFound);
  d::Courier other = MakeCourier(CourierState::kAssigned);
  other.id = "courier-2";
  CHECK(d::ConfirmPickup(&job, &other, &first, right, limits).detail == "job");
  d::Job pending = MakeJob(JobState::kPending, "courier-1");
  CHECK(d::ConfirmPickup(&pending, &c, &first, right, limits).detail == "the job is PENDING");
  CHECK(d::ConfirmPickup(&job, &c, nullptr, right, limits).detail == "ticket");

  const d::Decision wrong =
      d::ConfirmPickup(&job, &c, &first, {.code = "2222", .paid_to_trader_idr = 30'000}, limits);
  CHECK(wrong.refusal == Refusal::kWrongPickupCode);
  CHECK(wrong.keep_attempt);
  CHECK(first.attempts == 1);
  CHECK(first.attempt_counted);
  CHECK_FALSE(job.transition.has_value());

  const d::Decision mismatch =
      d::ConfirmPickup(&job, &c, &first, {.code = "1111", .paid_to_trader_idr = 29'000}, limits);
  CHECK(mismatch.refusal == Refusal::kCashMismatch);
  CHECK(mismatch.detail == "paid_to_trader_idr must equal the ticket total 30000");
  d::Courier poor = MakeCourier(CourierState::kAssigned, 29'999, "order-1");
  CHECK(d::ConfirmPickup(&job, &poor, &first, right, limits).refusal == Refusal::kInsufficientCash);

  const d::Decision picked = d::ConfirmPickup(&job, &c, &first, right, limits);
  REQUIRE(picked.ok());
  CHECK(job.state == JobState::kPickingUp);
  CHECK(job.stops_picked == 1);
  CHECK(c.state == CourierState::kAssigned);
  CHECK(c.cash_on_hand_idr == 70'000);
  CHECK(first.picked_now);
  const auto& event = EventAt<d::PickupConfirmed>(picked, 0);
  CHECK(event.stall_id == "stall-t-1");
  CHECK(event.paid_to_trader_idr == 30'000);
  CHECK_FALSE(event.all_picked_up);
  CHECK(d::ConfirmPickup(&job, &c, &first, right, limits).detail == "already picked up");

  const d::Decision last =
      d::ConfirmPickup(&job, &c, &second, {.code = "1111", .paid_to_trader_idr = 20'000}, limits);
  REQUIRE(last.ok());
  CHECK(job.state == JobState::kDelivering);
  CHECK(c.state == CourierState::kDelivering);
  CHECK(c.cash_on_hand_idr == 50'000);
  CHECK(EventAt<d::PickupConfirmed>(last, 0).all_picked_up);
}

TEST_CASE("pickup: after too many wrong codes even the right one is refused") {
  const d::Limits limits{.max_consecutive_timeouts = 3, .max_code_attempts = 2};
  d::Job job = MakeJob(JobState::kAssigned, "courier-1");
  d::Courier c = MakeCourier(CourierState::kAssigned, 100'000, "order-1");
  d::Stop stop = MakeStop("t-1", 30'000);
  for (int i = 0; i < 2; ++i) {
    CHECK(d::ConfirmPickup(&job, &c, &stop, {.code = "0000", .paid_to_trader_idr = 30'000}, limits)
              .refusal == Refusal::kWrongPickupCode);
  }
  const d::Decision locked =
      d::ConfirmPickup(&job, &c, &stop, {.code = "1111", .paid_to_trader_idr = 30'000}, limits);
  CHECK(locked.refusal == Refusal::kTooManyAttempts);
  CHECK_FALSE(locked.keep_attempt);
  CHECK(stop.attempts == 2);
}

TEST_CASE("delivery: the PIN, then the exact cash, and the courier is idle with the cash") {
  const d::Limits limits{.max_consecutive_timeouts = 3, .max_code_attempts = 2};
  d::Job job = MakeJob(JobState::kDelivering, "courier-1");
  d::Courier c = MakeCourier(CourierState::kDelivering, 50'000, "order-1");
  d::Job assigned = MakeJob(JobState::kAssigned, "courier-1");
  CHECK(d::ConfirmDelivery(&assigned, &c, {.pin = "1234", .cash_collected_idr = 62'000}, limits)
            .detail == "the job is ASSIGNED");
  const d::Decision wrong =
      d::ConfirmDelivery(&job, &c, {.pin = "9999", .cash_collected_idr = 62'000}, limits);
  CHECK(wrong.refusal == Refusal::kWrongDeliveryPin);
  CHECK(wrong.keep_attempt);
  CHECK(job.pin_attempts == 1);
  CHECK(job.pin_attempt_counted);
  const d::Decision short_cash =
      d::ConfirmDelivery(&job, &c, {.pin = "1234", .cash_collected_idr = 60'000}, limits);
  CHECK(short_cash.refusal == Refusal::kCashMismatch);
  CHECK(short_cash.detail == "cash_collected_idr must equal cash_to_collect_idr 62000");
  const d::Decision delivered =
      d::ConfirmDelivery(&job, &c, {.pin = "1234", .cash_collected_idr = 62'000}, limits);
  REQUIRE(delivered.ok());
  CHECK(job.state == JobState::kDelivered);
  CHECK(c.state == CourierState::kIdle);
  CHECK(c.current_job_id.empty());
  CHECK(c.cash_on_hand_idr == 112'000);
  CHECK(c.idle_clock == Clock::kRestart);
  const auto& event = EventAt<d::DeliveryConfirmed>(delivered, 0);
  CHECK(event.cash_collected_idr == 62'000);
  CHECK(event.courier_earning_idr == 10'000);

  d::Job locked = MakeJob(JobState::kDelivering, "courier-1");
  locked.pin_attempts = 2;
  CHECK(d::ConfirmDelivery(&locked, &c, {.pin = "1234", .cash_collected_idr = 62'000}, limits)
            .refusal == Refusal::kTooManyAttempts);
}

TEST_CASE("unassign: an offer is withdrawn, an assignment released, the courier excluded") {
  {
    d::Job job = MakeJob(JobState::kOffered);
    d::Offer offer = MakeOffer();
    d::Courier c = MakeCourier(CourierState::kOffered);
    const d::Decision done = d::Unassign(job, Offered(&offer, &c), "note");
    REQUIRE(done.ok());
    CHECK(job.state == JobState::kPending);
    CHECK(job.transition == d::JobEvent::kOfferWithdrawn);
    CHECK(offer.state == OfferState::kWithdrawn);
    CHECK(offer.withdraw_reason == d::WithdrawReason::kOperator);
    CHECK(c.state == CourierState::kIdle);
    CHECK(c.idle_clock == Clock::kKeep);  // losing an offer keeps the idle time
    REQUIRE(done.events.size() == 1);     // no CourierUnassigned: order never heard of it
    CHECK(EventAt<d::OfferWithdrawn>(done, 0).reason == d::WithdrawReason::kOperator);
    CHECK(done.exclusions.at(0).courier_id == "courier-1");
    CHECK(done.releases.empty());
    CHECK(done.reset_pickup_attempts);
  }
  {
    d::Job job = MakeJob(JobState::kAssigned, "courier-1");
    d::Courier c = MakeCourier(CourierState::kAssigned, 100'000, "order-1");
    const d::Decision done = d::Unassign(job, AssignedTo(&c), "flat tyre");
    REQUIRE(done.ok());
    CHECK(job.state == JobState::kPending);
    CHECK(job.transition == d::JobEvent::kCourierReleased);
    CHECK(job.courier_id.empty());
    CHECK(c.state == CourierState::kIdle);
    CHECK(c.current_job_id.empty());
    CHECK(c.idle_clock == Clock::kRestart);
    const auto& event = EventAt<d::CourierUnassigned>(done, 0);
    CHECK(event.courier_id == "courier-1");
    CHECK(event.note == "flat tyre");
    CHECK(done.releases.at(0).reason == d::WithdrawReason::kOperator);
    CHECK(done.exclusions.at(0).reason == d::ExclusionReason::kOperator);
  }
  d::Job picked = MakeJob(JobState::kAssigned, "courier-1");
  picked.stops_picked = 1;
  CHECK(d::Unassign(picked, {}, "").detail == "a ticket was already picked up");
  d::Job pending = MakeJob(JobState::kPending);
  CHECK(d::Unassign(pending, {}, "").detail == "the job is PENDING");
  d::Job delivering = MakeJob(JobState::kDelivering, "courier-1");
  CHECK(d::Unassign(delivering, {}, "").refusal == Refusal::kInvalidTransition);
}

TEST_CASE("a release never frees a courier from another job they hold") {
  d::Job job = MakeJob(JobState::kAssigned, "courier-1");
  d::Courier c = MakeCourier(CourierState::kAssigned, 100'000, "order-2");
  const d::Decision done = d::ReleaseSilentCourier(job, &c);
  REQUIRE(done.ok());
  CHECK(c.state == CourierState::kAssigned);
  CHECK(c.current_job_id == "order-2");
  CHECK_FALSE(c.changed);
  // The job is taken back all the same.
  CHECK(job.state == JobState::kPending);
  CHECK(EventAt<d::CourierUnassigned>(done, 0).reason == d::WithdrawReason::kCourierSilent);
  CHECK(done.exclusions.at(0).reason == d::ExclusionReason::kSilent);
  CHECK_FALSE(done.reset_pickup_attempts);
}

TEST_CASE("a job past its dispatch deadline fails, its pending offer withdrawn") {
  d::Job job = MakeJob(JobState::kOffered);
  d::Offer offer = MakeOffer();
  d::Courier c = MakeCourier(CourierState::kOffered);
  CHECK(d::FailOverdueJob(job, Offered(&offer, &c)).refusal == Refusal::kInvalidTransition);
  job.overdue = true;
  const d::Decision failed = d::FailOverdueJob(job, Offered(&offer, &c));
  REQUIRE(failed.ok());
  CHECK(job.state == JobState::kFailed);
  CHECK(offer.withdraw_reason == d::WithdrawReason::kDispatchFailed);
  CHECK(c.state == CourierState::kIdle);
  CHECK(EventAt<d::OfferWithdrawn>(failed, 0).reason == d::WithdrawReason::kDispatchFailed);
  CHECK(EventAt<d::DispatchFailed>(failed, 1).offers_made == 1);
  d::Job assigned = MakeJob(JobState::kAssigned, "courier-1");
  assigned.overdue = true;
  CHECK(d::FailOverdueJob(assigned, {}).refusal == Refusal::kInvalidTransition);
}

TEST_CASE("OrderCancelled: cancelled before pickup, left alone when over, refused with goods") {
  d::Job job = MakeJob(JobState::kAssigned, "courier-1");
  d::Courier c = MakeCourier(CourierState::kAssigned, 100'000, "order-1");
  const d::Decision cancelled = d::CancelJob(job, AssignedTo(&c));
  REQUIRE(cancelled.ok());
  CHECK(job.state == JobState::kCancelled);
  CHECK(job.courier_id == "courier-1");  // who had it stays on record
  CHECK(c.state == CourierState::kIdle);
  const auto& released = EventAt<d::CourierUnassigned>(cancelled, 0);
  CHECK(released.reason == d::WithdrawReason::kOrderCancelled);
  CHECK(released.note == "order cancelled");
  CHECK(cancelled.exclusions.empty());

  d::Job over = MakeJob(JobState::kFailed);
  const d::Decision nothing = d::CancelJob(over, {});
  CHECK(nothing.ok());
  CHECK(nothing.events.empty());
  CHECK_FALSE(over.transition.has_value());
  d::Job picking = MakeJob(JobState::kPickingUp, "courier-1");
  CHECK(d::CancelJob(picking, {}).refusal == Refusal::kInvalidTransition);
  CHECK(picking.state == JobState::kPickingUp);
}

TEST_CASE("a cancellation request is accepted before pickup and refused after") {
  {
    const d::Decision none = d::SettleCancellation(nullptr, {}, "order-9", "cancel-1");
    REQUIRE(none.ok());
    CHECK(none.remember_cancelled_order);
    const auto& settled = EventAt<d::CancellationSettled>(none, 0);
    CHECK(settled.accepted);
    CHECK(settled.cancellation_id == "cancel-1");
    CHECK(settled.courier_id.empty());
  }
  {
    d::Job job = MakeJob(JobState::kOffered);
    d::Offer offer = MakeOffer();
    d::Courier c = MakeCourier(CourierState::kOffered);
    const d::Decision d1 = d::SettleCancellation(&job, Offered(&offer, &c), "order-1", "cancel-1");
    CHECK(job.state == JobState::kCancelled);
    CHECK(EventAt<d::OfferWithdrawn>(d1, 0).reason == d::WithdrawReason::kOrderCancelled);
    const auto& settled = EventAt<d::CancellationSettled>(d1, 1);
    CHECK(settled.accepted);
    CHECK(settled.courier_id.empty());  // an offer is no assignment
  }
  {
    d::Job job = MakeJob(JobState::kAssigned, "courier-1");
    d::Courier c = MakeCourier(CourierState::kAssigned, 100'000, "order-1");
    const d::Decision d2 = d::SettleCancellation(&job, AssignedTo(&c), "order-1", "cancel-1");
    CHECK(job.state == JobState::kCancelled);
    CHECK(EventAt<d::CancellationSettled>(d2, 1).courier_id == "courier-1");
  }
  for (const auto& [state, refusal] :
       {std::pair{JobState::kPickingUp, "PICKED_UP"}, std::pair{JobState::kDelivering, "PICKED_UP"},
        std::pair{JobState::kDelivered, "DELIVERED"}}) {
    d::Job job = MakeJob(state, "courier-1");
    const d::Decision d3 = d::SettleCancellation(&job, {}, "order-1", "cancel-1");
    REQUIRE(d3.ok());
    CHECK_FALSE(d3.remember_cancelled_order);
    CHECK(job.state == state);
    const auto& settled = EventAt<d::CancellationSettled>(d3, 0);
    CHECK_FALSE(settled.accepted);
    CHECK(settled.refusal == refusal);
    CHECK(settled.courier_id == "courier-1");
  }
  d::Job failed = MakeJob(JobState::kFailed);
  const d::Decision d4 = d::SettleCancellation(&failed, {}, "order-1", "cancel-1");
  CHECK(d4.events.size() == 1);
  CHECK(EventAt<d::CancellationSettled>(d4, 0).accepted);
  CHECK(failed.state == JobState::kFailed);
}
