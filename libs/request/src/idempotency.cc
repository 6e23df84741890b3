#include "pasar/request/idempotency.h"

#include <memory>

#include <google/protobuf/io/coded_stream.h>
#include <google/protobuf/io/zero_copy_stream_impl_lite.h>
#include <google/protobuf/message.h>

#include "canonical.h"
#include "pasar/ids/ids.h"
#include "pasar/request/status.h"

namespace pasar::request {

std::string internal::CanonicalBytes(const google::protobuf::Message& message,
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

std::string Fingerprint(const google::protobuf::Message& request) {
  return ids::Sha256Hex(internal::CanonicalBytes(request, {"request_id"}));
}

absl::Status KeyReused() {
  return Refused("IDEMPOTENCY_KEY_REUSED", "request_id was already used for a different request");
}

}  // namespace pasar::request
