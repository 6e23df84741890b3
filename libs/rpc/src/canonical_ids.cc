// One spelling of an id: the UUIDs of a request's id fields are lower-cased before any handler
// sees them (docs/conventions.md, "Identifiers"), as libs/auth does for the `stalls` claim.
#include <string>
#include <vector>

#include <google/protobuf/descriptor.h>
#include <google/protobuf/message.h>

#include "absl/base/const_init.h"
#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/strings/match.h"
#include "absl/synchronization/mutex.h"
#include "pasar/ids/ids.h"
#include "runtime.h"

namespace pasar::rpc::internal {
namespace {

using google::protobuf::Descriptor;
using google::protobuf::FieldDescriptor;
using google::protobuf::Message;
using google::protobuf::Reflection;

// Nested messages deeper than this are left alone (no Pasar request comes close).
constexpr int kMaxDepth = 16;

// `id`, `*_id` and `*_ids` strings hold ids; `request_id` is the client's idempotency key, any
// text it likes, compared exactly.
bool IsIdField(const FieldDescriptor* field) {
  if (field->type() != FieldDescriptor::TYPE_STRING) return false;
  const std::string& name = field->name();
  if (name == "request_id") return false;
  return name == "id" || absl::EndsWith(name, "_id") || absl::EndsWith(name, "_ids");
}

// Memo of which message types hold an id field, directly or in a nested message.
class IdTypes final {
 public:
  bool HasIds(const Descriptor* type) {
    absl::MutexLock lock(&mu_);
    return Compute(type);
  }

 private:
  bool Compute(const Descriptor* type) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    auto [it, inserted] = memo_.try_emplace(type, true);  // in progress counts as yes
    if (!inserted) return it->second;
    bool has = false;
    for (int i = 0; i < type->field_count() && !has; ++i) {
      const FieldDescriptor* field = type->field(i);
      has = IsIdField(field) || (field->cpp_type() == FieldDescriptor::CPPTYPE_MESSAGE &&
                                 Compute(field->message_type()));
    }
    memo_[type] = has;
    return has;
  }

  absl::Mutex mu_;
  absl::flat_hash_map<const Descriptor*, bool> memo_ ABSL_GUARDED_BY(mu_);
};

IdTypes& Types() {
  static auto* types = new IdTypes();  // leaked: handler threads may outlive static destruction
  return *types;
}

void Canonicalise(Message& message, int depth) {
  if (depth > kMaxDepth) return;
  const Reflection* reflection = message.GetReflection();
  std::vector<const FieldDescriptor*> fields;
  reflection->ListFields(message, &fields);
  for (const FieldDescriptor* field : fields) {
    if (field->cpp_type() == FieldDescriptor::CPPTYPE_MESSAGE) {
      if (!Types().HasIds(field->message_type())) continue;
      if (field->is_repeated()) {
        for (int i = 0; i < reflection->FieldSize(message, field); ++i) {
          Canonicalise(*reflection->MutableRepeatedMessage(&message, field, i), depth + 1);
        }
      } else {
        Canonicalise(*reflection->MutableMessage(&message, field), depth + 1);
      }
    } else if (IsIdField(field)) {
      if (field->is_repeated()) {
        for (int i = 0; i < reflection->FieldSize(message, field); ++i) {
          const std::string value = reflection->GetRepeatedString(message, field, i);
          if (auto canonical = ids::CanonicalUuid(value); canonical && *canonical != value) {
            reflection->SetRepeatedString(&message, field, i, std::move(*canonical));
          }
        }
      } else {
        const std::string value = reflection->GetString(message, field);
        if (auto canonical = ids::CanonicalUuid(value); canonical && *canonical != value) {
          reflection->SetString(&message, field, std::move(*canonical));
        }
      }
    }
  }
}

}  // namespace

const google::protobuf::Descriptor* RequestTypeOf(const std::string& method) {
  static absl::Mutex mu(absl::kConstInit);
  static auto* memo = new absl::flat_hash_map<std::string, const Descriptor*>();
  absl::MutexLock lock(&mu);
  auto it = memo->find(method);
  if (it != memo->end()) return it->second;
  // "/pasar.order.v1.OrderService/GetOrder" -> "pasar.order.v1.OrderService.GetOrder".
  const Descriptor* type = nullptr;
  if (method.size() > 1 && method[0] == '/' && !method.starts_with("/grpc.")) {
    std::string full_name = method.substr(1);
    const size_t slash = full_name.find('/');
    if (slash != std::string::npos) {
      full_name[slash] = '.';
      const auto* found =
          google::protobuf::DescriptorPool::generated_pool()->FindMethodByName(full_name);
      if (found != nullptr && Types().HasIds(found->input_type())) type = found->input_type();
    }
  }
  if (memo->size() < 4096) memo->emplace(method, type);  // bounded: method names are registered
  return type;
}

void CanonicaliseIds(google::protobuf::Message& message) {
  if (Types().HasIds(message.GetDescriptor())) Canonicalise(message, 0);
}

}  // namespace pasar::rpc::internal
