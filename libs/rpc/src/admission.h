// Process-wide state of rpc::Serve's admission (server side only): the method of each call in
// progress, the access rules of the running Host, authentication against a list of roles.
#pragma once

#include <memory>
#include <span>
#include <string>
#include <vector>

#include <grpcpp/server_context.h>

#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "pasar/auth/auth.h"

namespace pasar::rpc::internal {

// The principal of `ctx`'s caller when its role is in `allowed` (empty: any role); see
// rpc::Authenticate.
absl::StatusOr<auth::Principal> Authenticate(grpc::ServerContext* ctx,
                                             const auth::Verifier& verifier,
                                             std::span<const auth::Role> allowed);

// The method of each call in progress ("/pasar.order.v1.OrderService/GetOrder"), registered by
// the Host's interceptor for the life of the call; "" for a context it does not know.
void RegisterCall(const grpc::ServerContextBase* ctx, const std::string& method);
void UnregisterCall(const grpc::ServerContextBase* ctx);
std::string MethodOf(const grpc::ServerContextBase* ctx);

// The access rules of the running Host (Host::SetAccess), read by rpc::Serve.
struct Access {
  const auth::Verifier* verifier = nullptr;
  absl::flat_hash_map<std::string, std::vector<auth::Role>> rules;  // method -> roles
};
void InstallAccess(std::shared_ptr<const Access> access);  // null: none
std::shared_ptr<const Access> CurrentAccess();

}  // namespace pasar::rpc::internal
