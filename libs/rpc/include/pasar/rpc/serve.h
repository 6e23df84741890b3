// The one opening of every handler, and the edge where absl::Status becomes grpc::Status.
//
// A service says once who may call each of its methods: an AccessTable from the full gRPC method
// name to the roles allowed (services/<name>/api/access.cc), given to the Host with the verifier
// (Host::SetAccess). Host::Start refuses to start when a method of a registered service has no
// rule, or a rule names no such method. Each handler is then
//
//   grpc::Status OrderApi::GetOrder(grpc::ServerContext* ctx, const v1::GetOrderRequest* req,
//                                   v1::GetOrderResponse* resp) {
//     return rpc::Serve(ctx, *req, [&](const auth::Principal& who) -> absl::Status {
//       ... decode, call the use case, encode into *resp ...
//     });
//   }
//
// Serve authenticates the caller against the method's rule (UNAUTHENTICATED; PERMISSION_DENIED
// for a role the rule does not list; RESOURCE_EXHAUSTED RATE_LIMITED; DEADLINE_EXCEEDED when the
// client's deadline has passed), checks the request's request_id when it has one
// (request::CheckRequestId: INVALID_ARGUMENT "request_id: ..."), runs the body with the caller's
// principal, and answers the body's absl::Status through ToGrpc(ctx, ...) (a refusal's reason
// becomes the message prefix and the pasar-error-reason trailer) or what it throws through
// StatusFromCurrentException. The object-level checks stay in the body and the use cases: a
// foreign object answers NOT_FOUND exactly like a missing one.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include <grpcpp/server_context.h>
#include <grpcpp/support/status.h>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "pasar/auth/auth.h"
#include "pasar/rpc/status.h"

namespace google::protobuf {
class Message;
}

namespace pasar::rpc {

// Who may call one method.
struct MethodAccess {
  std::string method;             // full name: "/pasar.order.v1.OrderService/PlaceOrder"
  std::vector<auth::Role> roles;  // empty: any signed-in caller
};
using AccessTable = std::vector<MethodAccess>;

// "/<service_full_name>/<method>", e.g. MethodName(v1::OrderService::service_full_name(),
// "PlaceOrder").
std::string MethodName(std::string_view service_full_name, std::string_view method);

namespace internal {
// Authenticates the current call against its method's rule and checks `request`'s request_id
// (when not null and it has one). Used by Serve.
absl::StatusOr<auth::Principal> Admit(grpc::ServerContext* ctx,
                                      const google::protobuf::Message* request);
}  // namespace internal

// A handler of a call that has a request message (unary, server streaming).
template <class Request, class Body>
grpc::Status Serve(grpc::ServerContext* ctx, const Request& request, Body&& body) {
  return Guard([&]() -> grpc::Status {
    absl::StatusOr<auth::Principal> who = internal::Admit(ctx, &request);
    if (!who.ok()) return ToGrpc(ctx, who.status());
    return ToGrpc(ctx, body(static_cast<const auth::Principal&>(*who)));
  });
}

// A handler of a client-streaming call (its messages are read by the body).
template <class Body>
grpc::Status Serve(grpc::ServerContext* ctx, Body&& body) {
  return Guard([&]() -> grpc::Status {
    absl::StatusOr<auth::Principal> who = internal::Admit(ctx, nullptr);
    if (!who.ok()) return ToGrpc(ctx, who.status());
    return ToGrpc(ctx, body(static_cast<const auth::Principal&>(*who)));
  });
}

}  // namespace pasar::rpc
