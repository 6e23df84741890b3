// Every state x event pair of both lifecycles, against an independent statement of SPEC §4.
#include <catch2/catch.hpp>

#include <map>
#include <optional>
#include <utility>
#include <vector>

#include "domain/state_machine.h"

namespace d = pasar::order::domain;
using d::OrderEvent;
using d::OrderState;
using d::TicketEvent;
using d::TicketState;

TEST_CASE("order: every state x event pair is either the SPEC transition or refused") {
  const std::map<std::pair<OrderState, OrderEvent>, OrderState> allowed = {
      {{OrderState::kPlaced, OrderEvent::kConfirm}, OrderState::kConfirmed},
      {{OrderState::kPlaced, OrderEvent::kNoneAccepted}, OrderState::kCancelled},
      {{OrderState::kPlaced, OrderEvent::kCustomerCancel}, OrderState::kCancelled},
      {{OrderState::kPlaced, OrderEvent::kOperatorCancel}, OrderState::kCancelled},
      {{OrderState::kPlaced, OrderEvent::kReservationExpired}, OrderState::kCancelled},
      // Once CONFIRMED a cancel is a request; dispatch's acceptance cancels.
      {{OrderState::kConfirmed, OrderEvent::kCancellationAccepted}, OrderState::kCancelled},
      {{OrderState::kConfirmed, OrderEvent::kCourierAssigned}, OrderState::kCourierAssigned},
      {{OrderState::kConfirmed, OrderEvent::kDispatchFailed}, OrderState::kCancelled},
      {{OrderState::kCourierAssigned, OrderEvent::kCancellationAccepted}, OrderState::kCancelled},
      {{OrderState::kCourierAssigned, OrderEvent::kCourierUnassigned}, OrderState::kConfirmed},
      {{OrderState::kCourierAssigned, OrderEvent::kAllPickedUp}, OrderState::kPickedUp},
      {{OrderState::kCourierAssigned, OrderEvent::kDispatchFailed}, OrderState::kCancelled},
      {{OrderState::kPickedUp, OrderEvent::kDelivered}, OrderState::kDelivered},
      // The door stayed shut: the goods go back, ticket by ticket.
      {{OrderState::kPickedUp, OrderEvent::kDeliveryFailed}, OrderState::kDeliveryFailed},
      {{OrderState::kDeliveryFailed, OrderEvent::kGoodsReturned}, OrderState::kDeliveryFailed},
      {{OrderState::kDeliveryFailed, OrderEvent::kAllReturned}, OrderState::kReturned},
  };
  int pairs = 0;
  for (OrderState s : d::kAllOrderStates) {
    for (OrderEvent e : d::kAllOrderEvents) {
      ++pairs;
      INFO(d::Name(s) << " + " << d::Name(e));
      const auto it = allowed.find({s, e});
      const std::optional<OrderState> next = d::NextOrderState(s, e);
      if (it == allowed.end()) {
        CHECK_FALSE(next.has_value());
      } else {
        REQUIRE(next.has_value());
        CHECK(*next == it->second);
      }
    }
  }
  CHECK(pairs == 8 * 14);
}

TEST_CASE("order: final states accept nothing - cancel only before pickup") {
  for (OrderEvent e : d::kAllOrderEvents) {
    CHECK_FALSE(d::NextOrderState(OrderState::kDelivered, e).has_value());
    CHECK_FALSE(d::NextOrderState(OrderState::kCancelled, e).has_value());
    CHECK_FALSE(d::NextOrderState(OrderState::kReturned, e).has_value());
  }
  CHECK(d::IsFinal(OrderState::kReturned));
  CHECK_FALSE(d::IsFinal(OrderState::kDeliveryFailed));
  // A failed delivery is neither cancelled nor delivered afterwards.
  for (OrderEvent e : {OrderEvent::kCustomerCancel, OrderEvent::kOperatorCancel,
                       OrderEvent::kCancellationAccepted, OrderEvent::kDelivered}) {
    CHECK_FALSE(d::NextOrderState(OrderState::kDeliveryFailed, e).has_value());
  }
  CHECK(d::IsFinal(OrderState::kDelivered));
  CHECK(d::IsFinal(OrderState::kCancelled));
  CHECK_FALSE(d::IsFinal(OrderState::kPickedUp));
  CHECK_FALSE(d::NextOrderState(OrderState::kPickedUp, OrderEvent::kCustomerCancel).has_value());
  CHECK_FALSE(d::NextOrderState(OrderState::kPickedUp, OrderEvent::kOperatorCancel).has_value());
  CHECK_FALSE(
      d::NextOrderState(OrderState::kPickedUp, OrderEvent::kCancellationAccepted).has_value());
}

TEST_CASE("ticket: every state x event pair is either the SPEC transition or refused") {
  const std::map<std::pair<TicketState, TicketEvent>, TicketState> allowed = {
      {{TicketState::kPending, TicketEvent::kAccept}, TicketState::kAccepted},
      {{TicketState::kPending, TicketEvent::kReject}, TicketState::kRejected},
      {{TicketState::kPending, TicketEvent::kExpire}, TicketState::kExpired},
      {{TicketState::kPending, TicketEvent::kCancel}, TicketState::kCancelled},
      {{TicketState::kAccepted, TicketEvent::kMarkReady}, TicketState::kReady},
      {{TicketState::kAccepted, TicketEvent::kCancel}, TicketState::kCancelled},
      {{TicketState::kReady, TicketEvent::kPickUp}, TicketState::kPickedUp},
      {{TicketState::kReady, TicketEvent::kCancel}, TicketState::kCancelled},
      // After a failed delivery: back to the stall, or to the market office.
      {{TicketState::kPickedUp, TicketEvent::kReturnToStall}, TicketState::kReturned},
      {{TicketState::kPickedUp, TicketEvent::kHandToOffice}, TicketState::kAtMarketOffice},
  };
  int pairs = 0;
  for (TicketState s : d::kAllTicketStates) {
    for (TicketEvent e : d::kAllTicketEvents) {
      ++pairs;
      INFO(d::Name(s) << " + " << d::Name(e));
      const auto it = allowed.find({s, e});
      const std::optional<TicketState> next = d::NextTicketState(s, e);
      if (it == allowed.end()) {
        CHECK_FALSE(next.has_value());
      } else {
        REQUIRE(next.has_value());
        CHECK(*next == it->second);
      }
    }
  }
  CHECK(pairs == 9 * 8);
}

TEST_CASE("decision once tickets change") {
  using T = TicketState;
  using D = d::Decision;
  CHECK(d::DecideOrder(std::vector<T>{T::kPending}) == D::kWaiting);
  CHECK(d::DecideOrder(std::vector<T>{T::kAccepted, T::kPending}) == D::kWaiting);
  CHECK(d::DecideOrder(std::vector<T>{T::kAccepted, T::kRejected}) == D::kConfirm);
  CHECK(d::DecideOrder(std::vector<T>{T::kExpired, T::kAccepted}) == D::kConfirm);
  CHECK(d::DecideOrder(std::vector<T>{T::kReady}) == D::kConfirm);
  CHECK(d::DecideOrder(std::vector<T>{T::kRejected, T::kRejected}) == D::kAllRejected);
  CHECK(d::DecideOrder(std::vector<T>{T::kRejected, T::kExpired}) == D::kTraderTimeout);
  CHECK(d::DecideOrder(std::vector<T>{T::kExpired}) == D::kTraderTimeout);
}

TEST_CASE("all picked up ignores dropped tickets and needs one pickup") {
  using T = TicketState;
  CHECK(d::AllPickedUp(std::vector<T>{T::kPickedUp, T::kRejected}));
  CHECK(d::AllPickedUp(std::vector<T>{T::kPickedUp, T::kPickedUp}));
  CHECK_FALSE(d::AllPickedUp(std::vector<T>{T::kPickedUp, T::kReady}));
  CHECK_FALSE(d::AllPickedUp(std::vector<T>{T::kAccepted}));
  CHECK_FALSE(d::AllPickedUp(std::vector<T>{T::kRejected, T::kExpired}));
}

TEST_CASE("names match the proto enum values") {
  CHECK(d::Name(OrderState::kCourierAssigned) == "COURIER_ASSIGNED");
  CHECK(d::Name(TicketState::kPickedUp) == "PICKED_UP");
  CHECK(d::Name(d::CancelReason::kTraderTimeout) == "TRADER_TIMEOUT");
  CHECK(d::Name(d::CancelReason::kNoCourier) == "NO_COURIER");
  for (OrderState s : d::kAllOrderStates)
    CHECK(d::ParseOrderState(d::Name(s)) == s);
  for (TicketState s : d::kAllTicketStates)
    CHECK(d::ParseTicketState(d::Name(s)) == s);
  CHECK(d::ParseCancelReason("TRADER_TIMEOUT") == d::CancelReason::kTraderTimeout);
  CHECK(d::Name(d::CancelReason::kOperator) == "OPERATOR");
  CHECK(d::ParseCancelReason("OPERATOR") == d::CancelReason::kOperator);
  CHECK_FALSE(d::ParseOrderState("placed").has_value());
  CHECK(d::Name(OrderState::kDeliveryFailed) == "DELIVERY_FAILED");
  CHECK(d::Name(OrderState::kReturned) == "RETURNED");
  CHECK(d::Name(TicketState::kAtMarketOffice) == "AT_MARKET_OFFICE");
}

TEST_CASE("early events may apply later - stale ones never") {
  CHECK(d::MayApplyLater(OrderState::kCourierAssigned, OrderEvent::kDelivered));
  CHECK(d::MayApplyLater(OrderState::kConfirmed, OrderEvent::kAllPickedUp));
  CHECK(d::MayApplyLater(OrderState::kPlaced, OrderEvent::kCourierAssigned));
  CHECK_FALSE(d::MayApplyLater(OrderState::kPickedUp, OrderEvent::kCourierAssigned));
  CHECK_FALSE(d::MayApplyLater(OrderState::kCourierAssigned, OrderEvent::kCourierAssigned));
  // A return heard before the failure waits for it; a failure after delivery never applies.
  CHECK(d::MayApplyLater(OrderState::kPickedUp, OrderEvent::kGoodsReturned));
  CHECK(d::MayApplyLater(OrderState::kCourierAssigned, OrderEvent::kDeliveryFailed));
  CHECK_FALSE(d::MayApplyLater(OrderState::kDeliveryFailed, OrderEvent::kDelivered));
  for (OrderEvent e : d::kAllOrderEvents) {
    CHECK_FALSE(d::MayApplyLater(OrderState::kDelivered, e));
    CHECK_FALSE(d::MayApplyLater(OrderState::kCancelled, e));
    CHECK_FALSE(d::MayApplyLater(OrderState::kReturned, e));
    // Whenever the event applies now, it is not "later".
    for (OrderState s : d::kAllOrderStates) {
      if (d::NextOrderState(s, e)) CHECK_FALSE(d::MayApplyLater(s, e));
    }
  }
}
