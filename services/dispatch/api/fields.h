// The dispatch service's own field checks (the generic ones are pasar::request's,
// pasar/request/fields.h). Each returns OK or INVALID_ARGUMENT "<field>: why".
#pragma once

#include <string>
#include <string_view>

#include <google/protobuf/timestamp.pb.h>

#include "absl/status/status.h"
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

}  // namespace pasar::dispatch::api
