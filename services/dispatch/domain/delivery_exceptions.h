// When the door stays shut: attempts at the drop-off, the failed delivery after the market's
// waiting rule, the goods' way back to the stalls (or the market office), and the operator's
// resolutions. Pure decisions on the aggregates of job.h, applied through the lifecycle tables
// (lifecycle.h): DELIVERING -> RETURNING -> RETURNED.
#pragma once

#include <cstdint>
#include <span>
#include <string>

#include "domain/decisions.h"

namespace pasar::dispatch::domain {

// A market's failed-delivery policy (pasar.dispatch.v1.FailurePolicy).
struct FailurePolicy {
  int wait_minutes = 10;            // from the first attempt
  int min_attempts = 3;             // attempts (calls) before failure may be declared
  int arrival_radius_meters = 300;  // how close to the drop-off an attempt must be
  int64_t failure_fee_idr = 0;      // charged to the customer (capped at the delivery fee)
};

// The bounds of FailurePolicy's fields (SetFailurePolicy refuses anything outside them).
inline constexpr int kMaxWaitMinutes = 120;
inline constexpr int kMinAttempts = 1, kMaxAttempts = 10;
inline constexpr int kMinArrivalRadius = 10, kMaxArrivalRadius = 5000;

// The failure fee charged and the compensation the platform owes the courier, so that the
// courier earns the delivery fee for the trip: fee = min(policy fee, delivery fee),
// compensation = delivery fee - fee.
struct FailureMoney {
  int64_t failure_fee_idr = 0;
  int64_t compensation_idr = 0;
};
FailureMoney MoneyOfFailure(const Job& job, const FailurePolicy& policy);

// What the database knows of the attempts so far (its clock decides `waited`).
struct AttemptsSoFar {
  int attempts = 0;
  bool waited = false;  // the first attempt is at least policy.wait_minutes old
};

// Whether the waiting rule is met.
bool WaitingRuleMet(const AttemptsSoFar& so_far, const FailurePolicy& policy);

// The courier (null: none) reports an attempt (`outcome`: a DeliveryAttemptOutcome value) at
// `distance_meters` from the drop-off of `job` (null: missing): theirs (else kNotFound "job"),
// DELIVERING, within the arrival radius (else kNotArrived). Nothing changes state; the attempt
// number is `so_far.attempts + 1` (DeliveryAttempted).
Decision ReportAttempt(Job* job, Courier* courier, int outcome, int64_t distance_meters,
                       const AttemptsSoFar& so_far, const FailurePolicy& policy);

// The courier declares the delivery failed: theirs, DELIVERING, the waiting rule met (else
// kWaitingRuleNotMet). The job is RETURNING; the courier keeps it (DELIVERING) until the goods
// are back (DeliveryFailed with the policy's money).
Decision DeclareFailed(Job* job, Courier* courier, const AttemptsSoFar& so_far,
                       const FailurePolicy& policy);

struct ReturnClaim {
  std::string stall_code;
  int64_t refunded_idr = 0;
};
// The courier brings `stop`'s goods back to its stall: theirs, RETURNING, the stop picked up
// and not yet returned, the stall's code right (the pickup code; a wrong one counted, after
// limits.max_code_attempts kTooManyAttempts), the refund the stop's amount (kCashMismatch),
// added to their cash. The last stop makes the job RETURNED and the courier IDLE, or, when
// other jobs of their stacked trip are still theirs (`rest`), DELIVERING on to the next one.
Decision ConfirmReturn(Job* job, Courier* courier, Stop* stop, const ReturnClaim& claim,
                       const Limits& limits, const BundleRest& rest);

// Operators (ResolveDelivery), `subject` and `reason` recorded by the use case:
// A DELIVERING job: failed without the waiting rule.
Decision OperatorDeclareFailed(Job& job, Courier* courier, int attempts,
                               const FailurePolicy& policy, const std::string& subject,
                               const std::string& reason);
// A RETURNING job: the stops not yet returned (`open_stops`) are received at the market office
// (GoodsReturned MARKET_OFFICE each, the last one all_returned); the job is RETURNED, the
// courier IDLE (or on to the next job of their stacked trip, `rest`). The courier's cash does
// not change: the platform owes them the goods.
Decision ReceiveAtOffice(Job& job, Courier* courier, std::span<Stop> open_stops,
                         const std::string& subject, const BundleRest& rest);
// A DELIVERING job the customer got and paid (evidence in the reason): DELIVERED with the cash
// due collected, as ConfirmDelivery (the courier IDLE, or on to the next job of their trip).
Decision MarkDelivered(Job& job, Courier* courier, const BundleRest& rest);

}  // namespace pasar::dispatch::domain
