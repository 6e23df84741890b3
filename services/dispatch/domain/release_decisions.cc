// Taking a job back before pickup: the operator's unassign, a silent courier, a missed dispatch
// deadline, a cancelled order.
#include <string>
#include <utility>

#include "domain/decisions.h"

namespace pasar::dispatch::domain {
namespace {

// Back to IDLE from an offer, or from `job` (never touching another job the courier holds).
// Losing an offer keeps the idle time (it was no answer of theirs); losing a job restarts it.
// A courier who keeps other offers or jobs of the job's stacked trip (`rest`) stays as they are,
// on to the trip's next job.
void Free(Courier& courier, const Job& job, CourierEvent event, const BundleRest& rest) {
  // The job leaving was the trip's last with tickets at the stalls: the rest is on the bike.
  if (rest.others && rest.on_board && courier.state == CourierState::kAssigned &&
      job.courier_id == courier.id) {
    Apply(courier, CourierEvent::kLastTicketPickedUp);
    courier.changed = true;
  }
  if (!courier.current_job_id.empty() && courier.current_job_id != job.id) return;
  if (rest.others) {
    if (courier.current_job_id == job.id) {
      courier.current_job_id = rest.next_job_id;
      courier.changed = true;
    }
    return;
  }
  const bool was_offered = courier.state == CourierState::kOffered;
  if (!Apply(courier, event)) return;
  courier.current_job_id.clear();
  if (!was_offered) courier.idle_clock = Clock::kRestart;
}

// Takes the job's pending offer back (OfferWithdrawn); its courier is IDLE again.
void Withdraw(const Job& job, Offer& offer, Courier* offered_to, WithdrawReason reason,
              const BundleRest& rest, Decision& d) {
  if (!Apply(offer, OfferEvent::kWithdraw)) return;
  offer.withdraw_reason = reason;
  if (offered_to != nullptr) Free(*offered_to, job, CourierEvent::kOfferWithdrawn, rest);
  d.events.push_back(OfferWithdrawn{
      .offer_id = offer.id, .job_id = job.id, .courier_id = offer.courier_id, .reason = reason});
}

// Releases the job's courier (CourierUnassigned); the job keeps its own state for the caller.
void ReleaseCourier(const Job& job, Courier* courier, WithdrawReason reason, std::string note,
                    const BundleRest& rest, Decision& d) {
  if (courier != nullptr) Free(*courier, job, CourierEvent::kReleased, rest);
  d.releases.push_back({job.id, job.courier_id, reason});
  d.events.push_back(CourierUnassigned{
      .job_id = job.id, .courier_id = job.courier_id, .reason = reason, .note = std::move(note)});
}

// Cancels a job before pickup: offer withdrawn, courier released, CANCELLED.
void Cancel(Job& job, const Holders& holders, Decision& d) {
  if (holders.offer != nullptr) {
    Withdraw(job, *holders.offer, holders.offered_to, WithdrawReason::kOrderCancelled, holders.rest,
             d);
  }
  if (!job.courier_id.empty()) {
    ReleaseCourier(job, holders.assigned, WithdrawReason::kOrderCancelled, "order cancelled",
                   holders.rest, d);
  }
  Apply(job, JobEvent::kCancelled);
}

}  // namespace

Decision Unassign(Job& job, const Holders& holders, const std::string& note) {
  const bool offered = Allows(job, JobEvent::kOfferWithdrawn);
  const bool assigned = Allows(job, JobEvent::kCourierReleased);
  if (!offered && !assigned) return InvalidFor(job);
  // Goods on the bike were paid for by the courier: only a delivery (or its failure) ends that.
  if (job.stops_picked > 0) {
    return Refused(Refusal::kInvalidTransition, "a ticket was already picked up");
  }
  Decision d;
  std::string courier_id = job.courier_id;
  if (offered) {
    // The order service never heard of the offer: no CourierUnassigned, and the note is not kept.
    courier_id.clear();
    if (holders.offer != nullptr) {
      courier_id = holders.offer->courier_id;
      Withdraw(job, *holders.offer, holders.offered_to, WithdrawReason::kOperator, holders.rest, d);
    }
    Apply(job, JobEvent::kOfferWithdrawn);
  } else {
    // The same release as for a silent courier.
    ReleaseCourier(job, holders.assigned, WithdrawReason::kOperator, note, holders.rest, d);
    Apply(job, JobEvent::kCourierReleased);
  }
  job.courier_id.clear();
  if (!courier_id.empty()) d.exclusions.push_back({job.id, courier_id, ExclusionReason::kOperator});
  // The wrong pickup code counters belong to the courier who typed them: the next one starts
  // over (so a job locked by five wrong codes can go to the next courier).
  d.reset_pickup_attempts = true;
  return d;
}

Decision ReleaseSilentCourier(Job& job, Courier* courier, const BundleRest& rest) {
  if (!Allows(job, JobEvent::kCourierReleased)) return InvalidFor(job);
  const std::string courier_id = job.courier_id;
  Decision d;
  ReleaseCourier(job, courier, WithdrawReason::kCourierSilent, "no location fix before pickup",
                 rest, d);
  Apply(job, JobEvent::kCourierReleased);
  job.courier_id.clear();
  d.exclusions.push_back({job.id, courier_id, ExclusionReason::kSilent});
  return d;
}

Decision FailOverdueJob(Job& job, const Holders& holders) {
  if (!Allows(job, JobEvent::kDispatchFailed)) return InvalidFor(job);
  if (!job.overdue) {
    return Refused(Refusal::kInvalidTransition, "the dispatch deadline has not passed");
  }
  Decision d;
  if (holders.offer != nullptr) {
    Withdraw(job, *holders.offer, holders.offered_to, WithdrawReason::kDispatchFailed, holders.rest,
             d);
  }
  Apply(job, JobEvent::kDispatchFailed);
  d.events.push_back(DispatchFailed{.job_id = job.id, .offers_made = job.offers_made});
  return d;
}

Decision CancelJob(Job& job, const Holders& holders) {
  if (job.state == JobState::kCancelled || job.state == JobState::kFailed) return Decision{};
  if (GoodsOnBoard(job.state)) {
    return Refused(Refusal::kInvalidTransition, "goods are on board: the job goes on");
  }
  Decision d;
  Cancel(job, holders, d);
  return d;
}

Decision SettleCancellation(Job* job, const Holders& holders, const std::string& order_id,
                            const std::string& cancellation_id) {
  Decision d;
  CancellationSettled settled;
  settled.order_id = order_id;
  settled.cancellation_id = cancellation_id;
  if (job != nullptr && GoodsOnBoard(job->state)) {
    settled.accepted = false;
    settled.refusal = job->state == JobState::kDelivered ? "DELIVERED" : "PICKED_UP";
    settled.courier_id = job->courier_id;
  } else {
    settled.accepted = true;
    d.remember_cancelled_order = true;  // a late OrderConfirmed makes no job
    if (job != nullptr && Allows(*job, JobEvent::kCancelled)) {
      Cancel(*job, holders, d);
      settled.courier_id = job->courier_id;  // released, or "" while it had none
    }
  }
  d.events.push_back(std::move(settled));
  return d;
}

}  // namespace pasar::dispatch::domain
