// Errors inside a service are absl::Status (absl::StatusOr<T> for values): handlers, use cases
// and stores return them, and only the gRPC edge turns them into grpc::Status
// (pasar::rpc::ToGrpc, pasar::rpc::Serve). A domain refusal carries its machine-readable reason
// (a pasar.common.v1.ErrorReason name without prefix, e.g. "INSUFFICIENT_STOCK") as a payload of
// the status; at the edge it becomes the message prefix "REASON: " and the trailing metadata
// pasar-error-reason (docs/conventions.md, "Errors"). Pure: no gRPC here, so domain code may use
// it.
//
//   return request::Refused("MARKET_CLOSED", market.name() + " is not open now");
//   return request::NotFound("order");   // also the answer for an object the caller may not see
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "absl/status/status.h"

namespace pasar::request {

// A refusal: code `code` (FAILED_PRECONDITION unless said), message `msg`, reason attached.
absl::Status Refused(std::string_view reason, std::string_view msg,
                     absl::StatusCode code = absl::StatusCode::kFailedPrecondition);
// The reason attached by Refused, or nullopt.
std::optional<std::string> RefusalReason(const absl::Status& status);

// NOT_FOUND "<what> not found".
absl::Status NotFound(std::string_view what);

}  // namespace pasar::request
