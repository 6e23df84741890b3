// The order aggregate (an order, its tickets and lines, its ledger) and every change the
// lifecycle makes to it, as pure functions on plain data. The adapters load the aggregate
// (locked), apply one operation, persist what changed and publish the returned happenings as
// events — all in one transaction.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "absl/time/time.h"
#include "domain/ledger.h"
#include "domain/pricing.h"
#include "domain/programme.h"
#include "domain/state_machine.h"
#include "domain/tickets.h"
#include "domain/trip.h"
#include "pasar/geo/geo.h"

namespace pasar::order::domain {

enum class LineStatus { kPending, kAccepted, kRejected };
std::string_view Name(LineStatus status);  // "PENDING", "ACCEPTED", "REJECTED"
std::optional<LineStatus> ParseLineStatus(std::string_view name);

struct Line {
  std::string product_id;
  std::string name;
  std::string unit;
  bool weighed = false;
  int64_t ordered_quantity = 0;
  int64_t price_idr = 0;  // unit price snapshot
  LineStatus status = LineStatus::kPending;
  int64_t final_quantity = 0;  // = ordered while pending, 0 when rejected
  int64_t line_total_idr = 0;  // = ordered x price while pending, 0 when rejected
  int reject_reason = 0;       // pasar.order.v1.RejectReason value
};

struct Ticket {
  std::string id;
  int position = 0;
  std::string stall_id;
  std::string stall_name;
  TicketState status = TicketState::kPending;
  int64_t total_idr = 0;
  std::string pickup_code;
  absl::Time decide_by;
  int reject_reason = 0;  // pasar.order.v1.RejectReason value
  std::string reject_note;
  std::optional<int64_t> paid_idr;  // what the courier paid at pickup
  int64_t version = 1;
  absl::Time created_at;
  std::optional<absl::Time> decided_at, ready_at, picked_up_at;
  std::vector<Line> lines;
  // Set by the operations below; the store writes back only what is dirty.
  bool dirty = false;
  bool lines_dirty = false;
};

struct Courier {
  std::string id;
  std::string name;
  std::string plate;
  std::string phone;
  int32_t eta_seconds = 0;
  absl::Time assigned_at;  // when dispatch recorded the assignment (the event's occurred_at)
  // A stacked trip (domain/trip.h): dispatch's bundle id ("" when the order rides alone) and the
  // order's place in its drop-off order (0 first).
  std::string bundle_id;
  int bundle_position = 0;
};

// A cancellation asked for once the order was CONFIRMED: dispatch, where pickup is decided,
// settles it (accepted: the order is cancelled; refused: it goes on to delivery).
enum class CancellationState { kRequested, kAccepted, kRefused };
std::string_view Name(CancellationState state);  // "REQUESTED", "ACCEPTED", "REFUSED"
std::optional<CancellationState> ParseCancellationState(std::string_view name);

struct Cancellation {
  std::string id;                                 // the request (UUID); dispatch's answer names it
  CancelReason reason = CancelReason::kCustomer;  // kCustomer or kOperator
  std::string note;
  CancellationState state = CancellationState::kRequested;
  absl::Time requested_at;
  std::optional<absl::Time> settled_at;
  std::string refusal;  // why dispatch refused ("PICKED_UP", "DELIVERED")
};

// The programme benefit of an order (domain/programme.h), held at placement.
struct AppliedBenefit {
  std::string programme_id;
  int64_t delivery_subsidy_idr = 0;
  int64_t voucher_idr = 0;
  BenefitState state = BenefitState::kHeld;
  int64_t amount_idr() const { return delivery_subsidy_idr + voucher_idr; }
};

struct Order {
  std::string id;
  std::string customer;
  std::string market_id;
  std::string market_name;
  geo::LatLng market_location;
  OrderState status = OrderState::kPlaced;
  std::optional<CancelReason> cancel_reason;
  std::string cancel_note;
  geo::LatLng drop_off;
  std::string drop_off_address;
  std::string drop_off_note;
  Totals totals;
  int64_t distance_meters = 0;
  std::string delivery_pin;
  std::string reservation_id;
  int32_t weighed_tolerance_percent = 0;
  int32_t dispatch_timeout_seconds = 0;
  std::optional<Courier> courier;
  std::optional<Cancellation> cancellation;  // the latest asked for after confirmation
  std::optional<AppliedBenefit> benefit;     // a programme's, if one applied
  // Attempts the courier reported at the door, the latest's outcome ("NO_ANSWER", ...).
  int32_t delivery_attempts = 0;
  std::string last_attempt_outcome;
  std::optional<absl::Time> delivery_failed_at;
  int64_t version = 1;
  absl::Time created_at, updated_at;
  std::optional<absl::Time> confirmed_at, picked_up_at, delivered_at, cancelled_at;
  std::vector<Ticket> tickets;
  std::vector<Posting> ledger;        // persisted postings, oldest first
  std::vector<Posting> new_postings;  // added by an operation, to persist
  // The other orders recorded with the courier's bundle id (loaded with the order; empty when
  // it rides alone): only what the count of stops before needs.
  std::vector<TripStop> trip_mates;

  Ticket* FindTicket(std::string_view ticket_id);
  std::vector<TicketState> TicketStates() const;
  // What the customer pays the courier: the total less a held or spent benefit.
  int64_t AmountDue() const;
};

// What an operation did, for the events it publishes.
enum class Happening {
  kTicketAccepted,
  kTicketRejected,
  kTicketExpired,
  kTicketReady,
  kTicketPickedUp,
  kTicketCancelled,
  kOrderConfirmed,
  kOrderCancelled,
  kCourierAssigned,
  kCourierUnassigned,
  kOrderPickedUp,
  kOrderDelivered,
  kCancellationRequested,  // dispatch must settle Order::cancellation
  kCancellationRefused,
  kDeliveryAttempted,  // the courier reported an attempt at the door
  kDeliveryFailed,     // the goods go back
  kTicketReturned,     // a ticket's goods are back (stall or office)
  kOrderReturned,      // every ticket's goods are back: RETURNED
  kTripChanged,        // another order of the courier's trip came or went: stops_before changed
};

struct Change {
  Happening what;
  int ticket = -1;  // index into Order::tickets for ticket happenings
};

enum class Refusal {
  kNone,
  kInvalidTransition,  // FAILED_PRECONDITION / INVALID_TRANSITION
  kBadDecision,        // INVALID_ARGUMENT (see decision_error)
  kToleranceExceeded,  // FAILED_PRECONDITION / WEIGHT_TOLERANCE_EXCEEDED
};

struct Outcome {
  Refusal refusal = Refusal::kNone;
  std::string message;  // why, for refusals
  DecisionError decision_error = DecisionError::kNone;
  int decision_index = -1;
  std::vector<Change> changes;  // empty: nothing changed (a no-op)

  bool ok() const { return refusal == Refusal::kNone; }
  bool changed() const { return !changes.empty(); }
};

// Trader operations on ticket `t` (index into order.tickets). Deciding the last pending ticket
// settles the order: CONFIRMED with the recomputed totals, or CANCELLED. A PENDING ticket whose
// decide_by has passed can no longer be decided (INVALID_TRANSITION): the sweeper expires it,
// and the stock hold is only guaranteed until the deadline plus a margin (PlacementDeadlines).
Outcome AcceptTicket(Order& order, int t, std::span<const LineDecision> decisions, absl::Time now);
Outcome RejectTicket(Order& order, int t, int reason, std::string note, absl::Time now);
// READY stays READY (no-op, not a refusal).
Outcome MarkTicketReady(Order& order, int t, absl::Time now);
// Expires every PENDING ticket whose decide_by <= now, then settles.
Outcome ExpireDueTickets(Order& order, absl::Time now);

// The customer cancels: a PLACED order -> CANCELLED (CUSTOMER). A CONFIRMED or COURIER_ASSIGNED
// order may already be in a courier's hands (dispatch decides pickup, and its facts reach the
// order late), so there the cancel becomes a request, `cancellation_id` (a new UUID from the
// caller), that dispatch settles (CancellationSettled); a request still pending, or a CANCELLED
// order, is a no-op; anything else (or a ticket picked up) INVALID_TRANSITION.
Outcome CustomerCancel(Order& order, std::string note, std::string cancellation_id, absl::Time now);
// An operator cancels any order under the same rule, with reason OPERATOR.
Outcome OperatorCancel(Order& order, std::string note, std::string cancellation_id, absl::Time now);
// Dispatch's answer to the request `cancellation_id`: accepted cancels the order with the
// request's reason; refused records why and the order goes on. An answer to another request
// than the pending one, or to a final order, is a no-op.
Outcome CancellationSettled(Order& order, const std::string& cancellation_id, bool accepted,
                            std::string refusal, absl::Time now);

// Dispatch facts.
Outcome CourierAssigned(Order& order, Courier courier, absl::Time now);
Outcome CourierUnassigned(Order& order, absl::Time now);
// The courier paid the stall's trader `paid_idr` and took ticket `t`.
Outcome PickupConfirmed(Order& order, int t, const std::string& courier_id, int64_t paid_idr,
                        absl::Time now);
Outcome DeliveryConfirmed(Order& order, const std::string& courier_id, absl::Time now);
Outcome DispatchFailed(Order& order, absl::Time now);
// A failed delivery (dispatch facts). The courier's attempt `attempt` at the door (outcome
// "NO_ANSWER", ...): recorded while PICKED_UP so the customer sees it live, else a no-op.
Outcome DeliveryAttempted(Order& order, int32_t attempt, std::string outcome, absl::Time now);
// PICKED_UP -> DELIVERY_FAILED, with the market's failure money (FAILURE_FEE charged to the
// customer, FAILURE_COMPENSATION owed by the platform; ledger.h).
Outcome DeliveryFailed(Order& order, const std::string& courier_id, int64_t failure_fee_idr,
                       int64_t compensation_idr, absl::Time now);
// Ticket `t`'s goods are back at its stall (GOODS_RETURNED: the trader refunds the courier) or
// at the market office (GOODS_AT_OFFICE: the platform owes the courier): the ticket RETURNED or
// AT_MARKET_OFFICE; the order RETURNED once no ticket is left PICKED_UP.
Outcome GoodsReturned(Order& order, int t, const std::string& courier_id, bool to_office,
                      int64_t amount_idr, absl::Time now);
// Another order of the same stacked trip entered or left the drop-offs before this one
// (domain/trip.h, MatesAffected): a new version, so the customer's live view shows the new count.
Outcome TripChanged(Order& order, absl::Time now);
// The order's drop-off in its courier's stacked trip; nullopt without a courier or alone.
std::optional<TripStop> TripStopOf(const Order& order);
// What the customer is shown: StopsBefore of the order's stop against its trip_mates.
int StopsBefore(const Order& order);
// Inventory fact: the reservation expired; a still-PLACED order is cancelled (else ignored).
Outcome ReservationExpired(Order& order, absl::Time now);

// Dispatch facts of one order may be handled out of order (several consumers, redelivery after
// a crash). Where the lifecycle alone cannot tell (a courier released, then another or the same
// one assigned again), a courier fact is placed against the current assignment by when dispatch
// recorded it (Courier::assigned_at holds the CourierAssigned's occurred_at).
enum class FactTiming {
  kNow,    // apply now (the state machine may still refuse it)
  kEarly,  // a fact it depends on (a release) has not been applied yet: retry later
  kStale,  // superseded by the current assignment: ignore
};
// `event` is kCourierAssigned, kCourierUnassigned or kAllPickedUp (one pickup) about
// `courier_id` (empty: unknown), recorded at `occurred_at`; other events are kNow.
FactTiming TimeCourierFact(const Order& order, OrderEvent event, std::string_view courier_id,
                           absl::Time occurred_at);

// The deadlines of a new order: the trader response timeout (capped so the stock hold can
// outlive it) and the TTL asked of inventory for the hold: at least `configured_ttl`, at least
// the timeout plus kReservationMargin (confirmation reaches inventory after the deadline at the
// latest), at most kMaxReservationTtl (inventory's limit).
inline constexpr absl::Duration kReservationMargin = absl::Minutes(5);
inline constexpr absl::Duration kMaxReservationTtl = absl::Hours(24);
struct PlacementDeadlines {
  absl::Duration trader_timeout;
  absl::Duration reservation_ttl;
};
PlacementDeadlines PlaceDeadlines(absl::Duration trader_timeout, absl::Duration configured_ttl);

// What inventory commits at confirmation: product -> units (accepted tickets' final quantities;
// rejected lines and dropped tickets commit 0).
struct CommitLine {
  std::string product_id;
  int64_t quantity = 0;
};
std::vector<CommitLine> CommitQuantities(const Order& order);

}  // namespace pasar::order::domain
