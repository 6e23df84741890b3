// The order and ticket lifecycles of SPEC section 4 as pure functions (no I/O).
//
// Order:  PLACED -> CONFIRMED -> COURIER_ASSIGNED -> PICKED_UP -> DELIVERED, and CANCELLED;
//         a failed delivery PICKED_UP -> DELIVERY_FAILED -> RETURNED.
// Ticket: PENDING -> ACCEPTED -> READY -> PICKED_UP, or REJECTED / EXPIRED / CANCELLED; after a
//         failed delivery PICKED_UP -> RETURNED (to the stall) or AT_MARKET_OFFICE.
//
// Every pair (state, event) not listed in the tables of state_machine.cc is refused: the
// Next* functions return std::nullopt and the adapters answer FAILED_PRECONDITION with the
// reason INVALID_TRANSITION.
#pragma once

#include <optional>
#include <span>
#include <string_view>

namespace pasar::order::domain {

enum class OrderState {
  kPlaced,
  kConfirmed,
  kCourierAssigned,
  kPickedUp,
  kDelivered,
  kCancelled,
  kDeliveryFailed,
  kReturned
};
inline constexpr OrderState kAllOrderStates[] = {
    OrderState::kPlaced,         OrderState::kConfirmed, OrderState::kCourierAssigned,
    OrderState::kPickedUp,       OrderState::kDelivered, OrderState::kCancelled,
    OrderState::kDeliveryFailed, OrderState::kReturned};

enum class OrderEvent {
  kConfirm,               // every ticket decided, at least one accepted
  kNoneAccepted,          // every ticket decided, none accepted (all rejected / expired)
  kCustomerCancel,        // CancelOrder by the customer (PLACED; later it is a request)
  kOperatorCancel,        // CancelOrder by an operator (same rule as the customer's)
  kCancellationAccepted,  // dispatch: CancellationSettled, accepted (a request made once CONFIRMED)
  kCourierAssigned,       // dispatch: CourierAssigned
  kCourierUnassigned,     // dispatch: CourierUnassigned (courier released before pickup)
  kAllPickedUp,           // dispatch: the last PickupConfirmed of the order
  kDelivered,             // dispatch: DeliveryConfirmed
  kDispatchFailed,        // dispatch: DispatchFailed (no courier before the dispatch deadline)
  kReservationExpired,    // inventory: the stock hold expired before confirmation
  kDeliveryFailed,        // dispatch: DeliveryFailed (waiting rule met, or an operator)
  kGoodsReturned,         // dispatch: GoodsReturned of a ticket, others remain
  kAllReturned,           // dispatch: GoodsReturned of the last ticket
};
inline constexpr OrderEvent kAllOrderEvents[] = {
    OrderEvent::kConfirm,           OrderEvent::kNoneAccepted,         OrderEvent::kCustomerCancel,
    OrderEvent::kOperatorCancel,    OrderEvent::kCancellationAccepted, OrderEvent::kCourierAssigned,
    OrderEvent::kCourierUnassigned, OrderEvent::kAllPickedUp,          OrderEvent::kDelivered,
    OrderEvent::kDispatchFailed,    OrderEvent::kReservationExpired,   OrderEvent::kDeliveryFailed,
    OrderEvent::kGoodsReturned,     OrderEvent::kAllReturned};

enum class TicketState {
  kPending,
  kAccepted,
  kReady,
  kPickedUp,
  kRejected,
  kExpired,
  kCancelled,
  kReturned,
  kAtMarketOffice
};
inline constexpr TicketState kAllTicketStates[] = {
    TicketState::kPending,   TicketState::kAccepted, TicketState::kReady,
    TicketState::kPickedUp,  TicketState::kRejected, TicketState::kExpired,
    TicketState::kCancelled, TicketState::kReturned, TicketState::kAtMarketOffice};

enum class TicketEvent {
  kAccept,         // AcceptTicket with at least one line accepted
  kReject,         // RejectTicket, or AcceptTicket with every line rejected
  kExpire,         // the trader response deadline passed
  kMarkReady,      // MarkTicketReady
  kPickUp,         // dispatch: PickupConfirmed for this ticket
  kCancel,         // the order was cancelled
  kReturnToStall,  // dispatch: GoodsReturned to the stall (failed delivery)
  kHandToOffice,   // dispatch: GoodsReturned to the market office (failed delivery)
};
inline constexpr TicketEvent kAllTicketEvents[] = {
    TicketEvent::kAccept,        TicketEvent::kReject,      TicketEvent::kExpire,
    TicketEvent::kMarkReady,     TicketEvent::kPickUp,      TicketEvent::kCancel,
    TicketEvent::kReturnToStall, TicketEvent::kHandToOffice};

// Why an order was cancelled.
enum class CancelReason {
  kCustomer,
  kAllRejected,
  kTraderTimeout,
  kNoCourier,
  kReservationExpired,
  kOperator,
};

// The state after `event`, or nullopt when the transition is not allowed.
std::optional<OrderState> NextOrderState(OrderState state, OrderEvent event);
std::optional<TicketState> NextTicketState(TicketState state, TicketEvent event);

// Whether a refused `event` may still apply once the order has advanced along the happy path
// (PLACED < CONFIRMED < COURIER_ASSIGNED < PICKED_UP < DELIVERED or DELIVERY_FAILED), i.e. it
// arrived early (events of one order may be handled out of order by several consumers): true when
// the order is not final and is behind the state the event needs. False means stale: it will never
// apply.
bool MayApplyLater(OrderState state, OrderEvent event);

// Final states accept no further event (except none).
bool IsFinal(OrderState state);
// A ticket the trader has decided on (anything but PENDING).
bool IsDecided(TicketState state);
// REJECTED / EXPIRED / CANCELLED: the ticket takes no further part in the order.
bool IsDropped(TicketState state);

// What the order does once its tickets have changed (only meaningful while PLACED).
enum class Decision {
  kWaiting,        // some ticket still PENDING
  kConfirm,        // all decided, at least one accepted
  kAllRejected,    // all decided, none accepted, none expired
  kTraderTimeout,  // all decided, none accepted, at least one expired
};
Decision DecideOrder(std::span<const TicketState> tickets);

// True when every ticket still taking part in the order (not dropped) is PICKED_UP and at least
// one is.
bool AllPickedUp(std::span<const TicketState> tickets);

// Canonical names as in the protos ("PLACED", "COURIER_ASSIGNED", "PENDING", ...), for messages.
std::string_view Name(OrderState state);
std::string_view Name(TicketState state);
std::string_view Name(OrderEvent event);
std::string_view Name(TicketEvent event);
std::string_view Name(CancelReason reason);
// Inverses of Name (nullopt for anything else).
std::optional<OrderState> ParseOrderState(std::string_view name);
std::optional<TicketState> ParseTicketState(std::string_view name);
std::optional<CancelReason> ParseCancelReason(std::string_view name);

}  // namespace pasar::order::domain
