#include "domain/calendar.h"

#include <cstdio>

#include "pasar/request/fields.h"

namespace pasar::reporting {
namespace {

bool Digits(std::string_view s) {
  for (char c : s) {
    if (c < '0' || c > '9') return false;
  }
  return !s.empty();
}

int Number(std::string_view s) {
  int n = 0;
  for (char c : s)
    n = n * 10 + (c - '0');
  return n;
}

}  // namespace

std::optional<absl::CivilDay> ParseDate(std::string_view text) {
  if (text.size() != 10 || text[4] != '-' || text[7] != '-') return std::nullopt;
  const std::string_view y = text.substr(0, 4), m = text.substr(5, 2), d = text.substr(8, 2);
  if (!Digits(y) || !Digits(m) || !Digits(d)) return std::nullopt;
  const absl::CivilDay day(Number(y), Number(m), Number(d));
  // CivilDay normalises 2026-02-30 to 2026-03-02: a date that moved did not exist.
  if (day.year() != Number(y) || day.month() != Number(m) || day.day() != Number(d)) {
    return std::nullopt;
  }
  return day;
}

std::string FormatDate(absl::CivilDay day) {
  char buffer[16];
  std::snprintf(buffer, sizeof buffer, "%04d-%02d-%02d", static_cast<int>(day.year()), day.month(),
                day.day());
  return buffer;
}

std::string FormatMonth(absl::CivilDay day) {
  return FormatDate(day).substr(0, 7);
}

absl::StatusOr<DateRange> ParseRange(std::string_view from_field, std::string_view from,
                                     std::string_view to_field, std::string_view to) {
  if (from.empty()) return request::Invalid(from_field, "is required");
  const std::optional<absl::CivilDay> first = ParseDate(from);
  if (!first) return request::Invalid(from_field, "must be a date YYYY-MM-DD");
  if (to.empty()) return request::Invalid(to_field, "is required");
  const std::optional<absl::CivilDay> last = ParseDate(to);
  if (!last) return request::Invalid(to_field, "must be a date YYYY-MM-DD");
  if (*last < *first)
    return request::Invalid(to_field, "must not be before " + std::string(from_field));
  if (*last - *first >= kMaxRangeDays) {
    return request::Invalid(
        to_field, "the range may span at most " + std::to_string(kMaxRangeDays) + " days");
  }
  return DateRange{*first, *last};
}

absl::CivilDay LocalDay(absl::Time t, absl::TimeZone zone) {
  return absl::ToCivilDay(t, zone);
}

absl::Time StartOf(absl::CivilDay day, absl::TimeZone zone) {
  return absl::FromCivil(day, zone);
}

}  // namespace pasar::reporting
