#include "api/outcomes.h"

#include "pasar/request/idempotency.h"
#include "pasar/request/status.h"

namespace pasar::dispatch::api {

store::IdemKey MakeKey(const std::string& subject, std::string_view rpc,
                       const google::protobuf::Message& request, const std::string& request_id) {
  return store::IdemKey{subject, std::string(rpc), request_id, request::Fingerprint(request)};
}

absl::Status Answer(const app::Outcome& outcome) {
  using app::Refusal;
  switch (outcome.refusal) {
    case Refusal::kNone:
      return absl::OkStatus();
    case Refusal::kNotFound:
      return request::NotFound(outcome.detail);
    case Refusal::kKeyReused:
      return request::Refused("IDEMPOTENCY_KEY_REUSED", outcome.detail);
    case Refusal::kOfferExpired:
      return request::Refused("OFFER_EXPIRED", outcome.detail);
    case Refusal::kInsufficientCash:
      return request::Refused("INSUFFICIENT_CASH", outcome.detail);
    case Refusal::kInvalidTransition:
      return request::Refused("INVALID_TRANSITION", outcome.detail);
    case Refusal::kWrongPickupCode:
      return request::Refused("WRONG_PICKUP_CODE", outcome.detail);
    case Refusal::kWrongDeliveryPin:
      return request::Refused("WRONG_DELIVERY_PIN", outcome.detail);
    case Refusal::kTooManyAttempts:
      return request::Refused("TOO_MANY_ATTEMPTS", outcome.detail,
                              absl::StatusCode::kResourceExhausted);
    case Refusal::kCashMismatch:
      return request::Refused("CASH_MISMATCH", outcome.detail);
    case Refusal::kCourierBusy:
      return request::Refused("COURIER_BUSY", outcome.detail);
    case Refusal::kNotArrived:
      return request::Refused("NOT_ARRIVED", outcome.detail);
    case Refusal::kWaitingRuleNotMet:
      return request::Refused("WAITING_RULE_NOT_MET", outcome.detail);
    case Refusal::kAlreadyExists:
      return request::Refused("ALREADY_EXISTS", outcome.detail, absl::StatusCode::kAlreadyExists);
  }
  return absl::InternalError("internal error");
}

}  // namespace pasar::dispatch::api
