#include "app/courier_cases.h"

#include <variant>
#include <vector>

#include "app/idempotent.h"
#include "app/record.h"
#include "domain/decisions.h"
#include "store/contract.h"
#include "store/couriers.h"
#include "store/job_views.h"
#include "store/jobs.h"
#include "store/offers.h"
#include "store/statements.h"

namespace pasar::dispatch::app {
namespace {

template <class T>
T* Ptr(std::optional<T>& value) {
  return value ? &*value : nullptr;
}

Outcome NoLongerPending() {
  return Refuse(Refusal::kOfferExpired, "the offer is no longer pending");
}

// A stacked trip's pending offers and their jobs, locked job -> offer (the courier next, by the
// caller); empty when the trip is no longer pending as a whole.
struct LockedTrip {
  std::vector<domain::Job> jobs;
  std::vector<domain::Offer> offers;
  std::vector<domain::TripLeg> legs() {
    std::vector<domain::TripLeg> out;
    for (std::size_t i = 0; i < jobs.size(); ++i)
      out.push_back({&jobs[i], &offers[i]});
    return out;
  }
};
LockedTrip LockTrip(pg::Transaction& tx, const std::string& bundle_id) {
  LockedTrip trip;
  for (const std::string& id : store::PendingJobsOfBundle(tx, bundle_id)) {
    auto job = store::LockJob(tx, id);
    if (!job) return LockedTrip{};
    trip.jobs.push_back(std::move(*job));
  }
  trip.offers = store::LockPendingOffersOfBundle(tx, bundle_id);
  if (trip.offers.size() != trip.jobs.size()) return LockedTrip{};
  for (std::size_t i = 0; i < trip.jobs.size(); ++i) {
    if (trip.offers[i].job_id != trip.jobs[i].id) return LockedTrip{};
  }
  return trip;
}

void SaveTrip(pg::Transaction& tx, const LockedTrip& trip, const domain::Decision& d) {
  for (std::size_t i = 0; i < trip.jobs.size(); ++i) {
    store::SaveOffer(tx, trip.offers[i]);
    store::SaveJob(tx, trip.jobs[i]);
  }
  // The events of each job under its own correlation id.
  for (const domain::Job& job : trip.jobs) {
    domain::Decision mine;
    for (const auto& e : d.exclusions) {
      if (e.job_id == job.id) mine.exclusions.push_back(e);
    }
    for (const auto& e : d.events) {
      const std::string of = std::visit(
          [](const auto& ev) -> std::string {
            if constexpr (requires { ev.job_id; }) {
              return ev.job_id;
            } else {
              return "";
            }
          },
          e);
      if (of == job.id) {
        mine.events.push_back(e);
      }
    }
    Record(tx, job.id, job.correlation_id, mine);
  }
}

}  // namespace

Outcome CourierCases::StartShift(const store::IdemKey& key, const v1::StartShiftRequest& req,
                                 v1::StartShiftResponse* resp) {
  return Idempotent(pool_, "start_shift", key, resp, [&](pg::Transaction& tx, bool&) {
    auto courier = store::LockCourierBySubject(tx, key.subject);
    if (!courier) return Refuse(Refusal::kNotFound, "courier");
    domain::StartShift(*courier, req.cash_on_hand_idr());
    store::SaveCourier(tx, *courier);
    *resp->mutable_courier() = *store::ReadCourier(tx, courier->id);
    return Outcome{};
  });
}

Outcome CourierCases::EndShift(const store::IdemKey& key, std::optional<int64_t> counted_cash_idr,
                               v1::EndShiftResponse* resp) {
  return Idempotent(pool_, "end_shift", key, resp, [&](pg::Transaction& tx, bool&) {
    auto courier = store::LockCourierBySubject(tx, key.subject);
    if (!courier) return Refuse(Refusal::kNotFound, "courier");
    const bool on_shift = courier->state != domain::CourierState::kOffDuty;
    const domain::Decision d = domain::EndShift(*courier);
    if (!d.ok()) return OutcomeOf(d);
    store::SaveCourier(tx, *courier);
    // The count belongs to the shift that ends now (an EndShift off duty declares nothing).
    if (counted_cash_idr && on_shift) store::DeclareCountedCash(tx, courier->id, *counted_cash_idr);
    *resp->mutable_courier() = *store::ReadCourier(tx, courier->id);
    return Outcome{};
  });
}

Outcome CourierCases::AcceptOffer(const store::IdemKey& key, const std::string& offer_id,
                                  v1::AcceptOfferResponse* resp) {
  return Idempotent(pool_, "accept_offer", key, resp, [&](pg::Transaction& tx, bool&) {
    const auto parties = store::FindOfferOfSubject(tx, offer_id, key.subject);
    if (!parties) return Refuse(Refusal::kNotFound, "offer");
    if (!parties->bundle_id.empty()) {
      LockedTrip trip = LockTrip(tx, parties->bundle_id);
      if (trip.jobs.empty()) return NoLongerPending();
      auto courier = store::LockCourier(tx, parties->courier_id);
      if (!courier) return Refuse(Refusal::kNotFound, "offer");
      const domain::Decision d = domain::AcceptTrip(trip.legs(), *courier);
      if (!d.ok()) return OutcomeOf(d);
      SaveTrip(tx, trip, d);
      store::SaveCourier(tx, *courier);
      *resp->mutable_job() = *store::ReadJob(tx, trip.jobs.front().id);
      return Outcome{};
    }
    // Lock order everywhere: job, offer, courier.
    auto job = store::LockJob(tx, parties->job_id);
    auto offer = store::LockOffer(tx, offer_id);
    if (!job || !offer) return NoLongerPending();
    auto courier = store::LockCourier(tx, parties->courier_id);
    if (!courier) return Refuse(Refusal::kNotFound, "offer");
    const domain::Decision d = domain::AcceptOffer(*job, *offer, *courier);
    if (!d.ok()) return OutcomeOf(d);
    store::SaveOffer(tx, *offer);
    store::SaveJob(tx, *job);
    store::SaveCourier(tx, *courier);
    Record(tx, job->id, job->correlation_id, d);
    *resp->mutable_job() = *store::ReadJob(tx, job->id);
    return Outcome{};
  });
}

Outcome CourierCases::DeclineOffer(const store::IdemKey& key, const v1::DeclineOfferRequest& req,
                                   v1::DeclineOfferResponse* resp) {
  return Idempotent(pool_, "decline_offer", key, resp, [&](pg::Transaction& tx, bool&) {
    const auto parties = store::FindOfferOfSubject(tx, req.offer_id(), key.subject);
    if (!parties) return Refuse(Refusal::kNotFound, "offer");
    if (!parties->bundle_id.empty()) {
      LockedTrip trip = LockTrip(tx, parties->bundle_id);
      if (trip.jobs.empty()) return NoLongerPending();
      auto courier = store::LockCourier(tx, parties->courier_id);
      if (!courier) return Refuse(Refusal::kNotFound, "offer");
      const domain::Decision d =
          domain::DeclineTrip(trip.legs(), *courier, req.reason(), req.note());
      if (!d.ok()) return OutcomeOf(d);
      SaveTrip(tx, trip, d);
      store::SaveCourier(tx, *courier);
      *resp->mutable_courier() = *store::ReadCourier(tx, courier->id);
      return Outcome{};
    }
    auto job = store::LockJob(tx, parties->job_id);
    auto offer = store::LockOffer(tx, req.offer_id());
    if (!job || !offer) return NoLongerPending();
    auto courier = store::LockCourier(tx, parties->courier_id);
    if (!courier) return Refuse(Refusal::kNotFound, "offer");
    const domain::Decision d =
        domain::DeclineOffer(*job, *offer, *courier, req.reason(), req.note());
    if (!d.ok()) return OutcomeOf(d);
    store::SaveOffer(tx, *offer);
    store::SaveJob(tx, *job);
    store::SaveCourier(tx, *courier);
    Record(tx, job->id, job->correlation_id, d);
    *resp->mutable_courier() = *store::ReadCourier(tx, courier->id);
    return Outcome{};
  });
}

Outcome CourierCases::ConfirmPickup(const store::IdemKey& key, const v1::ConfirmPickupRequest& req,
                                    v1::ConfirmPickupResponse* resp) {
  return Idempotent(pool_, "confirm_pickup", key, resp, [&](pg::Transaction& tx, bool& keep) {
    auto job = store::LockJob(tx, req.job_id());
    auto courier = store::LockCourierBySubject(tx, key.subject);
    std::optional<domain::Stop> stop;
    if (job) stop = store::LockStop(tx, job->id, req.ticket_id());
    const domain::PickupClaim claim{.code = req.pickup_code(),
                                    .paid_to_trader_idr = req.paid_to_trader_idr()};
    const int other_stops = job && courier ? store::OtherTripStopsLeft(tx, *job, courier->id) : 0;
    const domain::Decision d = domain::ConfirmPickup(Ptr(job), Ptr(courier), Ptr(stop), claim,
                                                     timers_.limits(), other_stops);
    if (!d.ok()) {
      if (d.keep_attempt) {
        store::SaveStop(tx, job->id, *stop);
        keep = true;
      }
      return OutcomeOf(d);
    }
    store::SaveStop(tx, job->id, *stop);
    store::SaveJob(tx, *job);
    store::SaveCourier(tx, *courier);
    Record(tx, job->id, job->correlation_id, d);
    *resp->mutable_job() = *store::ReadJob(tx, job->id);
    return Outcome{};
  });
}

Outcome CourierCases::ConfirmDelivery(const store::IdemKey& key,
                                      const v1::ConfirmDeliveryRequest& req,
                                      v1::ConfirmDeliveryResponse* resp) {
  return Idempotent(pool_, "confirm_delivery", key, resp, [&](pg::Transaction& tx, bool& keep) {
    auto job = store::LockJob(tx, req.job_id());
    auto courier = store::LockCourierBySubject(tx, key.subject);
    const domain::DeliveryClaim claim{.pin = req.delivery_pin(),
                                      .cash_collected_idr = req.cash_collected_idr()};
    store::TripJobs others;
    if (job && courier && job->courier_id == courier->id) {
      others = store::OtherTripJobs(tx, *job, courier->id);
    }
    const domain::BundleRest rest{.others = !others.ids.empty(),
                                  .next_job_id = others.ids.empty() ? "" : others.ids.front()};
    const domain::Decision d = domain::ConfirmDelivery(Ptr(job), Ptr(courier), claim,
                                                       timers_.limits(), others.earlier, rest);
    if (!d.ok()) {
      if (d.keep_attempt) {
        store::SaveJob(tx, *job);
        keep = true;
      }
      return OutcomeOf(d);
    }
    store::SaveJob(tx, *job);
    store::SaveCourier(tx, *courier);
    Record(tx, job->id, job->correlation_id, d);
    *resp->mutable_job() = *store::ReadJob(tx, job->id);
    resp->set_earning_idr(job->delivery_fee_idr);
    *resp->mutable_courier() = *store::ReadCourier(tx, courier->id);
    return Outcome{};
  });
}

Outcome CourierCases::GetCurrentJob(const std::string& subject, v1::GetCurrentJobResponse* resp) {
  pg::Transaction tx(pool_, "get_current_job");
  auto courier = store::ReadCourierBySubject(tx, subject);
  if (!courier) return Refuse(Refusal::kNotFound, "courier");
  *resp->mutable_courier() = std::move(*courier);
  if (!resp->courier().current_job_id().empty()) {
    if (auto job = store::ReadJob(tx, resp->courier().current_job_id())) {
      *resp->mutable_job() = std::move(*job);
    }
  }
  if (auto offer = store::ReadPendingOffer(tx, resp->courier().id())) {
    *resp->mutable_offer() = std::move(*offer);
  }
  tx.Commit();
  return Outcome{};
}

WatchSnapshot CourierCases::ReadWatchSnapshot(const std::string& courier_id) {
  pg::Transaction tx(pool_, "watch_snapshot", pg::Transaction::Isolation::kRepeatableRead);
  WatchSnapshot snap;
  snap.courier_id = courier_id;
  if (const auto latest = store::ReadLatestAssignment(tx, courier_id)) {
    snap.latest_job = store::ReadJob(tx, latest->job_id);
    if (latest->release_reason) snap.withdrawn = store::WithdrawReasonOf(*latest->release_reason);
  }
  snap.pending_offer = store::ReadPendingOffer(tx, courier_id);
  tx.Commit();
  return snap;
}

std::optional<std::pair<domain::OfferState, v1::WithdrawReason>> CourierCases::OfferEnd(
    const std::string& offer_id) {
  return store::ReadOfferEnd(pool_, offer_id);
}

std::optional<std::string> CourierCases::CourierIdBySubject(const std::string& subject) {
  return store::CourierIdBySubject(pool_, subject);
}

}  // namespace pasar::dispatch::app
