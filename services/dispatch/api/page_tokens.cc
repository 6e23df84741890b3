#include "api/page_tokens.h"

#include "absl/strings/numbers.h"
#include "pasar/ids/ids.h"
#include "pasar/request/page_token.h"

namespace pasar::dispatch::api {

absl::StatusOr<std::optional<store::CourierCursor>> CursorOf(
    const pasar::dispatch::v1::ListCouriersRequest& req) {
  // Position: the distance in whole meters from `near` (0 without it) and the id of the last
  // courier of the previous page.
  auto position = request::DecodePageToken(req.page_token(), request::ListScope(req), 2);
  if (!position.ok()) return position.status();
  if (!position->has_value()) return std::optional<store::CourierCursor>();
  store::CourierCursor after;
  const std::vector<std::string>& parts = **position;
  if (!absl::SimpleAtoi(parts[0], &after.distance_m) || after.distance_m < 0 ||
      !ids::IsUuid(parts[1])) {
    return request::MalformedPageToken();
  }
  after.id = parts[1];
  return std::optional<store::CourierCursor>(std::move(after));
}

std::string TokenOf(const pasar::dispatch::v1::ListCouriersRequest& req,
                    const store::CourierCursor& cursor) {
  return request::EncodePageToken(request::ListScope(req),
                                  {std::to_string(cursor.distance_m), cursor.id});
}

absl::StatusOr<std::optional<store::JobCursor>> CursorOf(
    const pasar::dispatch::v1::ListJobsRequest& req) {
  // Position: created_at in unix microseconds and the id of the last job of the previous page.
  auto position = request::DecodePageToken(req.page_token(), request::ListScope(req), 2);
  if (!position.ok()) return position.status();
  if (!position->has_value()) return std::optional<store::JobCursor>();
  store::JobCursor after;
  const std::vector<std::string>& parts = **position;
  if (!absl::SimpleAtoi(parts[0], &after.created_at_us) || parts[1].empty()) {
    return request::MalformedPageToken();
  }
  after.id = parts[1];
  return std::optional<store::JobCursor>(std::move(after));
}

std::string TokenOf(const pasar::dispatch::v1::ListJobsRequest& req,
                    const store::JobCursor& cursor) {
  return request::EncodePageToken(request::ListScope(req),
                                  {std::to_string(cursor.created_at_us), cursor.id});
}

}  // namespace pasar::dispatch::api
