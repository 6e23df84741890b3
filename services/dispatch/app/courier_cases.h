// The courier's use cases (CourierService): shifts, answers to offers, pickup and delivery,
// and what their app and WatchOffers stream read. Each is one transaction; the mutations are
// idempotent on their key (the courier is the one whose subject is key.subject).
#pragma once

#include <optional>
#include <string>
#include <utility>

#include "app/outcome.h"
#include "domain/lifecycle.h"
#include "pasar/dispatch/v1/dispatch.pb.h"
#include "pasar/pg/pg.h"
#include "store/idempotency.h"

namespace pasar::dispatch::app {

namespace v1 = ::pasar::dispatch::v1;

// What a WatchOffers stream needs to compute what to send.
struct WatchSnapshot {
  std::string courier_id;
  std::optional<v1::Offer> pending_offer;
  // The job of the courier's latest assignment (current, delivered or taken back).
  std::optional<v1::Job> latest_job;
  // Why it was taken back from the courier; UNSPECIFIED while it is (or was delivered as) theirs.
  v1::WithdrawReason withdrawn = v1::WITHDRAW_REASON_UNSPECIFIED;
};

class CourierCases final {
 public:
  CourierCases(pg::Pool& pool, Timers timers) : pool_(pool), timers_(timers) {}

  Outcome StartShift(const store::IdemKey& key, const v1::StartShiftRequest& req,
                     v1::StartShiftResponse* resp);
  // `counted_cash_idr`: the cash the courier counted (the shift's statement compares it).
  Outcome EndShift(const store::IdemKey& key, std::optional<int64_t> counted_cash_idr,
                   v1::EndShiftResponse* resp);
  Outcome AcceptOffer(const store::IdemKey& key, const std::string& offer_id,
                      v1::AcceptOfferResponse* resp);
  Outcome DeclineOffer(const store::IdemKey& key, const v1::DeclineOfferRequest& req,
                       v1::DeclineOfferResponse* resp);
  Outcome ConfirmPickup(const store::IdemKey& key, const v1::ConfirmPickupRequest& req,
                        v1::ConfirmPickupResponse* resp);
  Outcome ConfirmDelivery(const store::IdemKey& key, const v1::ConfirmDeliveryRequest& req,
                          v1::ConfirmDeliveryResponse* resp);

  // The courier (NOT_FOUND when the subject has none), its current job and pending offer.
  Outcome GetCurrentJob(const std::string& subject, v1::GetCurrentJobResponse* resp);
  WatchSnapshot ReadWatchSnapshot(const std::string& courier_id);
  // How a (formerly pending) offer ended: its state and the withdraw reason.
  std::optional<std::pair<domain::OfferState, v1::WithdrawReason>> OfferEnd(
      const std::string& offer_id);
  std::optional<std::string> CourierIdBySubject(const std::string& subject);

 private:
  pg::Pool& pool_;
  const Timers timers_;
};

}  // namespace pasar::dispatch::app
