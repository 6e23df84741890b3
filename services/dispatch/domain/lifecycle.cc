#include "domain/lifecycle.h"

namespace pasar::dispatch::domain {
namespace {

template <class State, class Event>
struct Transition {
  State from;
  Event event;
  State to;
};

template <class State, class Event, std::size_t N>
std::optional<State> Next(const Transition<State, Event> (&table)[N], State state, Event event) {
  for (const auto& t : table) {
    if (t.from == state && t.event == event) return t.to;
  }
  return std::nullopt;
}

using J = JobState;
using JE = JobEvent;
// The complete job lifecycle. Anything else is refused.
constexpr Transition<J, JE> kJobTransitions[] = {
    {J::kPending, JE::kOfferMade, J::kOffered},
    {J::kPending, JE::kCancelled, J::kCancelled},
    {J::kPending, JE::kDispatchFailed, J::kFailed},
    {J::kOffered, JE::kOfferAccepted, J::kAssigned},
    {J::kOffered, JE::kOfferDeclined, J::kPending},
    {J::kOffered, JE::kOfferExpired, J::kPending},
    {J::kOffered, JE::kOfferWithdrawn, J::kPending},
    {J::kOffered, JE::kCancelled, J::kCancelled},
    {J::kOffered, JE::kDispatchFailed, J::kFailed},
    // An assigned job is never failed: its courier is released first (back to PENDING, in a
    // fresh dispatch window), and only an unmatched job fails.
    {J::kAssigned, JE::kCourierReleased, J::kPending},
    {J::kAssigned, JE::kTicketPickedUp, J::kPickingUp},
    {J::kAssigned, JE::kLastTicketPickedUp, J::kDelivering},
    {J::kAssigned, JE::kCancelled, J::kCancelled},
    // Goods on board: only delivery ends the job.
    {J::kPickingUp, JE::kTicketPickedUp, J::kPickingUp},
    {J::kPickingUp, JE::kLastTicketPickedUp, J::kDelivering},
    {J::kDelivering, JE::kDelivered, J::kDelivered},
    // The door stayed shut: the goods go back, stop by stop.
    {J::kDelivering, JE::kDeliveryFailed, J::kReturning},
    {J::kReturning, JE::kGoodsReturned, J::kReturning},
    {J::kReturning, JE::kLastGoodsReturned, J::kReturned},
};

using O = OfferState;
using OE = OfferEvent;
// The complete offer lifecycle: a pending offer ends once, however it ends.
constexpr Transition<O, OE> kOfferTransitions[] = {
    {O::kPending, OE::kAccept, O::kAccepted},
    {O::kPending, OE::kDecline, O::kDeclined},
    {O::kPending, OE::kExpire, O::kExpired},
    {O::kPending, OE::kWithdraw, O::kWithdrawn},
};

using C = CourierState;
using CE = CourierEvent;
// The complete courier lifecycle. StartShift while on shift declares the cash carried now and
// keeps the state; EndShift is refused while the courier holds an offer or a job.
constexpr Transition<C, CE> kCourierTransitions[] = {
    {C::kOffDuty, CE::kStartShift, C::kIdle},
    {C::kIdle, CE::kStartShift, C::kIdle},
    {C::kIdle, CE::kEndShift, C::kOffDuty},
    {C::kIdle, CE::kOffered, C::kOffered},
    {C::kOffered, CE::kStartShift, C::kOffered},
    {C::kOffered, CE::kAccepted, C::kAssigned},
    {C::kOffered, CE::kDeclined, C::kIdle},
    {C::kOffered, CE::kTimedOut, C::kIdle},
    {C::kOffered, CE::kTimedOutOffDuty, C::kOffDuty},
    {C::kOffered, CE::kOfferWithdrawn, C::kIdle},
    {C::kAssigned, CE::kStartShift, C::kAssigned},
    {C::kAssigned, CE::kTicketPickedUp, C::kAssigned},
    {C::kAssigned, CE::kLastTicketPickedUp, C::kDelivering},
    {C::kAssigned, CE::kReleased, C::kIdle},
    {C::kDelivering, CE::kStartShift, C::kDelivering},
    {C::kDelivering, CE::kDelivered, C::kIdle},
    {C::kDelivering, CE::kDeliveryFailed, C::kDelivering},
    {C::kDelivering, CE::kGoodsReturned, C::kDelivering},
    {C::kDelivering, CE::kLastGoodsReturned, C::kIdle},
};

template <class T, std::size_t N>
std::optional<T> ParseName(const T (&all)[N], std::string_view name) {
  for (T value : all) {
    if (Name(value) == name) return value;
  }
  return std::nullopt;
}

}  // namespace

std::optional<JobState> NextJobState(JobState state, JobEvent event) {
  return Next(kJobTransitions, state, event);
}

std::optional<OfferState> NextOfferState(OfferState state, OfferEvent event) {
  return Next(kOfferTransitions, state, event);
}

std::optional<CourierState> NextCourierState(CourierState state, CourierEvent event) {
  return Next(kCourierTransitions, state, event);
}

bool IsFinal(JobState state) {
  return state == JobState::kDelivered || state == JobState::kCancelled ||
         state == JobState::kFailed || state == JobState::kReturned;
}

bool GoodsOnBoard(JobState state) {
  return state == JobState::kPickingUp || state == JobState::kDelivering ||
         state == JobState::kDelivered || state == JobState::kReturning ||
         state == JobState::kReturned;
}

bool BeforePickup(JobState state) {
  return state == JobState::kPending || state == JobState::kOffered || state == JobState::kAssigned;
}

std::string_view Name(JobState state) {
  switch (state) {
    case JobState::kPending:
      return "PENDING";
    case JobState::kOffered:
      return "OFFERED";
    case JobState::kAssigned:
      return "ASSIGNED";
    case JobState::kPickingUp:
      return "PICKING_UP";
    case JobState::kDelivering:
      return "DELIVERING";
    case JobState::kDelivered:
      return "DELIVERED";
    case JobState::kCancelled:
      return "CANCELLED";
    case JobState::kFailed:
      return "FAILED";
    case JobState::kReturning:
      return "RETURNING";
    case JobState::kReturned:
      return "RETURNED";
  }
  return "UNKNOWN";
}

std::string_view Name(OfferState state) {
  switch (state) {
    case OfferState::kPending:
      return "PENDING";
    case OfferState::kAccepted:
      return "ACCEPTED";
    case OfferState::kDeclined:
      return "DECLINED";
    case OfferState::kExpired:
      return "EXPIRED";
    case OfferState::kWithdrawn:
      return "WITHDRAWN";
  }
  return "UNKNOWN";
}

std::string_view Name(CourierState state) {
  switch (state) {
    case CourierState::kOffDuty:
      return "OFF_DUTY";
    case CourierState::kIdle:
      return "IDLE";
    case CourierState::kOffered:
      return "OFFERED";
    case CourierState::kAssigned:
      return "ASSIGNED";
    case CourierState::kDelivering:
      return "DELIVERING";
  }
  return "UNKNOWN";
}

std::string_view Name(WithdrawReason reason) {
  switch (reason) {
    case WithdrawReason::kOrderCancelled:
      return "ORDER_CANCELLED";
    case WithdrawReason::kOfferExpired:
      return "OFFER_EXPIRED";
    case WithdrawReason::kCourierSilent:
      return "COURIER_SILENT";
    case WithdrawReason::kOperator:
      return "OPERATOR";
    case WithdrawReason::kDispatchFailed:
      return "DISPATCH_FAILED";
    case WithdrawReason::kCourierOffDuty:
      return "COURIER_OFF_DUTY";
  }
  return "UNKNOWN";
}

std::string_view Name(ExclusionReason reason) {
  switch (reason) {
    case ExclusionReason::kDeclined:
      return "DECLINED";
    case ExclusionReason::kExpired:
      return "EXPIRED";
    case ExclusionReason::kOperator:
      return "OPERATOR";
    case ExclusionReason::kSilent:
      return "SILENT";
  }
  return "UNKNOWN";
}

std::string_view Name(JobEvent event) {
  switch (event) {
    case JobEvent::kOfferMade:
      return "offer made";
    case JobEvent::kOfferAccepted:
      return "offer accepted";
    case JobEvent::kOfferDeclined:
      return "offer declined";
    case JobEvent::kOfferExpired:
      return "offer expired";
    case JobEvent::kOfferWithdrawn:
      return "offer withdrawn";
    case JobEvent::kCourierReleased:
      return "courier released";
    case JobEvent::kTicketPickedUp:
      return "ticket picked up";
    case JobEvent::kLastTicketPickedUp:
      return "last ticket picked up";
    case JobEvent::kDelivered:
      return "delivered";
    case JobEvent::kCancelled:
      return "cancelled";
    case JobEvent::kDispatchFailed:
      return "dispatch failed";
    case JobEvent::kDeliveryFailed:
      return "delivery failed";
    case JobEvent::kGoodsReturned:
      return "goods returned";
    case JobEvent::kLastGoodsReturned:
      return "last goods returned";
  }
  return "unknown";
}

std::string_view Name(OfferEvent event) {
  switch (event) {
    case OfferEvent::kAccept:
      return "accept";
    case OfferEvent::kDecline:
      return "decline";
    case OfferEvent::kExpire:
      return "expire";
    case OfferEvent::kWithdraw:
      return "withdraw";
  }
  return "unknown";
}

std::string_view Name(CourierEvent event) {
  switch (event) {
    case CourierEvent::kStartShift:
      return "start shift";
    case CourierEvent::kEndShift:
      return "end shift";
    case CourierEvent::kOffered:
      return "offered";
    case CourierEvent::kAccepted:
      return "accepted";
    case CourierEvent::kDeclined:
      return "declined";
    case CourierEvent::kTimedOut:
      return "timed out";
    case CourierEvent::kTimedOutOffDuty:
      return "timed out, off duty";
    case CourierEvent::kOfferWithdrawn:
      return "offer withdrawn";
    case CourierEvent::kTicketPickedUp:
      return "ticket picked up";
    case CourierEvent::kLastTicketPickedUp:
      return "last ticket picked up";
    case CourierEvent::kDelivered:
      return "delivered";
    case CourierEvent::kReleased:
      return "released";
    case CourierEvent::kDeliveryFailed:
      return "delivery failed";
    case CourierEvent::kGoodsReturned:
      return "goods returned";
    case CourierEvent::kLastGoodsReturned:
      return "last goods returned";
  }
  return "unknown";
}

std::string_view Name(ReturnDestination destination) {
  switch (destination) {
    case ReturnDestination::kStall:
      return "STALL";
    case ReturnDestination::kMarketOffice:
      return "MARKET_OFFICE";
  }
  return "UNKNOWN";
}

std::optional<ReturnDestination> ParseReturnDestination(std::string_view name) {
  for (ReturnDestination d : {ReturnDestination::kStall, ReturnDestination::kMarketOffice}) {
    if (Name(d) == name) return d;
  }
  return std::nullopt;
}

std::optional<JobState> ParseJobState(std::string_view name) {
  return ParseName(kAllJobStates, name);
}

std::optional<OfferState> ParseOfferState(std::string_view name) {
  return ParseName(kAllOfferStates, name);
}

std::optional<CourierState> ParseCourierState(std::string_view name) {
  return ParseName(kAllCourierStates, name);
}

std::optional<WithdrawReason> ParseWithdrawReason(std::string_view name) {
  return ParseName(kAllWithdrawReasons, name);
}

}  // namespace pasar::dispatch::domain
