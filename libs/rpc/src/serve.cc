// rpc::Serve's admission: the method of the call, its access rule, the caller, the request id.
#include "pasar/rpc/serve.h"

#include <optional>

#include <google/protobuf/descriptor.h>
#include <google/protobuf/message.h>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "admission.h"
#include "pasar/request/fields.h"
#include "runtime.h"

namespace pasar::rpc {
namespace internal {
namespace {

// Leaked on purpose: used by handler threads that may outlive static destruction.
absl::Mutex calls_mu;
absl::flat_hash_map<const grpc::ServerContextBase*, std::string>& Calls()
    ABSL_EXCLUSIVE_LOCKS_REQUIRED(calls_mu) {
  static auto* calls = new absl::flat_hash_map<const grpc::ServerContextBase*, std::string>();
  return *calls;
}

absl::Mutex access_mu;
std::shared_ptr<const Access>& AccessRef() ABSL_EXCLUSIVE_LOCKS_REQUIRED(access_mu) {
  static auto* access = new std::shared_ptr<const Access>();
  return *access;
}

// The request_id of `request`, when its type has a string field of that name.
std::optional<std::string> RequestIdOf(const google::protobuf::Message& request) {
  const google::protobuf::FieldDescriptor* field =
      request.GetDescriptor()->FindFieldByName("request_id");
  if (field == nullptr || field->type() != google::protobuf::FieldDescriptor::TYPE_STRING ||
      field->is_repeated()) {
    return std::nullopt;
  }
  return request.GetReflection()->GetString(request, field);
}

}  // namespace

void RegisterCall(const grpc::ServerContextBase* ctx, const std::string& method) {
  absl::MutexLock lock(&calls_mu);
  Calls()[ctx] = method;
}

void UnregisterCall(const grpc::ServerContextBase* ctx) {
  absl::MutexLock lock(&calls_mu);
  Calls().erase(ctx);
}

std::string MethodOf(const grpc::ServerContextBase* ctx) {
  absl::MutexLock lock(&calls_mu);
  const auto it = Calls().find(ctx);
  return it == Calls().end() ? std::string() : it->second;
}

void InstallAccess(std::shared_ptr<const Access> access) {
  absl::MutexLock lock(&access_mu);
  AccessRef() = std::move(access);
}

std::shared_ptr<const Access> CurrentAccess() {
  absl::MutexLock lock(&access_mu);
  return AccessRef();
}

absl::StatusOr<auth::Principal> Admit(grpc::ServerContext* ctx,
                                      const google::protobuf::Message* request) {
  const std::shared_ptr<const Access> access = CurrentAccess();
  if (access == nullptr || access->verifier == nullptr) {
    return absl::InternalError("rpc::Serve outside a Host with access rules (Host::SetAccess)");
  }
  const std::string method = MethodOf(ctx);
  const auto rule = access->rules.find(method);
  if (rule == access->rules.end()) {
    // Host::Start checks every registered method has a rule: only a call it did not see lands
    // here.
    return absl::PermissionDeniedError("no access rule for method " + method);
  }
  absl::StatusOr<auth::Principal> who = Authenticate(ctx, *access->verifier, rule->second);
  if (!who.ok() || request == nullptr) return who;
  if (const std::optional<std::string> request_id = RequestIdOf(*request)) {
    if (absl::Status s = request::CheckRequestId(*request_id); !s.ok()) return s;
  }
  return who;
}

}  // namespace internal

std::string MethodName(std::string_view service_full_name, std::string_view method) {
  std::string name;
  name.reserve(service_full_name.size() + method.size() + 2);
  name.append("/").append(service_full_name).append("/").append(method);
  return name;
}

}  // namespace pasar::rpc
