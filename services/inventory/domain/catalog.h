// Pure helpers of the catalog: opaque keyset page tokens and free-text search patterns.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace pasar::inventory {

// Position after the last item of a page ordered by (name, id): the next page starts strictly
// after it. The token is pasar::request's (pasar/request/page_token.h), typed here: opaque to
// clients; `scope` binds it to the query it came from (request::ListScope of the request), so a
// token replayed on another query is refused.
struct PageCursor {
  std::string name;
  std::string id;
};
std::string EncodePageToken(const PageCursor& cursor, std::string_view scope);
// nullopt when the token is empty, malformed or was issued for another scope.
std::optional<PageCursor> DecodePageToken(std::string_view token, std::string_view scope);

// The whitespace-normalised text of a search ("  Cabai   rawit " → "Cabai rawit").
std::string NormalizeQuery(std::string_view text);
// An ILIKE pattern matching names that contain `text` (normalised), with LIKE's special
// characters escaped (escape character '\'): "50%" → "%50\%%".
std::string ContainsPattern(std::string_view text);

}  // namespace pasar::inventory
