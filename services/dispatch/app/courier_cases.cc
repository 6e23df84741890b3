#include "app/courier_cases.h"

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
    const domain::Decision d =
        domain::ConfirmPickup(Ptr(job), Ptr(courier), Ptr(stop), claim, timers_.limits());
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
    const domain::Decision d =
        domain::ConfirmDelivery(Ptr(job), Ptr(courier), claim, timers_.limits());
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
