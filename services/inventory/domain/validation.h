// The inventory's limits and its own field checks. Each check returns OK or INVALID_ARGUMENT whose
// message starts with the field path ("lines[2].quantity: must be > 0"), so the gRPC adapters
// can answer before anything is written. Pure.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "pasar/request/fields.h"

namespace pasar::inventory {

// Limits of the contract (proto/pasar/inventory/v1/inventory.proto documents each field).
inline constexpr int64_t kMaxPriceIdr = 100'000'000;       // unit price, whole rupiah
inline constexpr int64_t kMaxReserveQuantity = 1'000'000;  // units of one reservation line
inline constexpr int64_t kMaxStock = 1'000'000'000;        // available units of one product
inline constexpr size_t kMaxNameChars = 100;               // markets, stalls, products
inline constexpr size_t kMaxUnitChars = 16;                // sale unit ("kg", "ikat")
inline constexpr size_t kMaxAddressChars = 200;
inline constexpr size_t kMaxNoteChars = 200;     // notes and reasons
inline constexpr size_t kMaxSubjectChars = 128;  // JWT subjects, order ids
inline constexpr size_t kMaxQueryChars = 100;    // free-text product search
inline constexpr size_t kMaxTimeZoneChars = 64;
using request::kDefaultPageSize;  // page sizes are every service's (request::PageSize)
using request::kMaxPageSize;
inline constexpr int kMaxBatchIds = 100;
inline constexpr int kMaxReservationLines = 100;
inline constexpr int kMaxTolerancePercent = 50;
inline constexpr int kMaxPreparationMinutes = 240;
inline constexpr int kMinTraderTimeoutSeconds = 30;
inline constexpr int kMaxTraderTimeoutSeconds = 3600;
inline constexpr int kDefaultTraderTimeoutSeconds = 300;
inline constexpr int kMinDispatchTimeoutSeconds = 60;
inline constexpr int kMaxDispatchTimeoutSeconds = 7200;
inline constexpr int kDefaultDispatchTimeoutSeconds = 900;
inline constexpr int64_t kMinDeliveryMeters = 100;
inline constexpr int64_t kMaxDeliveryMeters = 100'000;
inline constexpr int64_t kMaxFeeIdr = 1'000'000;  // each fee component, service fee
inline constexpr int64_t kMaxBaseMeters = 100'000;
inline constexpr int kMinRoadFactorPermille = 1000;
inline constexpr int kMaxRoadFactorPermille = 3000;
inline constexpr int kDefaultRoadFactorPermille = 1300;
inline constexpr int kMinReservationTtlSeconds = 10;
inline constexpr int kMaxReservationTtlSeconds = 86'400;

// The generic checks (request ids, UUIDs, texts, ranges, page sizes) are pasar::request's
// (pasar/request/fields.h); these are the inventory's own.

// A required name of a market, stall or product (request::CheckText, kMaxNameChars).
inline absl::Status CheckName(std::string_view field, std::string_view value) {
  return request::CheckText(field, value, kMaxNameChars);
}
absl::Status CheckPrice(std::string_view field, int64_t price_idr);    // 1..kMaxPriceIdr
absl::Status CheckQuantity(std::string_view field, int64_t quantity);  // 1..kMaxReserveQuantity
absl::Status CheckLatLng(std::string_view field, double lat, double lng);
// A named IANA zone the system knows ("Asia/Jakarta"); not "localtime", whose meaning would
// depend on the host the service runs on.
absl::Status CheckTimeZone(std::string_view field, std::string_view name);

}  // namespace pasar::inventory
