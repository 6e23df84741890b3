#include "pasar/request/fields.h"

#include <algorithm>
#include <string>

#include "pasar/ids/ids.h"

namespace pasar::request {

absl::Status Invalid(std::string_view field, std::string_view why) {
  std::string message;
  message.reserve(field.size() + 2 + why.size());
  message.append(field).append(": ").append(why);
  return absl::InvalidArgumentError(message);
}

absl::Status FirstError(std::initializer_list<absl::Status> checks) {
  for (const absl::Status& s : checks) {
    if (!s.ok()) return s;
  }
  return absl::OkStatus();
}

int64_t Utf8Length(std::string_view s) {
  int64_t count = 0;
  size_t i = 0;
  while (i < s.size()) {
    const auto c = static_cast<unsigned char>(s[i]);
    size_t extra = 0;
    uint32_t cp = 0;
    if (c < 0x80) {
      cp = c;
    } else if ((c & 0xE0) == 0xC0) {
      extra = 1;
      cp = c & 0x1F;
    } else if ((c & 0xF0) == 0xE0) {
      extra = 2;
      cp = c & 0x0F;
    } else if ((c & 0xF8) == 0xF0) {
      extra = 3;
      cp = c & 0x07;
    } else {
      return -1;
    }
    if (i + extra >= s.size()) return -1;  // truncated sequence
    for (size_t k = 1; k <= extra; ++k) {
      const auto cc = static_cast<unsigned char>(s[i + k]);
      if ((cc & 0xC0) != 0x80) return -1;
      cp = (cp << 6) | (cc & 0x3F);
    }
    // Overlong forms, surrogates and values beyond U+10FFFF are not UTF-8.
    if ((extra == 1 && cp < 0x80) || (extra == 2 && cp < 0x800) || (extra == 3 && cp < 0x10000) ||
        (cp >= 0xD800 && cp <= 0xDFFF) || cp > 0x10FFFF) {
      return -1;
    }
    i += extra + 1;
    ++count;
  }
  return count;
}

absl::Status CheckRequestId(std::string_view value) {
  constexpr std::string_view kField = "request_id";
  if (value.empty()) return Invalid(kField, "is required");
  if (value.size() > kMaxRequestIdChars) {
    return Invalid(kField, "must be at most " + std::to_string(kMaxRequestIdChars) + " characters");
  }
  for (char c : value) {
    if (c < 0x21 || c > 0x7E) return Invalid(kField, "must be printable ASCII without spaces");
  }
  return absl::OkStatus();
}

absl::Status CheckUuid(std::string_view field, std::string_view value) {
  if (value.empty()) return Invalid(field, "is required");
  if (!ids::IsUuid(value)) return Invalid(field, "must be a UUID");
  return absl::OkStatus();
}

absl::Status CheckLength(std::string_view field, std::string_view value, size_t min_chars,
                         size_t max_chars) {
  if (value.empty() && min_chars > 0) return Invalid(field, "is required");
  const int64_t length = Utf8Length(value);
  if (length < 0) return Invalid(field, "must be valid UTF-8");
  if (static_cast<size_t>(length) < min_chars) {
    return Invalid(field, "must be at least " + std::to_string(min_chars) + " characters");
  }
  if (static_cast<size_t>(length) > max_chars) {
    return Invalid(field, "must be at most " + std::to_string(max_chars) + " characters");
  }
  return absl::OkStatus();
}

absl::Status CheckText(std::string_view field, std::string_view value, size_t max_chars) {
  if (absl::Status s = CheckLength(field, value, 1, max_chars); !s.ok()) return s;
  bool blank = true;
  for (char c : value) {
    const auto u = static_cast<unsigned char>(c);
    if (u < 0x20 || u == 0x7F) return Invalid(field, "must not contain control characters");
    if (c != ' ') blank = false;
  }
  if (blank) return Invalid(field, "must not be blank");
  return absl::OkStatus();
}

absl::Status CheckOptionalText(std::string_view field, std::string_view value, size_t max_chars) {
  if (value.empty()) return absl::OkStatus();
  return CheckText(field, value, max_chars);
}

absl::Status CheckRange(std::string_view field, int64_t value, int64_t min, int64_t max) {
  if (value < min || value > max) {
    return Invalid(field, "must be in " + std::to_string(min) + ".." + std::to_string(max));
  }
  return absl::OkStatus();
}

absl::Status CheckDigits(std::string_view field, std::string_view value, int digits) {
  bool ok = static_cast<int>(value.size()) == digits;
  for (char c : value)
    ok = ok && c >= '0' && c <= '9';
  if (!ok) return Invalid(field, "must be " + std::to_string(digits) + " digits");
  return absl::OkStatus();
}

absl::StatusOr<int> PageSize(int32_t requested) {
  if (requested < 0) return Invalid("page_size", "must be >= 0");
  return requested == 0 ? kDefaultPageSize : std::min<int>(requested, kMaxPageSize);
}

}  // namespace pasar::request
