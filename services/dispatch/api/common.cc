#include "api/common.h"

#include <charconv>
#include <cmath>
#include <memory>

#include <google/protobuf/io/coded_stream.h>
#include <google/protobuf/io/zero_copy_stream_impl_lite.h>

#include "pasar/auth/auth.h"
#include "pasar/geo/geo.h"
#include "pasar/rpc/status.h"

namespace pasar::dispatch::api {

std::size_t Utf8Length(std::string_view s) {
  std::size_t n = 0;
  for (unsigned char c : s)
    n += (c & 0xC0) != 0x80;
  return n;
}

bool IsUuid(std::string_view s) {
  if (s.size() != 36) return false;
  for (std::size_t i = 0; i < s.size(); ++i) {
    const char c = s[i];
    if (i == 8 || i == 13 || i == 18 || i == 23) {
      if (c != '-') return false;
    } else if (!std::isxdigit(static_cast<unsigned char>(c))) {
      return false;
    }
  }
  return true;
}

std::optional<grpc::Status> CheckRequestId(const std::string& request_id) {
  return CheckLength("request_id", request_id, 1, kMaxIdChars);
}

std::optional<grpc::Status> CheckLength(std::string_view field, const std::string& value,
                                        std::size_t min_chars, std::size_t max_chars) {
  const std::size_t n = Utf8Length(value);
  if (n < min_chars) {
    return rpc::InvalidArgument(field, min_chars == 1 ? "required" : "too short");
  }
  if (n > max_chars) {
    return rpc::InvalidArgument(field, "at most " + std::to_string(max_chars) + " characters");
  }
  return std::nullopt;
}

std::optional<grpc::Status> CheckUuid(std::string_view field, const std::string& value) {
  if (value.empty()) return rpc::InvalidArgument(field, "required");
  if (!IsUuid(value)) return rpc::InvalidArgument(field, "must be a UUID");
  return std::nullopt;
}

std::optional<grpc::Status> CheckLatLng(std::string_view field, const common::v1::LatLng& p) {
  if (!geo::Valid({p.lat(), p.lng()})) {
    return rpc::InvalidArgument(field, "must be a valid WGS84 point (lat -90..90, lng -180..180)");
  }
  if (p.lat() == 0 && p.lng() == 0) return rpc::InvalidArgument(field, "required");
  return std::nullopt;
}

std::optional<grpc::Status> CheckDigits(std::string_view field, const std::string& value,
                                        int digits) {
  bool ok = static_cast<int>(value.size()) == digits;
  for (char c : value)
    ok = ok && c >= '0' && c <= '9';
  if (!ok) return rpc::InvalidArgument(field, "must be " + std::to_string(digits) + " digits");
  return std::nullopt;
}

std::optional<grpc::Status> PageSize(int32_t requested, int* out) {
  if (requested < 0) return rpc::InvalidArgument("page_size", "must be >= 0");
  *out = requested == 0 ? 50 : std::min(requested, 100);
  return std::nullopt;
}

std::string EncodeOffsetToken(int offset) {
  return auth::Base64UrlEncode("offset:" + std::to_string(offset));
}

std::optional<grpc::Status> DecodeOffsetToken(const std::string& token, int* offset) {
  *offset = 0;
  if (token.empty()) return std::nullopt;
  const auto text = auth::Base64UrlDecode(token);
  constexpr std::string_view kPrefix = "offset:";
  if (!text || !text->starts_with(kPrefix)) {
    return rpc::InvalidArgument("page_token", "malformed");
  }
  const char* begin = text->data() + kPrefix.size();
  const char* end = text->data() + text->size();
  const auto [ptr, ec] = std::from_chars(begin, end, *offset);
  if (ec != std::errc() || ptr != end || *offset < 0) {
    return rpc::InvalidArgument("page_token", "malformed");
  }
  return std::nullopt;
}

store::IdemKey MakeKey(const std::string& subject, std::string_view rpc,
                       const google::protobuf::Message& request, const std::string& request_id) {
  std::unique_ptr<google::protobuf::Message> copy(request.New());
  copy->CopyFrom(request);
  const auto* field = copy->GetDescriptor()->FindFieldByName("request_id");
  if (field != nullptr) copy->GetReflection()->ClearField(copy.get(), field);
  std::string bytes;
  {
    google::protobuf::io::StringOutputStream stream(&bytes);
    google::protobuf::io::CodedOutputStream out(&stream);
    out.SetSerializationDeterministic(true);
    copy->SerializeToCodedStream(&out);
  }
  return store::IdemKey{subject, std::string(rpc), request_id, std::move(bytes)};
}

grpc::Status ToStatus(grpc::ServerContext* ctx, const store::Outcome& outcome) {
  using store::Refusal;
  const auto failed = grpc::StatusCode::FAILED_PRECONDITION;
  switch (outcome.refusal) {
    case Refusal::kNone:
      return grpc::Status::OK;
    case Refusal::kNotFound:
      return rpc::NotFound(outcome.detail);
    case Refusal::kKeyReused:
      return rpc::Refuse(ctx, failed, "IDEMPOTENCY_KEY_REUSED", outcome.detail);
    case Refusal::kOfferExpired:
      return rpc::Refuse(ctx, failed, "OFFER_EXPIRED", outcome.detail);
    case Refusal::kInsufficientCash:
      return rpc::Refuse(ctx, failed, "INSUFFICIENT_CASH", outcome.detail);
    case Refusal::kInvalidTransition:
      return rpc::Refuse(ctx, failed, "INVALID_TRANSITION", outcome.detail);
    case Refusal::kWrongPickupCode:
      return rpc::Refuse(ctx, failed, "WRONG_PICKUP_CODE", outcome.detail);
    case Refusal::kWrongDeliveryPin:
      return rpc::Refuse(ctx, failed, "WRONG_DELIVERY_PIN", outcome.detail);
    case Refusal::kTooManyAttempts:
      return rpc::Refuse(ctx, grpc::StatusCode::RESOURCE_EXHAUSTED, "TOO_MANY_ATTEMPTS",
                         outcome.detail);
    case Refusal::kCashMismatch:
      return rpc::Refuse(ctx, failed, "CASH_MISMATCH", outcome.detail);
    case Refusal::kCourierBusy:
      return rpc::Refuse(ctx, failed, "COURIER_BUSY", outcome.detail);
    case Refusal::kAlreadyExists:
      return rpc::Refuse(ctx, grpc::StatusCode::ALREADY_EXISTS, "ALREADY_EXISTS", outcome.detail);
  }
  return grpc::Status(grpc::StatusCode::INTERNAL, "internal error");
}

}  // namespace pasar::dispatch::api
