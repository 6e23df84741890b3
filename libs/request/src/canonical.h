// The deterministic serialization shared by page-token scopes and request fingerprints.
#pragma once

#include <initializer_list>
#include <string>
#include <string_view>

namespace google::protobuf {
class Message;
}

namespace pasar::request::internal {

// `message` serialized deterministically (map entries sorted), with the named fields cleared.
std::string CanonicalBytes(const google::protobuf::Message& message,
                           std::initializer_list<std::string_view> cleared);

}  // namespace pasar::request::internal
