#include "domain/validation.h"

#include "domain/schedule.h"
#include "pasar/geo/geo.h"

namespace pasar::inventory {

absl::Status CheckPrice(std::string_view field, int64_t price_idr) {
  if (price_idr <= 0) return request::Invalid(field, "must be > 0");
  if (price_idr > kMaxPriceIdr)
    return request::Invalid(field, "must be <= " + std::to_string(kMaxPriceIdr));
  return absl::OkStatus();
}

absl::Status CheckQuantity(std::string_view field, int64_t quantity) {
  if (quantity <= 0) return request::Invalid(field, "must be > 0");
  if (quantity > kMaxReserveQuantity) {
    return request::Invalid(field, "must be <= " + std::to_string(kMaxReserveQuantity));
  }
  return absl::OkStatus();
}

absl::Status CheckLatLng(std::string_view field, double lat, double lng) {
  if (!geo::Valid({lat, lng})) {
    return request::Invalid(field, "must have latitude in -90..90 and longitude in -180..180");
  }
  return absl::OkStatus();
}

absl::Status CheckTimeZone(std::string_view field, std::string_view name) {
  if (name.empty()) return request::Invalid(field, "is required");
  if (name.size() > kMaxTimeZoneChars || name == "localtime" || !LoadZone(name))
    return request::Invalid(field, "is not a known IANA time zone");
  return absl::OkStatus();
}

}  // namespace pasar::inventory
