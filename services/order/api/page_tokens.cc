#include "api/page_tokens.h"

#include "absl/strings/numbers.h"
#include "pasar/ids/ids.h"
#include "pasar/request/page_token.h"

namespace pasar::order {

absl::StatusOr<std::optional<store::Cursor>> CursorOf(const google::protobuf::Message& request,
                                                      const std::string& token) {
  auto position = request::DecodePageToken(token, request::ListScope(request), 2);
  if (!position.ok()) return position.status();
  if (!position->has_value()) return std::optional<store::Cursor>();
  const std::vector<std::string>& parts = **position;
  store::Cursor cursor;
  if (!absl::SimpleAtoi(parts[0], &cursor.created_micros) || !ids::IsUuid(parts[1])) {
    return request::MalformedPageToken();
  }
  cursor.id = parts[1];
  return std::optional<store::Cursor>(std::move(cursor));
}

std::string TokenOf(const google::protobuf::Message& request, const store::Cursor& cursor) {
  return request::EncodePageToken(request::ListScope(request),
                                  {std::to_string(cursor.created_micros), cursor.id});
}

}  // namespace pasar::order
