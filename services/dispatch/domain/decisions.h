// Every change dispatch makes to its jobs, offers and couriers, as pure functions: each takes
// the aggregates (job.h) its use case loaded and locked, checks what SPEC section 5 requires,
// applies the events through the lifecycle tables (lifecycle.h), and returns a Decision: why it
// refused, or the records and events to write. The aggregates are changed in place (their
// `changed`/`transition` fields say what the store must write); on a refusal nothing is changed
// except a counted wrong code (Decision::keep_attempt).
#pragma once

#include <string>
#include <vector>

#include "domain/events.h"
#include "domain/job.h"
#include "domain/lifecycle.h"

namespace pasar::dispatch::domain {

enum class Refusal {
  kNone,
  kNotFound,           // the job (or ticket) is not the caller's: as if it did not exist
  kOfferExpired,       // the offer is no longer pending
  kInsufficientCash,   // cash on hand below what the courier must pay
  kInvalidTransition,  // the lifecycle does not allow it now
  kWrongPickupCode,
  kWrongDeliveryPin,
  kTooManyAttempts,    // wrong codes / PINs exhausted
  kCashMismatch,       // the amount declared differs from what is due
  kCourierBusy,        // EndShift while holding an offer or a job
  kExcluded,           // the courier may never be offered this job again
  kOverdue,            // the job's dispatch deadline has passed
  kNotArrived,         // a delivery attempt reported away from the drop-off
  kWaitingRuleNotMet,  // a failed delivery declared before the market's waiting rule is met
};

// A courier never offered the job again.
struct Exclusion {
  std::string job_id;
  std::string courier_id;
  ExclusionReason reason = ExclusionReason::kDeclined;
};

// A courier's assignment to a job ended before delivery (the assignments history).
struct Release {
  std::string job_id;
  std::string courier_id;
  WithdrawReason reason = WithdrawReason::kOperator;
};

struct Decision {
  Refusal refusal = Refusal::kNone;
  std::string detail;  // why, for refusals (the status message)
  // A refusal whose counted attempt stays written (a wrong pickup code or delivery PIN): the
  // rest of the transaction is rolled back, this is committed.
  bool keep_attempt = false;
  std::vector<Event> events;  // to publish, in order
  std::vector<Exclusion> exclusions;
  std::vector<Release> releases;
  bool reset_pickup_attempts = false;  // the job's wrong pickup code counters start over
  // The order was cancelled: remember it, so that a late OrderConfirmed makes no job.
  bool remember_cancelled_order = false;

  bool ok() const { return refusal == Refusal::kNone; }
};

// A decision that refuses.
Decision Refused(Refusal refusal, std::string detail);
// kInvalidTransition: "the job is <STATE>", "the courier is <STATE>".
Decision InvalidFor(const Job& job);
Decision InvalidFor(const Courier& courier);

// What the courier keeps of a stacked trip besides the job a decision is about (computed by the
// use case after locking the courier): `others` when another pending offer or another job of the
// same bundle is still theirs, then `next_job_id` is the first of those jobs in drop-off order
// ("" while only offers remain). A courier who keeps others stays in their state: only the
// job (or offer) leaves the trip, and current_job_id moves on to `next_job_id` when it pointed
// at that job.
// `on_board`: every ticket of those other jobs is picked up already. When the job taken back
// was the last of the trip with tickets left at the stalls, its ASSIGNED courier then rides off
// to the drop-offs (DELIVERING), as after the trip's last pickup; otherwise they could neither
// hand over nor declare a failed delivery of the goods on the bike.
struct BundleRest {
  bool others = false;
  std::string next_job_id;
  bool on_board = false;
};

// ---- shifts -------------------------------------------------------------------------------
// OFF_DUTY -> IDLE with `cash` on hand, the shift and idle clocks started, timeouts reset. On
// shift already: `cash` is the cash carried now, whatever the courier is doing (AcceptOffer and
// ConfirmPickup check it again).
Decision StartShift(Courier& courier, int64_t cash);
// IDLE -> OFF_DUTY; OFF_DUTY stays (no-op); holding an offer or a job: kCourierBusy.
Decision EndShift(Courier& courier);

// ---- offers -------------------------------------------------------------------------------
// The matcher's offer of a PENDING job (not overdue) to an IDLE courier with cash on hand for
// the goods, not excluded from the job. `offer` is the new offer (eta, distance filled in); the
// OfferMade event's offer id and expiry are the store's, set once it is inserted.
Decision MakeOffer(Job& job, Courier& courier, bool excluded, Offer& offer);
// The courier accepts their pending offer (still within its countdown) with cash on hand for
// the goods: the job is ASSIGNED to them.
Decision AcceptOffer(Job& job, Offer& offer, Courier& courier);
// The courier declines (reason: a pasar.dispatch.v1.DeclineReason value): the job is matched
// again without them, their timeouts in a row are forgotten.
Decision DeclineOffer(Job& job, Offer& offer, Courier& courier, int reason, std::string note);
// The countdown of a pending offer ran out: the job is matched again without the courier, who
// goes OFF_DUTY after `limits.max_consecutive_timeouts` in a row (the offer then ends with
// COURIER_OFF_DUTY instead of OFFER_EXPIRED).
Decision ExpireOffer(Job& job, Offer& offer, Courier& courier, const Limits& limits);

// ---- stacked trips: a bundle's offers, answered as one ------------------------------------
// One leg of a trip: a job and its offer (the offer being made, or the pending one answered).
struct TripLeg {
  Job* job = nullptr;
  Offer* offer = nullptr;
};
// The matcher's offer of a bundle (legs in drop-off order; excluded[i] for legs[i].job) to one
// IDLE courier whose cash covers the goods of every job: each job OFFERED, one OfferMade per
// job, the courier OFFERED once. A single leg is MakeOffer.
Decision MakeTripOffer(std::vector<TripLeg> legs, Courier& courier,
                       const std::vector<bool>& excluded);
// The courier accepts every pending offer of the trip (cash for every job's goods): each job
// ASSIGNED to them, current_job_id the first in drop-off order. Refused as a whole.
Decision AcceptTrip(std::vector<TripLeg> legs, Courier& courier);
// Declines every pending offer of the trip: each job matched again without them.
Decision DeclineTrip(std::vector<TripLeg> legs, Courier& courier, int reason, std::string note);
// Every offer of the trip expired: each job matched again without them; the courier's timeout
// counted once.
Decision ExpireTrip(std::vector<TripLeg> legs, Courier& courier, const Limits& limits);

// ---- pickup and delivery ------------------------------------------------------------------
struct PickupClaim {
  std::string code;
  int64_t paid_to_trader_idr = 0;
};
// The courier (`courier`, null when the caller has none) picks up `stop` (null when the job
// has no such ticket) of `job` (null when missing): the job must be theirs (else kNotFound
// "job") and ASSIGNED or PICKING_UP; the ticket not yet picked up, the code right (a wrong one
// is counted; after limits.max_code_attempts, kTooManyAttempts), the amount paid the ticket
// total, covered by their cash. The last ticket makes the job (and the courier) DELIVERING.
// In a stacked trip, `other_stops_left` counts the tickets of the courier's other jobs of the
// bundle not picked up yet: the courier is DELIVERING only once the trip's last ticket is.
Decision ConfirmPickup(Job* job, Courier* courier, Stop* stop, const PickupClaim& claim,
                       const Limits& limits, int other_stops_left = 0);

struct DeliveryClaim {
  std::string pin;
  int64_t cash_collected_idr = 0;
};
// The courier hands a DELIVERING job over: the PIN right (a wrong one is counted; after
// limits.max_code_attempts, kTooManyAttempts), the cash collected exactly cash_to_collect. The
// job is DELIVERED, the courier IDLE with the cash collected added.
// In a stacked trip: refused while an earlier drop-off of the bundle is still the courier's
// (`earlier_open`: drop-offs are handed over in order); with `rest.others` the courier stays
// DELIVERING (current_job_id the next drop-off), IDLE only after the last one.
Decision ConfirmDelivery(Job* job, Courier* courier, const DeliveryClaim& claim,
                         const Limits& limits, bool earlier_open = false,
                         const BundleRest& rest = {});

// ---- taking a job back --------------------------------------------------------------------
// Who may hold a job before pickup, loaded (locked) by the use case when BeforePickup(state):
// its pending offer and that offer's courier, and the courier it is assigned to.
struct Holders {
  Offer* offer = nullptr;
  Courier* offered_to = nullptr;
  Courier* assigned = nullptr;
  BundleRest rest;  // what that courier keeps of the job's stacked trip
};
// The operator takes an OFFERED or ASSIGNED job without picked-up tickets back: the pending
// offer is withdrawn (OfferWithdrawn), or the courier released (CourierUnassigned with `note`);
// the job is PENDING again (a fresh dispatch window), the courier excluded from it, and the
// wrong pickup code counters reset.
Decision Unassign(Job& job, const Holders& holders, const std::string& note);
// An ASSIGNED courier without a location fix for too long before pickup is released
// (COURIER_SILENT) and excluded; the job is PENDING again in a fresh dispatch window.
Decision ReleaseSilentCourier(Job& job, Courier* courier, const BundleRest& rest = {});
// A PENDING or OFFERED job past its dispatch deadline: its pending offer is withdrawn and the
// job FAILED (DispatchFailed, NO_COURIER).
Decision FailOverdueJob(Job& job, const Holders& holders);

// ---- cancellation -------------------------------------------------------------------------
// OrderCancelled: a job before pickup is CANCELLED (its offer withdrawn, its courier released
// with ORDER_CANCELLED); a job already over is left alone. Refused (kInvalidTransition) for a
// job with goods on board: the order service cancels a confirmed order only on dispatch's own
// answer, so that cannot come from it, and a courier holding goods is never cut loose.
Decision CancelJob(Job& job, const Holders& holders);
// OrderCancellationRequested `cancellation_id` for `order_id` (job: null when none yet): refused
// once a ticket was picked up (PICKED_UP) or the job delivered (DELIVERED); else accepted, the
// job (if any, and not over) cancelled as by CancelJob, the order remembered. Never refused as a
// decision: the answer is the CancellationSettled event, the last of `events`.
Decision SettleCancellation(Job* job, const Holders& holders, const std::string& order_id,
                            const std::string& cancellation_id);

}  // namespace pasar::dispatch::domain
