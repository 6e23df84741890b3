// Pricing of an order: goods, delivery fee from the market's fee scheme, service fee. Pure.
//
// Money is whole rupiah (int64), never floating point. The only floating-point step is the
// distance: the haversine distance market -> drop-off (libs/geo) times the road factor, rounded
// to the nearest whole metre once (pasar.inventory.v1.FeeScheme); everything after that is
// integer arithmetic.
//
// Rounding rule (the contract of pasar.inventory.v1.FeeKind): distance is billed per STARTED
// kilometre, billed_km = ceil(metres / 1000):
//   FLAT             fee = flat_fee_idr
//   PER_KM           fee = per_km_idr * max(1, ceil(road_m / 1000))
//   BASE_PLUS_PER_KM fee = base_fee_idr + per_km_idr * ceil(max(0, road_m - base_m) / 1000)
// The service fee is the market's flat service_fee_idr per order.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "pasar/geo/geo.h"

namespace pasar::order::domain {

inline constexpr int64_t kDefaultRoadFactorPermille = 1300;

enum class FeeKind {
  kFlat,           // flat_fee_idr whatever the distance
  kPerKm,          // per_km_idr for every started km, at least one
  kBasePlusPerKm,  // base_fee_idr covers the first base_distance_m, per_km_idr per started km after
};

// A market's delivery pricing, as configured by its operator (inventory owns it).
struct FeeScheme {
  FeeKind kind = FeeKind::kFlat;
  int64_t flat_fee_idr = 0;
  int64_t per_km_idr = 0;
  int64_t base_fee_idr = 0;
  int64_t base_distance_m = 0;
  // Roads are this many thousandths of the straight line (1300 = 1.3x).
  int64_t road_factor_permille = kDefaultRoadFactorPermille;
  // Service (platform) fee per order, whole rupiah.
  int64_t service_fee_idr = 0;
  // Deliveries farther than this road distance are refused (0 = no limit).
  int64_t max_distance_m = 0;
};

// Road distance in whole metres: round(haversine(market, drop_off) * permille / 1000).
int64_t RoadDistanceMeters(geo::LatLng market, geo::LatLng drop_off, int64_t road_factor_permille);

// Started kilometres: ceil(meters / 1000), 0 for meters <= 0.
int64_t BilledKilometres(int64_t meters);

// The delivery fee for a road distance, or nullopt when it exceeds scheme.max_distance_m.
std::optional<int64_t> DeliveryFee(const FeeScheme& scheme, int64_t road_distance_m);

// A priced cart line (price from the catalog for a quote, from the reservation at PlaceOrder).
struct PricedLine {
  std::string product_id;
  std::string stall_id;
  int64_t quantity = 0;
  int64_t unit_price_idr = 0;
  int64_t LineTotal() const { return quantity * unit_price_idr; }
};

struct StallSubtotal {
  std::string stall_id;
  int64_t goods_total_idr = 0;
};

struct Totals {
  int64_t goods_total_idr = 0;
  int64_t delivery_fee_idr = 0;
  int64_t service_fee_idr = 0;
  // What the customer pays the courier: goods + delivery + service.
  int64_t total_idr() const { return goods_total_idr + delivery_fee_idr + service_fee_idr; }
};

struct Quote {
  bool in_range = false;  // false: beyond the market's maximum distance (no fee)
  int64_t road_distance_m = 0;
  Totals totals;
  std::vector<StallSubtotal> stalls;  // in order of first appearance in the cart
};

// Prices a cart. The caller has validated the lines (quantities > 0, one market).
Quote PriceCart(const FeeScheme& scheme, std::span<const PricedLine> lines, geo::LatLng market,
                geo::LatLng drop_off);

// Totals after the traders' decisions: the accepted goods, the same delivery and service fees.
Totals RecomputeTotals(const Totals& placed, int64_t accepted_goods_total_idr);

}  // namespace pasar::order::domain
