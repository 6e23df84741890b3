// Client contexts for tests that call a service over gRPC (needs pasar::rpc_client, which
// pasar::testkit links when libs/rpc is configured).
#pragma once

#include <chrono>
#include <memory>
#include <string>

#include <grpcpp/client_context.h>

#include "pasar/rpc/client.h"

namespace pasar::testkit {

// A context with a bearer token (none when `token` is empty) and a deadline: generous, since a
// loaded CI machine is slow and the deadline only bounds a call that would fail anyway.
inline std::unique_ptr<grpc::ClientContext> Ctx(
    const std::string& token, std::chrono::seconds timeout = std::chrono::seconds(30)) {
  auto ctx = std::make_unique<grpc::ClientContext>();
  rpc::Prepare(*ctx, token, std::chrono::system_clock::now() + timeout);
  return ctx;
}

// The refusal reason of a finished call (pasar-error-reason trailer), or "".
inline std::string Reason(const grpc::ClientContext& ctx) {
  return rpc::ErrorReason(ctx);
}

}  // namespace pasar::testkit
