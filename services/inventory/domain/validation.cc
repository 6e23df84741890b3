#include "domain/validation.h"

#include "domain/schedule.h"
#include "pasar/geo/geo.h"

namespace pasar::inventory {
namespace {

bool IsHex(char c) {
  return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

}  // namespace

absl::Status InvalidField(std::string_view field, std::string_view why) {
  return absl::InvalidArgumentError(std::string(field) + ": " + std::string(why));
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

absl::Status FirstError(std::initializer_list<absl::Status> checks) {
  for (const absl::Status& s : checks) {
    if (!s.ok()) return s;
  }
  return absl::OkStatus();
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

bool IsUuid(std::string_view value) {
  if (value.size() != 36) return false;
  for (size_t i = 0; i < value.size(); ++i) {
    if (i == 8 || i == 13 || i == 18 || i == 23) {
      if (value[i] != '-') return false;
    } else if (!IsHex(value[i])) {
      return false;
    }
  }
  return true;
}

absl::Status CheckUuid(std::string_view field, std::string_view value) {
  if (value.empty()) return InvalidField(field, "is required");
  if (!IsUuid(value)) return InvalidField(field, "must be a UUID");
  return absl::OkStatus();
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
  if (value < min || value > max)
    return InvalidField(field, "must be in " + std::to_string(min) + ".." + std::to_string(max));
  return absl::OkStatus();
}

absl::Status CheckPrice(std::string_view field, int64_t price_idr) {
  if (price_idr <= 0) return InvalidField(field, "must be > 0");
  if (price_idr > kMaxPriceIdr)
    return InvalidField(field, "must be <= " + std::to_string(kMaxPriceIdr));
  return absl::OkStatus();
}

absl::Status CheckQuantity(std::string_view field, int64_t quantity) {
  if (quantity <= 0) return InvalidField(field, "must be > 0");
  if (quantity > kMaxReserveQuantity) {
    return InvalidField(field, "must be <= " + std::to_string(kMaxReserveQuantity));
  }
  return absl::OkStatus();
}

absl::Status CheckLatLng(std::string_view field, double lat, double lng) {
  if (!geo::Valid({lat, lng})) {
    return InvalidField(field, "must have latitude in -90..90 and longitude in -180..180");
  }
  return absl::OkStatus();
}

absl::Status CheckTimeZone(std::string_view field, std::string_view name) {
  if (name.empty()) return InvalidField(field, "is required");
  if (name.size() > kMaxTimeZoneChars || name == "localtime" || !LoadZone(name))
    return InvalidField(field, "is not a known IANA time zone");
  return absl::OkStatus();
}

}  // namespace pasar::inventory
