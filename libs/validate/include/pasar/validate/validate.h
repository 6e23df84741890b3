// Field checks of requests, shared by every service: each returns OK or INVALID_ARGUMENT whose
// message starts with the field path ("lines[2].quantity: must be > 0"), the shape every Pasar
// error of bad input has (docs/conventions.md, "Errors"). Pure.
//
// (The three services of round 1 each carry their own copy of these checks; this is the one they
// are meant to share.)
#pragma once

#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <string_view>

#include "absl/status/status.h"

namespace google::protobuf {
class EnumDescriptor;
}

namespace pasar::validate {

inline constexpr size_t kMaxRequestIdChars = 128;

// INVALID_ARGUMENT "<field>: <why>".
absl::Status InvalidField(std::string_view field, std::string_view why);

// The first non-OK status of `checks` (evaluated in order), or OK.
absl::Status FirstError(std::initializer_list<absl::Status> checks);

// Required request id: 1..128 characters, printable ASCII without spaces.
absl::Status CheckRequestId(std::string_view field, std::string_view value);
// A required UUID (either case; the edge lower-cases ids before handlers see them).
absl::Status CheckUuid(std::string_view field, std::string_view value);
// An optional UUID: empty, or as CheckUuid.
absl::Status CheckOptionalUuid(std::string_view field, std::string_view value);
// A required human text: valid UTF-8, 1..max_chars characters (code points), not only spaces,
// no control characters.
absl::Status CheckText(std::string_view field, std::string_view value, size_t max_chars);
// An optional human text: empty, or as CheckText.
absl::Status CheckOptionalText(std::string_view field, std::string_view value, size_t max_chars);
// A value within [min, max] (inclusive), with "must be in min..max" otherwise.
absl::Status CheckRange(std::string_view field, int64_t value, int64_t min, int64_t max);
// A value of the protobuf enum `type`: one it defines ("unknown value N" otherwise), and, when
// `required`, not its zero value ("is required").
absl::Status CheckEnum(std::string_view field, int value,
                       const google::protobuf::EnumDescriptor* type, bool required);

// Number of Unicode code points in `s`, or -1 when `s` is not valid UTF-8.
int64_t Utf8Length(std::string_view s);

}  // namespace pasar::validate
