#include "pasar/validate/validate.h"

#include <string>

#include <google/protobuf/descriptor.h>

#include "pasar/ids/ids.h"

namespace pasar::validate {

absl::Status InvalidField(std::string_view field, std::string_view why) {
  std::string message(field);
  message.append(": ").append(why);
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

absl::Status CheckRequestId(std::string_view field, std::string_view value) {
  if (value.empty()) return InvalidField(field, "is required");
  if (value.size() > kMaxRequestIdChars) {
    return InvalidField(field,
                        "must be at most " + std::to_string(kMaxRequestIdChars) + " characters");
  }
  for (char c : value) {
    if (c < 0x21 || c > 0x7E) return InvalidField(field, "must be printable ASCII without spaces");
  }
  return absl::OkStatus();
}

absl::Status CheckUuid(std::string_view field, std::string_view value) {
  if (value.empty()) return InvalidField(field, "is required");
  if (!ids::IsUuid(value)) return InvalidField(field, "must be a UUID");
  return absl::OkStatus();
}

absl::Status CheckOptionalUuid(std::string_view field, std::string_view value) {
  if (value.empty()) return absl::OkStatus();
  return CheckUuid(field, value);
}

absl::Status CheckText(std::string_view field, std::string_view value, size_t max_chars) {
  if (value.empty()) return InvalidField(field, "is required");
  const int64_t length = Utf8Length(value);
  if (length < 0) return InvalidField(field, "must be valid UTF-8");
  if (static_cast<size_t>(length) > max_chars) {
    return InvalidField(field, "must be at most " + std::to_string(max_chars) + " characters");
  }
  bool blank = true;
  for (char c : value) {
    const auto u = static_cast<unsigned char>(c);
    if (u < 0x20 || u == 0x7F) return InvalidField(field, "must not contain control characters");
    if (c != ' ') blank = false;
  }
  if (blank) return InvalidField(field, "must not be blank");
  return absl::OkStatus();
}

absl::Status CheckOptionalText(std::string_view field, std::string_view value, size_t max_chars) {
  if (value.empty()) return absl::OkStatus();
  return CheckText(field, value, max_chars);
}

absl::Status CheckRange(std::string_view field, int64_t value, int64_t min, int64_t max) {
  if (value < min || value > max) {
    return InvalidField(field, "must be in " + std::to_string(min) + ".." + std::to_string(max));
  }
  return absl::OkStatus();
}

absl::Status CheckEnum(std::string_view field, int value,
                       const google::protobuf::EnumDescriptor* type, bool required) {
  if (type->FindValueByNumber(value) == nullptr) {
    return InvalidField(field, "unknown value " + std::to_string(value));
  }
  if (required && value == 0) return InvalidField(field, "is required");
  return absl::OkStatus();
}

}  // namespace pasar::validate
