#include "domain/catalog.h"

#include <cstdint>

#include <vector>

#include "domain/validation.h"
#include "pasar/auth/auth.h"

namespace pasar::inventory {
namespace {

constexpr char kSeparator = '\0';
constexpr std::string_view kVersion = "c1";

// FNV-1a: a short check that the token belongs to the query (not a security measure; tokens
// only say where to continue, never what a caller may see).
std::string ScopeTag(std::string_view scope) {
  uint64_t h = 1469598103934665603ull;
  for (char c : scope) {
    h ^= static_cast<unsigned char>(c);
    h *= 1099511628211ull;
  }
  return std::to_string(h % 1000000007ull);
}

}  // namespace

std::string EncodePageToken(const PageCursor& cursor, std::string_view scope) {
  std::string raw(kVersion);
  for (const std::string& part : {ScopeTag(scope), cursor.id, cursor.name}) {
    raw.push_back(kSeparator);
    raw.append(part);
  }
  return auth::Base64UrlEncode(raw);
}

std::optional<PageCursor> DecodePageToken(std::string_view token, std::string_view scope) {
  if (token.empty() || token.size() > 1024) return std::nullopt;
  const std::optional<std::string> raw = auth::Base64UrlDecode(token);
  if (!raw) return std::nullopt;
  // version, scope tag, id, name (the name is last: it is the only free text).
  std::vector<std::string_view> parts;
  std::string_view rest = *raw;
  while (parts.size() < 3) {
    const size_t at = rest.find(kSeparator);
    if (at == std::string_view::npos) return std::nullopt;
    parts.push_back(rest.substr(0, at));
    rest.remove_prefix(at + 1);
  }
  parts.push_back(rest);
  if (parts.size() != 4 || parts[0] != kVersion || parts[1] != ScopeTag(scope) ||
      !IsUuid(parts[2])) {
    return std::nullopt;
  }
  return PageCursor{std::string(parts[3]), std::string(parts[2])};
}

std::string NormalizeQuery(std::string_view text) {
  std::string out;
  bool space = false;
  for (char c : text) {
    if (c == ' ' || c == '\t' || c == '\r' || c == '\n') {
      space = !out.empty();
      continue;
    }
    if (space) out.push_back(' ');
    space = false;
    out.push_back(c);
  }
  return out;
}

std::string ContainsPattern(std::string_view text) {
  std::string out = "%";
  for (char c : NormalizeQuery(text)) {
    if (c == '%' || c == '_' || c == '\\') out.push_back('\\');
    out.push_back(c);
  }
  out.push_back('%');
  return out;
}

}  // namespace pasar::inventory
