// Offers: made by the matcher, answered by the courier, expired by the sweeper.
#include <string>
#include <utility>
#include <vector>

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
                                     .eta_seconds = offer.eta_seconds,
                                     .bundle_id = "",
                                     .bundle_position = 0});
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

Decision MakeTripOffer(std::vector<TripLeg> legs, Courier& courier,
                       const std::vector<bool>& excluded) {
  if (legs.empty() || excluded.size() != legs.size()) {
    return Refused(Refusal::kInvalidTransition, "a trip needs its jobs");
  }
  int64_t goods = 0;
  for (std::size_t i = 0; i < legs.size(); ++i) {
    const Job& job = *legs[i].job;
    if (!Allows(job, JobEvent::kOfferMade)) return InvalidFor(job);
    if (job.overdue) return Refused(Refusal::kOverdue, "the job's dispatch deadline has passed");
    if (excluded[i]) return Refused(Refusal::kExcluded, "the courier is excluded from the job");
    goods += job.goods_total_idr;
  }
  if (!Allows(courier, CourierEvent::kOffered)) return InvalidFor(courier);
  if (courier.cash_on_hand_idr < goods) {
    return Refused(Refusal::kInsufficientCash, "cash on hand is below the goods total");
  }
  Apply(courier, CourierEvent::kOffered);
  // A bundle's id: its first job and that job's count of offers, unique since the count only
  // grows.
  const std::string bundle_id =
      legs.size() > 1 ? legs[0].job->id + "/" + std::to_string(legs[0].job->offers_made + 1) : "";
  Decision d;
  for (std::size_t i = 0; i < legs.size(); ++i) {
    Job& job = *legs[i].job;
    Offer& offer = *legs[i].offer;
    Apply(job, JobEvent::kOfferMade);
    ++job.offers_made;
    job.bundle_id = bundle_id;
    job.bundle_position = bundle_id.empty() ? 0 : static_cast<int>(i);
    offer.job_id = job.id;
    offer.courier_id = courier.id;
    offer.state = OfferState::kPending;
    offer.expired = false;
    offer.bundle_id = job.bundle_id;
    offer.bundle_position = job.bundle_position;
    d.events.push_back(
        OfferMade{.offer_id = "", .job_id = job.id, .courier_id = courier.id, .expires_at_ms = 0});
  }
  return d;
}

Decision AcceptTrip(std::vector<TripLeg> legs, Courier& courier) {
  if (legs.empty()) return NoLongerPending();
  int64_t goods = 0;
  for (const TripLeg& leg : legs) {
    if (!Allows(*leg.offer, OfferEvent::kAccept) || leg.offer->expired) return NoLongerPending();
    if (!Allows(*leg.job, JobEvent::kOfferAccepted)) return InvalidFor(*leg.job);
    goods += leg.job->goods_total_idr;
  }
  if (courier.cash_on_hand_idr < goods) {
    return Refused(Refusal::kInsufficientCash, "cash on hand is below the goods total");
  }
  if (!Allows(courier, CourierEvent::kAccepted)) return InvalidFor(courier);
  Apply(courier, CourierEvent::kAccepted);
  courier.current_job_id = legs.front().job->id;
  courier.consecutive_timeouts = 0;
  Decision d;
  for (const TripLeg& leg : legs) {
    Apply(*leg.offer, OfferEvent::kAccept);
    Apply(*leg.job, JobEvent::kOfferAccepted);
    leg.job->courier_id = courier.id;
    d.events.push_back(CourierAssigned{.job_id = leg.job->id,
                                       .courier_id = courier.id,
                                       .courier_name = courier.name,
                                       .vehicle_plate = courier.vehicle_plate,
                                       .phone = courier.phone,
                                       .eta_seconds = leg.offer->eta_seconds,
                                       .bundle_id = leg.offer->bundle_id,
                                       .bundle_position = leg.offer->bundle_position});
    d.events.push_back(OfferResolved{.offer_id = leg.offer->id,
                                     .job_id = leg.job->id,
                                     .courier_id = leg.offer->courier_id,
                                     .outcome = OfferOutcome::kAccepted,
                                     .decline_reason = 0});
  }
  return d;
}

Decision DeclineTrip(std::vector<TripLeg> legs, Courier& courier, int reason, std::string note) {
  if (legs.empty()) return NoLongerPending();
  for (const TripLeg& leg : legs) {
    if (!Allows(*leg.offer, OfferEvent::kDecline) || leg.offer->expired) return NoLongerPending();
  }
  Decision d;
  for (const TripLeg& leg : legs) {
    Decision one = DeclineOffer(*leg.job, *leg.offer, courier, reason, note);
    leg.job->bundle_id.clear();
    for (auto& e : one.exclusions)
      d.exclusions.push_back(std::move(e));
    for (auto& e : one.events)
      d.events.push_back(std::move(e));
  }
  return d;
}

Decision ExpireTrip(std::vector<TripLeg> legs, Courier& courier, const Limits& limits) {
  if (legs.empty()) return Refused(Refusal::kInvalidTransition, "the offer is not due");
  for (const TripLeg& leg : legs) {
    if (!Allows(*leg.offer, OfferEvent::kExpire) || !leg.offer->expired) {
      return Refused(Refusal::kInvalidTransition, "the offer is not due");
    }
  }
  // The first leg counts the courier's timeout (and may take them off duty); the others follow
  // with the same reason.
  Decision d = ExpireOffer(*legs.front().job, *legs.front().offer, courier, limits);
  legs.front().job->bundle_id.clear();
  for (std::size_t i = 1; i < legs.size(); ++i) {
    Job& job = *legs[i].job;
    Offer& offer = *legs[i].offer;
    Apply(offer, OfferEvent::kExpire);
    offer.withdraw_reason = legs.front().offer->withdraw_reason;
    Apply(job, JobEvent::kOfferExpired);
    job.bundle_id.clear();
    d.exclusions.push_back({job.id, offer.courier_id, ExclusionReason::kExpired});
    d.events.push_back(OfferResolved{.offer_id = offer.id,
                                     .job_id = job.id,
                                     .courier_id = offer.courier_id,
                                     .outcome = OfferOutcome::kExpired,
                                     .decline_reason = 0});
  }
  return d;
}

}  // namespace pasar::dispatch::domain
