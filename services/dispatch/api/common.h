// Helpers of the dispatch service's gRPC adapters: field checks, idempotency fingerprints,
// page tokens, and the mapping of use case refusals to statuses.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include <google/protobuf/message.h>
#include <google/protobuf/timestamp.pb.h>
#include <grpcpp/server_context.h>
#include <grpcpp/support/status.h>

#include "app/outcome.h"
#include "pasar/common/v1/geo.pb.h"
#include "store/idempotency.h"

// Returns the INVALID_ARGUMENT status of a failed check: DSP_RETURN_IF(CheckUuid("id", id));
#define DSP_RETURN_IF(check) \
  if (auto dsp_status_ = (check)) return *dsp_status_

namespace pasar::dispatch::api {

inline constexpr int kMaxIdChars = 128;

// Number of UTF-8 code points.
std::size_t Utf8Length(std::string_view s);
bool IsUuid(std::string_view s);

// INVALID_ARGUMENT unless 1..128 characters.
std::optional<grpc::Status> CheckRequestId(const std::string& request_id);
// INVALID_ARGUMENT unless `min_chars`..`max_chars` characters (UTF-8 code points).
std::optional<grpc::Status> CheckLength(std::string_view field, const std::string& value,
                                        std::size_t min_chars, std::size_t max_chars);
// INVALID_ARGUMENT unless a canonical UUID.
std::optional<grpc::Status> CheckUuid(std::string_view field, const std::string& value);
// INVALID_ARGUMENT unless a valid WGS84 point other than (0, 0).
std::optional<grpc::Status> CheckLatLng(std::string_view field, const common::v1::LatLng& p);
// Within google.protobuf.Timestamp's range (years 1..9999, nanos 0..999,999,999).
bool ValidTimestamp(const google::protobuf::Timestamp& ts);
// INVALID_ARGUMENT unless exactly `digits` decimal digits.
std::optional<grpc::Status> CheckDigits(std::string_view field, const std::string& value,
                                        int digits);

// Page size: 0 -> 50, above 100 -> 100, negative -> INVALID_ARGUMENT.
std::optional<grpc::Status> PageSize(int32_t requested, int* out);
// Page tokens of the list RPCs: where the next page starts (`position`, opaque to clients),
// bound to the request's filters (a hash of the request without page_size and page_token), so
// a token sent with other filters is INVALID_ARGUMENT instead of a page of another list.
std::string EncodePageToken(const google::protobuf::Message& request, std::string_view position);
// The position of `request`'s page_token (empty when the token is).
std::optional<grpc::Status> DecodePageToken(const google::protobuf::Message& request,
                                            std::string* position);

// The idempotency key of a mutation by `subject`: the request without request_id, serialized
// deterministically.
store::IdemKey MakeKey(const std::string& subject, std::string_view rpc,
                       const google::protobuf::Message& request, const std::string& request_id);

// The status of a use case refusal (OK for none).
grpc::Status ToStatus(grpc::ServerContext* ctx, const app::Outcome& outcome);

}  // namespace pasar::dispatch::api
