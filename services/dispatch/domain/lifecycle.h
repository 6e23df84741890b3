// The job, offer and courier lifecycles of SPEC section 5 as transition tables (no I/O).
//
// Job:     PENDING -> OFFERED -> ASSIGNED -> PICKING_UP -> DELIVERING -> DELIVERED, back to
//          PENDING when an offer ends unanswered or the courier is taken off before any pickup,
//          CANCELLED before any pickup, FAILED when nobody took it in time; a failed delivery
//          DELIVERING -> RETURNING -> RETURNED once every stop's goods are back.
// Offer:   PENDING -> ACCEPTED / DECLINED / EXPIRED / WITHDRAWN.
// Courier: OFF_DUTY -> IDLE -> OFFERED -> ASSIGNED -> DELIVERING -> IDLE, back to IDLE when an
//          offer ends or a job is taken back, OFF_DUTY at the end of a shift (only while IDLE)
//          or after too many offers in a row left to expire.
//
// Every pair (state, event) not listed in the tables of lifecycle.cc is refused: the Next*
// functions return std::nullopt. The decisions (decisions.h) apply events through these tables
// only; the store persists the states they reach.
#pragma once

#include <optional>
#include <string_view>

namespace pasar::dispatch::domain {

enum class JobState {
  kPending,
  kOffered,
  kAssigned,
  kPickingUp,
  kDelivering,
  kDelivered,
  kCancelled,
  kFailed,
  kReturning,
  kReturned
};
inline constexpr JobState kAllJobStates[] = {
    JobState::kPending,    JobState::kOffered,   JobState::kAssigned,  JobState::kPickingUp,
    JobState::kDelivering, JobState::kDelivered, JobState::kCancelled, JobState::kFailed,
    JobState::kReturning,  JobState::kReturned};

enum class JobEvent {
  kOfferMade,           // the matcher offered the job to an idle courier
  kOfferAccepted,       // AcceptOffer
  kOfferDeclined,       // DeclineOffer
  kOfferExpired,        // the offer's countdown ran out (sweeper)
  kOfferWithdrawn,      // an operator took the pending offer back (UnassignCourier)
  kCourierReleased,     // the assigned courier was taken off before any pickup (operator, silent)
  kTicketPickedUp,      // ConfirmPickup, other tickets remain
  kLastTicketPickedUp,  // ConfirmPickup of the job's last ticket
  kDelivered,           // ConfirmDelivery
  kCancelled,           // the order was cancelled (OrderCancelled, or a cancellation accepted)
  kDispatchFailed,      // nobody took the job before its dispatch deadline (sweeper)
  kDeliveryFailed,      // DeclareDeliveryFailed after the waiting rule, or an operator
  kGoodsReturned,       // ConfirmReturn of a stop, others remain
  kLastGoodsReturned,   // the last stop's goods back (stall or office)
};
inline constexpr JobEvent kAllJobEvents[] = {
    JobEvent::kOfferMade,      JobEvent::kOfferAccepted,      JobEvent::kOfferDeclined,
    JobEvent::kOfferExpired,   JobEvent::kOfferWithdrawn,     JobEvent::kCourierReleased,
    JobEvent::kTicketPickedUp, JobEvent::kLastTicketPickedUp, JobEvent::kDelivered,
    JobEvent::kCancelled,      JobEvent::kDispatchFailed,     JobEvent::kDeliveryFailed,
    JobEvent::kGoodsReturned,  JobEvent::kLastGoodsReturned};

enum class OfferState { kPending, kAccepted, kDeclined, kExpired, kWithdrawn };
inline constexpr OfferState kAllOfferStates[] = {OfferState::kPending, OfferState::kAccepted,
                                                 OfferState::kDeclined, OfferState::kExpired,
                                                 OfferState::kWithdrawn};

enum class OfferEvent {
  kAccept,    // the courier accepted
  kDecline,   // the courier declined
  kExpire,    // the countdown ran out without an answer
  kWithdraw,  // taken back: order cancelled, dispatch failed, operator
};
inline constexpr OfferEvent kAllOfferEvents[] = {OfferEvent::kAccept, OfferEvent::kDecline,
                                                 OfferEvent::kExpire, OfferEvent::kWithdraw};

enum class CourierState { kOffDuty, kIdle, kOffered, kAssigned, kDelivering };
inline constexpr CourierState kAllCourierStates[] = {
    CourierState::kOffDuty, CourierState::kIdle, CourierState::kOffered, CourierState::kAssigned,
    CourierState::kDelivering};

enum class CourierEvent {
  kStartShift,          // StartShift (already on shift: only the declared cash changes)
  kEndShift,            // EndShift
  kOffered,             // an offer was made to them
  kAccepted,            // they accepted their offer
  kDeclined,            // they declined it
  kTimedOut,            // it expired unanswered
  kTimedOutOffDuty,     // ... and that was Limits::max_consecutive_timeouts in a row
  kOfferWithdrawn,      // their offer was taken back
  kTicketPickedUp,      // they paid a trader, other tickets remain
  kLastTicketPickedUp,  // they paid the last trader of the job
  kDelivered,           // ConfirmDelivery
  kReleased,            // taken off their job before any pickup (operator, silent, cancelled)
  kDeliveryFailed,      // their delivery failed: they carry the goods back (still DELIVERING)
  kGoodsReturned,       // a stop's goods back, others remain
  kLastGoodsReturned,   // the last stop's goods back: free again
};
inline constexpr CourierEvent kAllCourierEvents[] = {
    CourierEvent::kStartShift,       CourierEvent::kEndShift,
    CourierEvent::kOffered,          CourierEvent::kAccepted,
    CourierEvent::kDeclined,         CourierEvent::kTimedOut,
    CourierEvent::kTimedOutOffDuty,  CourierEvent::kOfferWithdrawn,
    CourierEvent::kTicketPickedUp,   CourierEvent::kLastTicketPickedUp,
    CourierEvent::kDelivered,        CourierEvent::kReleased,
    CourierEvent::kDeliveryFailed,   CourierEvent::kGoodsReturned,
    CourierEvent::kLastGoodsReturned};

// The state after `event`, or nullopt when the transition is not allowed.
std::optional<JobState> NextJobState(JobState state, JobEvent event);
std::optional<OfferState> NextOfferState(OfferState state, OfferEvent event);
std::optional<CourierState> NextCourierState(CourierState state, CourierEvent event);

// DELIVERED, CANCELLED, FAILED, RETURNED: the job takes no further event.
bool IsFinal(JobState state);
// A ticket of the job was picked up: the courier has paid traders and holds goods
// (PICKING_UP, DELIVERING, DELIVERED, RETURNING, RETURNED). Such a job is never cancelled or
// taken back.
bool GoodsOnBoard(JobState state);
// PENDING, OFFERED, ASSIGNED: whoever holds the job (an offer, a courier) may still lose it.
bool BeforePickup(JobState state);

// Why an offer or a job was taken back from a courier (pasar.dispatch.v1.WithdrawReason).
enum class WithdrawReason {
  kOrderCancelled,
  kOfferExpired,
  kCourierSilent,
  kOperator,
  kDispatchFailed,
  kCourierOffDuty,
};
inline constexpr WithdrawReason kAllWithdrawReasons[] = {
    WithdrawReason::kOrderCancelled, WithdrawReason::kOfferExpired,
    WithdrawReason::kCourierSilent,  WithdrawReason::kOperator,
    WithdrawReason::kDispatchFailed, WithdrawReason::kCourierOffDuty};

// Where the goods of a failed delivery went back (pasar.dispatch.v1.ReturnDestination).
enum class ReturnDestination { kStall, kMarketOffice };
std::string_view Name(ReturnDestination destination);  // "STALL", "MARKET_OFFICE"
std::optional<ReturnDestination> ParseReturnDestination(std::string_view name);

// Why a courier is never offered a job again.
enum class ExclusionReason { kDeclined, kExpired, kOperator, kSilent };

// Canonical names as in the protos and the database ("PENDING", "PICKING_UP", "OFF_DUTY",
// "COURIER_SILENT", ...); events have names for messages.
std::string_view Name(JobState state);
std::string_view Name(OfferState state);
std::string_view Name(CourierState state);
std::string_view Name(WithdrawReason reason);
std::string_view Name(ExclusionReason reason);
std::string_view Name(JobEvent event);
std::string_view Name(OfferEvent event);
std::string_view Name(CourierEvent event);
// Inverses of Name (nullopt for anything else).
std::optional<JobState> ParseJobState(std::string_view name);
std::optional<OfferState> ParseOfferState(std::string_view name);
std::optional<CourierState> ParseCourierState(std::string_view name);
std::optional<WithdrawReason> ParseWithdrawReason(std::string_view name);

}  // namespace pasar::dispatch::domain
