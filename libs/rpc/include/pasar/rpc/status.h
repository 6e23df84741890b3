// gRPC status helpers of the edge (docs/conventions.md, "Errors"). Inside a service, errors are
// absl::Status (pasar/request/status.h); handlers turn them into grpc::Status once, through
// rpc::Serve (pasar/rpc/serve.h), which uses ToGrpc(ctx, status) and Guard below.
#pragma once

#include <string_view>
#include <utility>

#include <grpcpp/server_context.h>
#include <grpcpp/support/status.h>

#include "absl/status/status.h"
#include "pasar/rpc/metadata.h"

namespace pasar::rpc {

// Same code and message.
grpc::Status ToGrpc(const absl::Status& status);
// The edge of a handler: same code and message, except that a refusal (pasar::request::Refused)
// answers "REASON: msg" with the trailing metadata pasar-error-reason: REASON added to `ctx`
// (when not null).
grpc::Status ToGrpc(grpc::ServerContext* ctx, const absl::Status& status);

// INVALID_ARGUMENT "field: why", e.g. InvalidArgument("lines[2].quantity", "must be > 0").
grpc::Status InvalidArgument(std::string_view field, std::string_view why);

// A domain refusal: message "REASON: msg" and trailing metadata pasar-error-reason: REASON.
// `reason` is a pasar.common.v1.ErrorReason name without prefix, e.g. "INSUFFICIENT_STOCK".
// ctx may be null (then only the message carries the reason).
grpc::Status Refuse(grpc::ServerContext* ctx, grpc::StatusCode code, std::string_view reason,
                    std::string_view msg);

// NOT_FOUND "<what> not found" (also the answer for objects the caller may not see).
grpc::Status NotFound(std::string_view what);

// Maps the exception being handled (call only inside a catch block) to a status:
//   pasar::pg::ConnectionError, pasar::pg::PoolTimeout      -> UNAVAILABLE
//   pasar::pg::Error with serialization_failure()          -> ABORTED (client may retry)
//   pasar::pg::Error with SQLSTATE 57014 (statement timeout) -> DEADLINE_EXCEEDED
//   pasar::redis::Error                                     -> UNAVAILABLE
//   any other std::exception or unknown exception           -> INTERNAL "internal error"
// Every case is logged (the message never reaches the client for INTERNAL).
grpc::Status StatusFromCurrentException();

// Runs f() (returning grpc::Status) and maps what it throws with StatusFromCurrentException.
// Every adapter wraps its body: `return rpc::Guard([&] { ... return grpc::Status::OK; });`
template <class F>
grpc::Status Guard(F&& f) {
  try {
    return std::forward<F>(f)();
  } catch (...) {
    return StatusFromCurrentException();
  }
}

}  // namespace pasar::rpc
