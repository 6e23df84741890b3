// Field checks of the services' requests, one piece of code for every service. Each returns OK or
// INVALID_ARGUMENT whose message starts with the field path ("lines[2].quantity: must be > 0"),
// so an adapter answers before anything is read or written (docs/conventions.md, "Errors").
// Pure: no I/O, no service types.
//
//   if (absl::Status s = request::FirstError({request::CheckUuid("order_id", req.order_id()),
//                                             request::CheckLength("note", req.note(), 0, 200)});
//       !s.ok()) return s;
//   absl::StatusOr<int> limit = request::PageSize(req.page_size());   // 0 -> 50, > 100 -> 100
//
// Lengths are counted in characters (Unicode code points of valid UTF-8), never bytes.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <string_view>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace pasar::request {

inline constexpr size_t kMaxRequestIdChars = 128;
inline constexpr int kDefaultPageSize = 50;
inline constexpr int kMaxPageSize = 100;

// INVALID_ARGUMENT "<field>: <why>", the shape of every validation error.
absl::Status Invalid(std::string_view field, std::string_view why);

// The first non-OK status of `checks` (evaluated in order), or OK.
absl::Status FirstError(std::initializer_list<absl::Status> checks);

// Number of Unicode code points in `s`, or -1 when `s` is not valid UTF-8 (truncated or overlong
// sequences, surrogates, values beyond U+10FFFF).
int64_t Utf8Length(std::string_view s);

// The idempotency key of a mutation (field "request_id"): 1..128 characters of printable ASCII
// without spaces (the same alphabet as the x-request-id metadata).
absl::Status CheckRequestId(std::string_view value);

// A required UUID (pasar::ids::IsUuid: hex digits of either case): "is required" when empty,
// "must be a UUID" otherwise.
absl::Status CheckUuid(std::string_view field, std::string_view value);

// `min_chars`..`max_chars` characters, nothing else checked (free text such as notes and
// addresses, or identifiers that are not UUIDs). "is required" when empty and min_chars > 0.
absl::Status CheckLength(std::string_view field, std::string_view value, size_t min_chars,
                         size_t max_chars);

// A required human text (names): valid UTF-8, 1..max_chars characters, not only spaces, no
// control characters.
absl::Status CheckText(std::string_view field, std::string_view value, size_t max_chars);
// An optional human text: empty, or as CheckText.
absl::Status CheckOptionalText(std::string_view field, std::string_view value, size_t max_chars);

// A value within [min, max] (inclusive): "must be in min..max" otherwise.
absl::Status CheckRange(std::string_view field, int64_t value, int64_t min, int64_t max);

// Exactly `digits` decimal digits (pickup codes, PINs): "must be N digits" otherwise.
absl::Status CheckDigits(std::string_view field, std::string_view value, int digits);

// The page size of a list request ("page_size"): 0 means kDefaultPageSize, above kMaxPageSize
// means kMaxPageSize, negative is INVALID_ARGUMENT.
absl::StatusOr<int> PageSize(int32_t requested);

}  // namespace pasar::request
