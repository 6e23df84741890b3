// Offers: made by the matcher, answered by the courier, expired by the sweeper.
#include <string>
#include <utility>

#include "domain/decisions.h"

namespace pasar::dispatch::domain {

Decision Refused(Refusal refusal, std::string detail) {
  Decision d;
  d.refusal = refusal;
  d.detail = std::move(detail);
  return d;
}

Decision InvalidFor(const Job& job) {
  return Refused(Refusal::kInvalidTransition, "the job is " + std::string(Name(job.state)));
}

Decision InvalidFor(const Courier& courier) {
  return Refused(Refusal::kInvalidTransition, "the courier is " + std::string(Name(courier.state)));
}

namespace {

Decision NoLongerPending() {
  return Refused(Refusal::kOfferExpired, "the offer is no longer pending");
}

}  // namespace

Decision MakeOffer(Job& job, Courier& courier, bool excluded, Offer& offer) {
  if (!Allows(job, JobEvent::kOfferMade)) return InvalidFor(job);
  if (job.overdue) return Refused(Refusal::kOverdue, "the job's dispatch deadline has passed");
  if (!Allows(courier, CourierEvent::kOffered)) return InvalidFor(courier);
  if (courier.cash_on_hand_idr < job.goods_total_idr) {
    return Refused(Refusal::kInsufficientCash, "cash on hand is below the goods total");
  }
  if (excluded) return Refused(Refusal::kExcluded, "the courier is excluded from the job");
  Apply(job, JobEvent::kOfferMade);
  ++job.offers_made;
  Apply(courier, CourierEvent::kOffered);
  offer.job_id = job.id;
  offer.courier_id = courier.id;
  offer.state = OfferState::kPending;
  offer.expired = false;
  Decision d;
  d.events.push_back(
      OfferMade{.offer_id = "", .job_id = job.id, .courier_id = courier.id, .expires_at_ms = 0});
  return d;
}

Decision AcceptOffer(Job& job, Offer& offer, Courier& courier) {
  if (!Allows(offer, OfferEvent::kAccept) || offer.expired) return NoLongerPending();
  if (courier.cash_on_hand_idr < job.goods_total_idr) {
    return Refused(Refusal::kInsufficientCash, "cash on hand is below the goods total");
  }
  // A pending offer's job is OFFERED and its courier OFFERED (both change with the offer only).
  if (!Allows(job, JobEvent::kOfferAccepted)) return InvalidFor(job);
  if (!Allows(courier, CourierEvent::kAccepted)) return InvalidFor(courier);
  Apply(offer, OfferEvent::kAccept);
  Apply(job, JobEvent::kOfferAccepted);
  job.courier_id = courier.id;
  Apply(courier, CourierEvent::kAccepted);
  courier.current_job_id = job.id;
  courier.consecutive_timeouts = 0;
  Decision d;
  d.events.push_back(CourierAssigned{.job_id = job.id,
                                     .courier_id = courier.id,
                                     .courier_name = courier.name,
                                     .vehicle_plate = courier.vehicle_plate,
                                     .phone = courier.phone,
                                     .eta_seconds = offer.eta_seconds});
  d.events.push_back(OfferResolved{.offer_id = offer.id,
                                   .job_id = job.id,
                                   .courier_id = offer.courier_id,
                                   .outcome = OfferOutcome::kAccepted,
                                   .decline_reason = 0});
  return d;
}

Decision DeclineOffer(Job& job, Offer& offer, Courier& courier, int reason, std::string note) {
  if (!Allows(offer, OfferEvent::kDecline) || offer.expired) return NoLongerPending();
  Apply(offer, OfferEvent::kDecline);
  offer.decline_reason = reason;
  offer.decline_note = std::move(note);
  Apply(job, JobEvent::kOfferDeclined);  // OFFERED -> PENDING; any other state stays
  // An answer, even a no: the timeouts in a row are forgotten (the idle time is kept).
  if (Apply(courier, CourierEvent::kDeclined)) courier.consecutive_timeouts = 0;
  Decision d;
  d.exclusions.push_back({job.id, offer.courier_id, ExclusionReason::kDeclined});
  d.events.push_back(OfferResolved{.offer_id = offer.id,
                                   .job_id = job.id,
                                   .courier_id = offer.courier_id,
                                   .outcome = OfferOutcome::kDeclined,
                                   .decline_reason = reason});
  return d;
}

Decision ExpireOffer(Job& job, Offer& offer, Courier& courier, const Limits& limits) {
  if (!Allows(offer, OfferEvent::kExpire) || !offer.expired) {
    return Refused(Refusal::kInvalidTransition, "the offer is not due");
  }
  bool off_duty = false;
  if (Allows(courier, CourierEvent::kTimedOut)) {
    const int timeouts = courier.consecutive_timeouts + 1;
    off_duty = timeouts >= limits.max_consecutive_timeouts;
    Apply(courier, off_duty ? CourierEvent::kTimedOutOffDuty : CourierEvent::kTimedOut);
    courier.consecutive_timeouts = timeouts;
    if (off_duty) courier.shift_clock = Clock::kStop;
  }
  Apply(offer, OfferEvent::kExpire);
  offer.withdraw_reason =
      off_duty ? WithdrawReason::kCourierOffDuty : WithdrawReason::kOfferExpired;
  Apply(job, JobEvent::kOfferExpired);  // OFFERED -> PENDING; any other state stays
  Decision d;
  d.exclusions.push_back({job.id, offer.courier_id, ExclusionReason::kExpired});
  d.events.push_back(OfferResolved{.offer_id = offer.id,
                                   .job_id = job.id,
                                   .courier_id = offer.courier_id,
                                   .outcome = OfferOutcome::kExpired,
                                   .decline_reason = 0});
  return d;
}

}  // namespace pasar::dispatch::domain
