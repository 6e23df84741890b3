#include "domain/schedule.h"

#include "absl/time/civil_time.h"

namespace pasar::inventory {

absl::Status ValidateHours(std::string_view field, const std::vector<DayHours>& hours) {
  if (hours.size() > kMaxIntervals) {
    return absl::InvalidArgumentError(std::string(field) + ": at most " +
                                      std::to_string(kMaxIntervals) + " intervals");
  }
  for (size_t i = 0; i < hours.size(); ++i) {
    const DayHours& h = hours[i];
    const std::string at = std::string(field) + "[" + std::to_string(i) + "]";
    if (h.weekday < 1 || h.weekday > 7) {
      return absl::InvalidArgumentError(
          at + ".weekday: must be an ISO weekday 1 (Monday) .. 7 (Sunday)");
    }
    if (h.open_minute < 0 || h.open_minute >= kMinutesPerDay) {
      return absl::InvalidArgumentError(at + ".open_minute: must be in 0.." +
                                        std::to_string(kMinutesPerDay - 1));
    }
    if (h.close_minute <= h.open_minute || h.close_minute > kMinutesPerDay) {
      return absl::InvalidArgumentError(at +
                                        ".close_minute: must be after open_minute and at most " +
                                        std::to_string(kMinutesPerDay));
    }
    for (size_t j = 0; j < i; ++j) {
      const DayHours& o = hours[j];
      if (o.weekday == h.weekday && h.open_minute < o.close_minute &&
          o.open_minute < h.close_minute) {
        return absl::InvalidArgumentError(at + ": overlaps " + std::string(field) + "[" +
                                          std::to_string(j) + "] on the same weekday");
      }
    }
  }
  return absl::OkStatus();
}

std::optional<absl::TimeZone> LoadZone(std::string_view name) {
  if (name.empty()) return std::nullopt;
  absl::TimeZone zone;
  if (!absl::LoadTimeZone(std::string(name), &zone)) return std::nullopt;
  return zone;
}

LocalMinute ToLocalMinute(absl::Time t, absl::TimeZone zone) {
  const absl::CivilSecond local = absl::ToCivilSecond(t, zone);
  // absl::Weekday runs monday = 0 … sunday = 6.
  const int weekday = static_cast<int>(absl::GetWeekday(local)) + 1;
  return {weekday, local.hour() * 60 + local.minute()};
}

bool IsOpen(const std::vector<DayHours>& hours, absl::TimeZone zone, absl::Time t) {
  const LocalMinute now = ToLocalMinute(t, zone);
  for (const DayHours& h : hours) {
    if (h.weekday == now.weekday && h.open_minute <= now.minute && now.minute < h.close_minute) {
      return true;
    }
  }
  return false;
}

}  // namespace pasar::inventory
