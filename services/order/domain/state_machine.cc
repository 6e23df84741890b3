#include "domain/state_machine.h"

#include <algorithm>

namespace pasar::order::domain {
namespace {

struct OrderTransition {
  OrderState from;
  OrderEvent event;
  OrderState to;
};

// The complete order lifecycle. Anything else is INVALID_TRANSITION.
constexpr OrderTransition kOrderTransitions[] = {
    {OrderState::kPlaced, OrderEvent::kConfirm, OrderState::kConfirmed},
    {OrderState::kPlaced, OrderEvent::kNoneAccepted, OrderState::kCancelled},
    {OrderState::kPlaced, OrderEvent::kCustomerCancel, OrderState::kCancelled},
    {OrderState::kPlaced, OrderEvent::kOperatorCancel, OrderState::kCancelled},
    {OrderState::kPlaced, OrderEvent::kReservationExpired, OrderState::kCancelled},
    // From CONFIRMED on, a customer's or operator's cancel is a request that dispatch settles
    // (order.h, CustomerCancel); only its acceptance changes the state.
    {OrderState::kConfirmed, OrderEvent::kCancellationAccepted, OrderState::kCancelled},
    {OrderState::kConfirmed, OrderEvent::kCourierAssigned, OrderState::kCourierAssigned},
    {OrderState::kConfirmed, OrderEvent::kDispatchFailed, OrderState::kCancelled},
    {OrderState::kCourierAssigned, OrderEvent::kCancellationAccepted, OrderState::kCancelled},
    {OrderState::kCourierAssigned, OrderEvent::kCourierUnassigned, OrderState::kConfirmed},
    {OrderState::kCourierAssigned, OrderEvent::kAllPickedUp, OrderState::kPickedUp},
    // Dispatch may give up on a job whose courier it has just lost (before any pickup).
    {OrderState::kCourierAssigned, OrderEvent::kDispatchFailed, OrderState::kCancelled},
    {OrderState::kPickedUp, OrderEvent::kDelivered, OrderState::kDelivered},
    // The door stayed shut: the goods go back, ticket by ticket.
    {OrderState::kPickedUp, OrderEvent::kDeliveryFailed, OrderState::kDeliveryFailed},
    {OrderState::kDeliveryFailed, OrderEvent::kGoodsReturned, OrderState::kDeliveryFailed},
    {OrderState::kDeliveryFailed, OrderEvent::kAllReturned, OrderState::kReturned},
};

struct TicketTransition {
  TicketState from;
  TicketEvent event;
  TicketState to;
};

// The complete ticket lifecycle. A PickupConfirmed for a ticket the trader accepted but never
// marked ready is applied by the caller as kMarkReady then kPickUp (the verified pickup code
// proves the hand-over), so the table itself stays exactly SPEC section 4.
constexpr TicketTransition kTicketTransitions[] = {
    {TicketState::kPending, TicketEvent::kAccept, TicketState::kAccepted},
    {TicketState::kPending, TicketEvent::kReject, TicketState::kRejected},
    {TicketState::kPending, TicketEvent::kExpire, TicketState::kExpired},
    {TicketState::kPending, TicketEvent::kCancel, TicketState::kCancelled},
    {TicketState::kAccepted, TicketEvent::kMarkReady, TicketState::kReady},
    {TicketState::kAccepted, TicketEvent::kCancel, TicketState::kCancelled},
    {TicketState::kReady, TicketEvent::kPickUp, TicketState::kPickedUp},
    {TicketState::kReady, TicketEvent::kCancel, TicketState::kCancelled},
    {TicketState::kPickedUp, TicketEvent::kReturnToStall, TicketState::kReturned},
    {TicketState::kPickedUp, TicketEvent::kHandToOffice, TicketState::kAtMarketOffice},
};

}  // namespace

std::optional<OrderState> NextOrderState(OrderState state, OrderEvent event) {
  for (const auto& t : kOrderTransitions) {
    if (t.from == state && t.event == event) return t.to;
  }
  return std::nullopt;
}

std::optional<TicketState> NextTicketState(TicketState state, TicketEvent event) {
  for (const auto& t : kTicketTransitions) {
    if (t.from == state && t.event == event) return t.to;
  }
  return std::nullopt;
}

namespace {

int Rank(OrderState state) {
  switch (state) {
    case OrderState::kPlaced:
      return 0;
    case OrderState::kConfirmed:
      return 1;
    case OrderState::kCourierAssigned:
      return 2;
    case OrderState::kPickedUp:
      return 3;
    case OrderState::kDelivered:
    case OrderState::kDeliveryFailed:
      return 4;
    case OrderState::kCancelled:
    case OrderState::kReturned:
      return 5;
  }
  return 5;
}

// The lowest state in which the event applies.
OrderState Needs(OrderEvent event) {
  switch (event) {
    case OrderEvent::kConfirm:
    case OrderEvent::kNoneAccepted:
    case OrderEvent::kCustomerCancel:
    case OrderEvent::kOperatorCancel:
    case OrderEvent::kReservationExpired:
      return OrderState::kPlaced;
    case OrderEvent::kCourierAssigned:
    case OrderEvent::kDispatchFailed:
    case OrderEvent::kCancellationAccepted:
      return OrderState::kConfirmed;
    case OrderEvent::kCourierUnassigned:
    case OrderEvent::kAllPickedUp:
      return OrderState::kCourierAssigned;
    case OrderEvent::kDelivered:
    case OrderEvent::kDeliveryFailed:
      return OrderState::kPickedUp;
    case OrderEvent::kGoodsReturned:
    case OrderEvent::kAllReturned:
      return OrderState::kDeliveryFailed;
  }
  return OrderState::kPlaced;
}

}  // namespace

bool MayApplyLater(OrderState state, OrderEvent event) {
  return !IsFinal(state) && Rank(state) < Rank(Needs(event));
}

bool IsFinal(OrderState state) {
  return state == OrderState::kDelivered || state == OrderState::kCancelled ||
         state == OrderState::kReturned;
}

bool IsDecided(TicketState state) {
  return state != TicketState::kPending;
}

bool IsDropped(TicketState state) {
  return state == TicketState::kRejected || state == TicketState::kExpired ||
         state == TicketState::kCancelled;
}

Decision DecideOrder(std::span<const TicketState> tickets) {
  bool any_accepted = false;
  bool any_expired = false;
  for (TicketState s : tickets) {
    if (!IsDecided(s)) return Decision::kWaiting;
    if (!IsDropped(s)) any_accepted = true;
    if (s == TicketState::kExpired) any_expired = true;
  }
  if (any_accepted) return Decision::kConfirm;
  return any_expired ? Decision::kTraderTimeout : Decision::kAllRejected;
}

bool AllPickedUp(std::span<const TicketState> tickets) {
  bool any = false;
  for (TicketState s : tickets) {
    if (IsDropped(s)) continue;
    if (s != TicketState::kPickedUp) return false;
    any = true;
  }
  return any;
}

std::string_view Name(OrderState state) {
  switch (state) {
    case OrderState::kPlaced:
      return "PLACED";
    case OrderState::kConfirmed:
      return "CONFIRMED";
    case OrderState::kCourierAssigned:
      return "COURIER_ASSIGNED";
    case OrderState::kPickedUp:
      return "PICKED_UP";
    case OrderState::kDelivered:
      return "DELIVERED";
    case OrderState::kCancelled:
      return "CANCELLED";
    case OrderState::kDeliveryFailed:
      return "DELIVERY_FAILED";
    case OrderState::kReturned:
      return "RETURNED";
  }
  return "UNKNOWN";
}

std::string_view Name(TicketState state) {
  switch (state) {
    case TicketState::kPending:
      return "PENDING";
    case TicketState::kAccepted:
      return "ACCEPTED";
    case TicketState::kReady:
      return "READY";
    case TicketState::kPickedUp:
      return "PICKED_UP";
    case TicketState::kRejected:
      return "REJECTED";
    case TicketState::kExpired:
      return "EXPIRED";
    case TicketState::kCancelled:
      return "CANCELLED";
    case TicketState::kReturned:
      return "RETURNED";
    case TicketState::kAtMarketOffice:
      return "AT_MARKET_OFFICE";
  }
  return "UNKNOWN";
}

std::string_view Name(OrderEvent event) {
  switch (event) {
    case OrderEvent::kConfirm:
      return "confirm";
    case OrderEvent::kNoneAccepted:
      return "none accepted";
    case OrderEvent::kCustomerCancel:
      return "customer cancel";
    case OrderEvent::kOperatorCancel:
      return "operator cancel";
    case OrderEvent::kCancellationAccepted:
      return "cancellation accepted";
    case OrderEvent::kCourierAssigned:
      return "courier assigned";
    case OrderEvent::kCourierUnassigned:
      return "courier unassigned";
    case OrderEvent::kAllPickedUp:
      return "all picked up";
    case OrderEvent::kDelivered:
      return "delivered";
    case OrderEvent::kDispatchFailed:
      return "dispatch failed";
    case OrderEvent::kReservationExpired:
      return "reservation expired";
    case OrderEvent::kDeliveryFailed:
      return "delivery failed";
    case OrderEvent::kGoodsReturned:
      return "goods returned";
    case OrderEvent::kAllReturned:
      return "all returned";
  }
  return "unknown";
}

std::string_view Name(TicketEvent event) {
  switch (event) {
    case TicketEvent::kAccept:
      return "accept";
    case TicketEvent::kReject:
      return "reject";
    case TicketEvent::kExpire:
      return "expire";
    case TicketEvent::kMarkReady:
      return "mark ready";
    case TicketEvent::kPickUp:
      return "pick up";
    case TicketEvent::kCancel:
      return "cancel";
    case TicketEvent::kReturnToStall:
      return "return to stall";
    case TicketEvent::kHandToOffice:
      return "hand to office";
  }
  return "unknown";
}

std::string_view Name(CancelReason reason) {
  switch (reason) {
    case CancelReason::kCustomer:
      return "CUSTOMER";
    case CancelReason::kAllRejected:
      return "ALL_REJECTED";
    case CancelReason::kTraderTimeout:
      return "TRADER_TIMEOUT";
    case CancelReason::kNoCourier:
      return "NO_COURIER";
    case CancelReason::kReservationExpired:
      return "RESERVATION_EXPIRED";
    case CancelReason::kOperator:
      return "OPERATOR";
  }
  return "UNKNOWN";
}

std::optional<OrderState> ParseOrderState(std::string_view name) {
  for (OrderState s : kAllOrderStates) {
    if (Name(s) == name) return s;
  }
  return std::nullopt;
}

std::optional<TicketState> ParseTicketState(std::string_view name) {
  for (TicketState s : kAllTicketStates) {
    if (Name(s) == name) return s;
  }
  return std::nullopt;
}

std::optional<CancelReason> ParseCancelReason(std::string_view name) {
  for (CancelReason r :
       {CancelReason::kCustomer, CancelReason::kAllRejected, CancelReason::kTraderTimeout,
        CancelReason::kNoCourier, CancelReason::kReservationExpired, CancelReason::kOperator}) {
    if (Name(r) == name) return r;
  }
  return std::nullopt;
}

}  // namespace pasar::order::domain
