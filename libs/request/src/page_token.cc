#include "pasar/request/page_token.h"

#include <cstdint>
#include <initializer_list>
#include <memory>

#include <google/protobuf/io/coded_stream.h>
#include <google/protobuf/io/zero_copy_stream_impl_lite.h>
#include <google/protobuf/message.h>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "canonical.h"
#include "pasar/request/fields.h"

namespace pasar::request {
namespace {

constexpr char kSeparator = '\0';
constexpr std::string_view kVersion = "p1";
constexpr size_t kMaxTokenBytes = 1024;

// FNV-1a, 64 bits: stable across processes and builds (unlike absl::Hash). A tag that the token
// belongs to the query, not a security measure: tokens only say where to continue, never what a
// caller may see.
std::string ScopeTag(std::string_view scope) {
  uint64_t h = 0xcbf29ce484222325ULL;
  for (unsigned char c : scope) {
    h ^= c;
    h *= 0x100000001b3ULL;
  }
  return absl::StrCat(absl::Hex(h, absl::kZeroPad16));
}

}  // namespace

std::string ListScope(const google::protobuf::Message& request) {
  return internal::CanonicalBytes(request, {"page_size", "page_token"});
}

std::string EncodePageToken(std::string_view scope, const std::vector<std::string>& position) {
  std::string raw(kVersion);
  raw.push_back(kSeparator);
  raw.append(ScopeTag(scope));
  for (const std::string& part : position) {
    raw.push_back(kSeparator);
    raw.append(part);
  }
  return absl::WebSafeBase64Escape(raw);
}

absl::StatusOr<std::optional<std::vector<std::string>>> DecodePageToken(std::string_view token,
                                                                        std::string_view scope,
                                                                        size_t parts) {
  if (token.empty()) return std::optional<std::vector<std::string>>();
  std::string raw;
  if (token.size() > kMaxTokenBytes ||
      !absl::WebSafeBase64Unescape(absl::string_view(token.data(), token.size()), &raw)) {
    return MalformedPageToken();
  }
  std::vector<std::string> fields;
  std::string_view rest = raw;
  for (;;) {
    const size_t at = rest.find(kSeparator);
    fields.emplace_back(rest.substr(0, at));
    if (at == std::string_view::npos) break;
    rest.remove_prefix(at + 1);
  }
  if (fields.size() != parts + 2 || fields[0] != kVersion) return MalformedPageToken();
  if (fields[1] != ScopeTag(scope)) return Invalid("page_token", "issued for another query");
  return std::optional<std::vector<std::string>>(
      std::vector<std::string>(fields.begin() + 2, fields.end()));
}

absl::Status MalformedPageToken() {
  return Invalid("page_token", "malformed");
}

}  // namespace pasar::request
