// The dispatch service's own field checks (the generic ones are pasar::request's,
// pasar/request/fields.h). Each returns OK or INVALID_ARGUMENT "<field>: why".
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include <google/protobuf/timestamp.pb.h>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "pasar/common/v1/geo.pb.h"

namespace pasar::dispatch::api {

// Identifiers that are not UUIDs here (subjects, job and ticket ids as the contract allows):
// 1..128 characters.
inline constexpr size_t kMaxIdChars = 128;

// A valid WGS84 point other than (0, 0) (which a client sends when it has none).
absl::Status CheckLatLng(std::string_view field, const common::v1::LatLng& p);
// Within google.protobuf.Timestamp's range (years 1..9999, nanos 0..999,999,999).
bool ValidTimestamp(const google::protobuf::Timestamp& ts);
// An E.164 telephone number ("+6281234567890").
bool IsE164(const std::string& phone);

// A day "YYYY-MM-DD" (field "day") in the IANA zone `time_zone` (field "time_zone"; empty:
// Asia/Jakarta, the towns' zone) as [from, until) unix milliseconds.
struct DayMs {
  int64_t from_ms = 0;
  int64_t until_ms = 0;
};
absl::StatusOr<DayMs> ParseDay(std::string_view day, std::string_view time_zone);

}  // namespace pasar::dispatch::api
