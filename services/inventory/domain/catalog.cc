#include "domain/catalog.h"

#include "pasar/ids/ids.h"
#include "pasar/request/page_token.h"

namespace pasar::inventory {

std::string EncodePageToken(const PageCursor& cursor, std::string_view scope) {
  return request::EncodePageToken(scope, {cursor.id, cursor.name});
}

std::optional<PageCursor> DecodePageToken(std::string_view token, std::string_view scope) {
  const auto position = request::DecodePageToken(token, scope, 2);
  if (!position.ok() || !position->has_value() || !ids::IsUuid((**position)[0])) {
    return std::nullopt;
  }
  return PageCursor{(**position)[1], (**position)[0]};
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
