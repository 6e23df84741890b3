// Page tokens of the list RPCs, one codec for every service. A token says where the next page
// starts (the keyset position of the previous page's last row, as a few strings) and is bound to
// the query it came from, so a token sent with other filters is refused instead of paging through
// another list. Opaque to clients: base64url of a version, a tag of the scope and the position.
//
//   const std::string scope = request::ListScope(req);           // the request's filters
//   absl::StatusOr<std::optional<std::vector<std::string>>> after =
//       request::DecodePageToken(req.page_token(), scope, 2);      // nullopt: the first page
//   ... resp.set_next_page_token(request::EncodePageToken(scope, {micros, last_id}));
//
// Errors are INVALID_ARGUMENT "page_token: malformed" (not a token, or not `parts` parts) and
// "page_token: issued for another query" (the scope differs).
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace google::protobuf {
class Message;
}

namespace pasar::request {

// The scope of a list request: the request serialized deterministically without its page_size
// and page_token fields, i.e. its filters.
std::string ListScope(const google::protobuf::Message& request);

// The token of `position` (any bytes but NUL in each part) within `scope`.
std::string EncodePageToken(std::string_view scope, const std::vector<std::string>& position);

// nullopt for an empty token (the first page), else the `parts` strings of the position.
absl::StatusOr<std::optional<std::vector<std::string>>> DecodePageToken(std::string_view token,
                                                                        std::string_view scope,
                                                                        size_t parts);

// INVALID_ARGUMENT "page_token: malformed", for a position whose parts do not parse.
absl::Status MalformedPageToken();

}  // namespace pasar::request
