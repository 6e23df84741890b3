#include "api/common.h"

#include <cmath>
#include <initializer_list>
#include <memory>

#include <google/protobuf/io/coded_stream.h>
#include <google/protobuf/io/zero_copy_stream_impl_lite.h>
#include <google/protobuf/util/time_util.h>

#include "absl/strings/str_cat.h"
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

bool ValidTimestamp(const google::protobuf::Timestamp& ts) {
  using google::protobuf::util::TimeUtil;
  return ts.seconds() >= TimeUtil::kTimestampMinSeconds &&
         ts.seconds() <= TimeUtil::kTimestampMaxSeconds && ts.nanos() >= 0 &&
         ts.nanos() <= 999'999'999;
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

namespace {

// `message` serialized deterministically, with the named fields cleared.
std::string CanonicalBytes(const google::protobuf::Message& message,
                           std::initializer_list<std::string_view> cleared) {
  std::unique_ptr<google::protobuf::Message> copy(message.New());
  copy->CopyFrom(message);
  for (std::string_view name : cleared) {
    const auto* field = copy->GetDescriptor()->FindFieldByName(std::string(name));
    if (field != nullptr) copy->GetReflection()->ClearField(copy.get(), field);
  }
  std::string bytes;
  {
    google::protobuf::io::StringOutputStream stream(&bytes);
    google::protobuf::io::CodedOutputStream out(&stream);
    out.SetSerializationDeterministic(true);
    copy->SerializeToCodedStream(&out);
  }
  return bytes;
}

// FNV-1a, 64 bits: stable across processes and builds (unlike absl::Hash).
uint64_t Fnv1a(std::string_view bytes) {
  uint64_t h = 0xcbf29ce484222325ULL;
  for (unsigned char c : bytes) {
    h ^= c;
    h *= 0x100000001b3ULL;
  }
  return h;
}

std::string FiltersHash(const google::protobuf::Message& request) {
  return absl::StrCat(
      absl::Hex(Fnv1a(CanonicalBytes(request, {"page_size", "page_token"})), absl::kZeroPad16));
}

}  // namespace

std::string EncodePageToken(const google::protobuf::Message& request, std::string_view position) {
  return auth::Base64UrlEncode(FiltersHash(request) + "." + std::string(position));
}

std::optional<grpc::Status> DecodePageToken(const google::protobuf::Message& request,
                                            std::string* position) {
  position->clear();
  const auto* field = request.GetDescriptor()->FindFieldByName("page_token");
  const std::string token =
      field == nullptr ? "" : request.GetReflection()->GetString(request, field);
  if (token.empty()) return std::nullopt;
  const auto text = auth::Base64UrlDecode(token);
  const std::string hash = FiltersHash(request);
  if (!text || text->size() <= hash.size() + 1 || (*text)[hash.size()] != '.') {
    return rpc::InvalidArgument("page_token", "malformed");
  }
  if (!text->starts_with(hash)) {
    return rpc::InvalidArgument("page_token", "issued for other filters");
  }
  *position = text->substr(hash.size() + 1);
  return std::nullopt;
}

store::IdemKey MakeKey(const std::string& subject, std::string_view rpc,
                       const google::protobuf::Message& request, const std::string& request_id) {
  return store::IdemKey{subject, std::string(rpc), request_id,
                        CanonicalBytes(request, {"request_id"})};
}

grpc::Status ToStatus(grpc::ServerContext* ctx, const app::Outcome& outcome) {
  using app::Refusal;
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
