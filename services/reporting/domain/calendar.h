// Local calendar dates of the markets and the periods reports group them by. Pure.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "absl/time/civil_time.h"
#include "absl/time/time.h"

namespace pasar::reporting {

// A date range of a request, both ends inclusive.
struct DateRange {
  absl::CivilDay from;
  absl::CivilDay to;
  bool Contains(absl::CivilDay day) const { return from <= day && day <= to; }
};

inline constexpr int kMaxRangeDays = 366;

// "2026-12-03" -> the day; nullopt for anything else (other shapes, 2026-02-30, ...).
std::optional<absl::CivilDay> ParseDate(std::string_view text);
// The day as "YYYY-MM-DD".
std::string FormatDate(absl::CivilDay day);
// The day's month as "YYYY-MM".
std::string FormatMonth(absl::CivilDay day);

// from_date..to_date of a request: INVALID_ARGUMENT naming `from_field` / `to_field` when a date
// is missing or malformed, when to is before from, or when the range spans more than
// kMaxRangeDays days.
absl::StatusOr<DateRange> ParseRange(std::string_view from_field, std::string_view from,
                                     std::string_view to_field, std::string_view to);

// The local day of `t` in `zone`.
absl::CivilDay LocalDay(absl::Time t, absl::TimeZone zone);
// The instants [start of range.from, start of range.to + 1 day) in `zone`.
absl::Time StartOf(absl::CivilDay day, absl::TimeZone zone);

}  // namespace pasar::reporting
