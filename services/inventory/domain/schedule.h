// Opening hours of a market and the "is it open now?" decision, in the market's own time zone.
// Pure: no I/O apart from absl::LoadTimeZone reading the system zoneinfo (tzdata) once per zone.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/time/time.h"

namespace pasar::inventory {

inline constexpr std::string_view kDefaultTimeZone = "Asia/Jakarta";
inline constexpr int kMinutesPerDay = 24 * 60;
inline constexpr size_t kMaxIntervals = 21;  // per market and week

// One trading window of one ISO weekday (1 = Monday … 7 = Sunday), in minutes after local
// midnight: the market is open for local times t with open_minute <= t < close_minute. A market
// that trades 00:00–10:00 has {weekday, 0, 600}; a weekday without an entry is closed.
// Windows never cross midnight (22:00–06:00 is two windows on consecutive days).
struct DayHours {
  int weekday = 0;
  int open_minute = 0;
  int close_minute = 0;
};

// OK, or INVALID_ARGUMENT "<field>[i].<part>: why" when there are more than kMaxIntervals
// intervals, a weekday is outside 1..7, a window is not 0 <= open_minute < close_minute <= 1440,
// or two windows of the same weekday overlap (several windows per weekday are allowed).
absl::Status ValidateHours(std::string_view field, const std::vector<DayHours>& hours);

// The zone named `name` (IANA, e.g. "Asia/Jakarta"), or nullopt when the system does not know it.
// An empty name is not a zone.
std::optional<absl::TimeZone> LoadZone(std::string_view name);

// ISO weekday (1 = Monday … 7 = Sunday) and minute of the day of `t` in `zone`.
struct LocalMinute {
  int weekday = 0;
  int minute = 0;
};
LocalMinute ToLocalMinute(absl::Time t, absl::TimeZone zone);

// Whether a market with `hours` is open at `t`, seen in its time zone `zone`.
bool IsOpen(const std::vector<DayHours>& hours, absl::TimeZone zone, absl::Time t);

}  // namespace pasar::inventory
