// What a use case answers (mapped to gRPC statuses by the adapters), and the settings the
// use cases share.
#pragma once

#include <string>

#include "absl/time/time.h"
#include "domain/decisions.h"

namespace pasar::dispatch::app {

// Why a use case refused.
enum class Refusal {
  kNone,
  kNotFound,
  kKeyReused,
  kOfferExpired,
  kInsufficientCash,
  kInvalidTransition,
  kWrongPickupCode,
  kWrongDeliveryPin,
  kTooManyAttempts,
  kCashMismatch,
  kCourierBusy,
  kAlreadyExists,
  kNotArrived,
  kWaitingRuleNotMet,
};

struct Outcome {
  Refusal refusal = Refusal::kNone;
  std::string detail;  // human-readable, for the status message
  bool ok() const { return refusal == Refusal::kNone; }
};

Outcome Refuse(Refusal refusal, std::string detail);
// The outcome of a domain decision (a refusal only the matcher meets is kInvalidTransition).
Outcome OutcomeOf(const domain::Decision& decision);

struct Timers {
  absl::Duration offer_ttl = absl::Seconds(20);  // PASAR_OFFER_TIMEOUT_SECONDS
  int max_consecutive_timeouts = 3;              // then OFF_DUTY
  int max_code_attempts = 5;                     // pickup code / delivery PIN attempts

  domain::Limits limits() const {
    return domain::Limits{.max_consecutive_timeouts = max_consecutive_timeouts,
                          .max_code_attempts = max_code_attempts};
  }
};

}  // namespace pasar::dispatch::app
