// What the dispatch decisions publish (stream events.dispatch, pasar.events.v1), as plain data.
// The use cases record them in the outbox in the decision's transaction, in the order given.
// A job's id is its order's id: the envelopes carry it as both.
#pragma once

#include <cstdint>
#include <string>
#include <variant>

#include "domain/lifecycle.h"

namespace pasar::dispatch::domain {

struct OfferMade {
  std::string offer_id;  // assigned by the store when it inserts the offer
  std::string job_id;
  std::string courier_id;
  int64_t expires_at_ms = 0;  // the database's now + the offer timeout, from the insert
};

enum class OfferOutcome { kAccepted, kDeclined, kExpired };

struct OfferResolved {
  std::string offer_id;
  std::string job_id;
  std::string courier_id;
  OfferOutcome outcome = OfferOutcome::kAccepted;
  int decline_reason = 0;  // pasar.dispatch.v1.DeclineReason value (DECLINED only)
};

struct OfferWithdrawn {
  std::string offer_id;
  std::string job_id;
  std::string courier_id;
  WithdrawReason reason = WithdrawReason::kOperator;
};

struct CourierAssigned {
  std::string job_id;
  std::string courier_id;
  std::string courier_name;
  std::string vehicle_plate;
  std::string phone;
  int32_t eta_seconds = 0;
  // A stacked trip: the bundle and the job's drop-off place in it ("" and 0 when alone).
  std::string bundle_id;
  int bundle_position = 0;
};

struct CourierUnassigned {
  std::string job_id;
  std::string courier_id;
  WithdrawReason reason = WithdrawReason::kOperator;
  std::string note;
};

struct PickupConfirmed {
  std::string job_id;
  std::string ticket_id;
  std::string stall_id;
  std::string courier_id;
  int64_t paid_to_trader_idr = 0;
  bool all_picked_up = false;
};

struct DeliveryConfirmed {
  std::string job_id;
  std::string courier_id;
  int64_t cash_collected_idr = 0;
  int64_t courier_earning_idr = 0;
};

// Reason NO_COURIER (the only one).
struct DispatchFailed {
  std::string job_id;
  int32_t offers_made = 0;
};

struct CancellationSettled {
  std::string order_id;
  std::string cancellation_id;
  bool accepted = false;
  std::string refusal;     // "PICKED_UP" or "DELIVERED" when refused
  std::string courier_id;  // released (accepted) or holding the goods (refused); "" when none
};

// A courier's attempt at the drop-off (outcome: a pasar.dispatch.v1.DeliveryAttemptOutcome).
struct DeliveryAttempted {
  std::string job_id;
  std::string courier_id;
  int outcome = 0;
  int32_t attempt = 0;
};

// The delivery failed; the money the market's policy assigns travels with it.
struct DeliveryFailed {
  std::string job_id;
  std::string courier_id;
  int64_t failure_fee_idr = 0;
  int64_t compensation_idr = 0;
  int32_t attempts = 0;
  std::string operator_subject;  // "" when the courier declared it
  std::string reason;
};

// One stop's goods are back at the stall or the office.
struct GoodsReturned {
  std::string job_id;
  std::string ticket_id;
  std::string stall_id;
  std::string courier_id;
  ReturnDestination destination = ReturnDestination::kStall;
  int64_t amount_idr = 0;
  bool all_returned = false;
  std::string operator_subject;  // "" for the courier's return
};

using Event = std::variant<OfferMade, OfferResolved, OfferWithdrawn, CourierAssigned,
                           CourierUnassigned, PickupConfirmed, DeliveryConfirmed, DispatchFailed,
                           CancellationSettled, DeliveryAttempted, DeliveryFailed, GoodsReturned>;

}  // namespace pasar::dispatch::domain
