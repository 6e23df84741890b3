#include "api/fields.h"

#include <regex>

#include <google/protobuf/util/time_util.h>

#include "absl/time/civil_time.h"
#include "absl/time/time.h"
#include "pasar/geo/geo.h"
#include "pasar/request/fields.h"

namespace pasar::dispatch::api {

absl::Status CheckLatLng(std::string_view field, const common::v1::LatLng& p) {
  if (!geo::Valid({p.lat(), p.lng()})) {
    return request::Invalid(field, "must be a valid WGS84 point (lat -90..90, lng -180..180)");
  }
  if (p.lat() == 0 && p.lng() == 0) return request::Invalid(field, "required");
  return absl::OkStatus();
}

bool ValidTimestamp(const google::protobuf::Timestamp& ts) {
  using google::protobuf::util::TimeUtil;
  return ts.seconds() >= TimeUtil::kTimestampMinSeconds &&
         ts.seconds() <= TimeUtil::kTimestampMaxSeconds && ts.nanos() >= 0 &&
         ts.nanos() <= 999'999'999;
}

bool IsE164(const std::string& phone) {
  static const std::regex kE164(R"(\+[1-9][0-9]{6,14})");
  return std::regex_match(phone, kE164);
}

absl::StatusOr<DayMs> ParseDay(std::string_view day, std::string_view time_zone) {
  absl::CivilDay civil;
  if (day.size() != 10 || !absl::ParseCivilTime(std::string(day), &civil)) {
    return request::Invalid("day", "must be YYYY-MM-DD");
  }
  absl::TimeZone zone;
  const std::string name = time_zone.empty() ? "Asia/Jakarta" : std::string(time_zone);
  if (name.size() > 64 || !absl::LoadTimeZone(name, &zone)) {
    return request::Invalid("time_zone", "not an IANA time zone");
  }
  return DayMs{absl::ToUnixMillis(absl::FromCivil(civil, zone)),
               absl::ToUnixMillis(absl::FromCivil(civil + 1, zone))};
}

}  // namespace pasar::dispatch::api
