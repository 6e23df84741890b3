// The opening of every inventory handler: rpc::Serve (the method's roles, the request id), then
// every field of the request checked (domain/requests.h) before the use case runs.
#pragma once

#include "domain/requests.h"
#include "pasar/rpc/serve.h"

namespace pasar::inventory {

template <class Request, class Body>
grpc::Status Validated(grpc::ServerContext* ctx, const Request& req, Body&& body) {
  return rpc::Serve(ctx, req, [&](const auth::Principal& who) -> absl::Status {
    if (absl::Status invalid = Validate(req); !invalid.ok()) return invalid;
    return body(who);
  });
}

}  // namespace pasar::inventory
