#include "app/outcome.h"

#include <utility>

namespace pasar::dispatch::app {

Outcome Refuse(Refusal refusal, std::string detail) {
  return Outcome{refusal, std::move(detail)};
}

Outcome OutcomeOf(const domain::Decision& decision) {
  using R = domain::Refusal;
  Refusal refusal = Refusal::kInvalidTransition;
  switch (decision.refusal) {
    case R::kNone:
      refusal = Refusal::kNone;
      break;
    case R::kNotFound:
      refusal = Refusal::kNotFound;
      break;
    case R::kOfferExpired:
      refusal = Refusal::kOfferExpired;
      break;
    case R::kInsufficientCash:
      refusal = Refusal::kInsufficientCash;
      break;
    case R::kWrongPickupCode:
      refusal = Refusal::kWrongPickupCode;
      break;
    case R::kWrongDeliveryPin:
      refusal = Refusal::kWrongDeliveryPin;
      break;
    case R::kTooManyAttempts:
      refusal = Refusal::kTooManyAttempts;
      break;
    case R::kCashMismatch:
      refusal = Refusal::kCashMismatch;
      break;
    case R::kCourierBusy:
      refusal = Refusal::kCourierBusy;
      break;
    case R::kNotArrived:
      refusal = Refusal::kNotArrived;
      break;
    case R::kWaitingRuleNotMet:
      refusal = Refusal::kWaitingRuleNotMet;
      break;
    case R::kInvalidTransition:
    case R::kExcluded:
    case R::kOverdue:
      refusal = Refusal::kInvalidTransition;
      break;
  }
  return Outcome{refusal, decision.detail};
}

}  // namespace pasar::dispatch::app
