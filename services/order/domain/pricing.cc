#include "domain/pricing.h"

#include <algorithm>
#include <cmath>

namespace pasar::order::domain {

int64_t RoadDistanceMeters(geo::LatLng market, geo::LatLng drop_off, int64_t road_factor_permille) {
  const double meters =
      geo::DistanceMeters(market, drop_off) * static_cast<double>(road_factor_permille) / 1000.0;
  return std::llround(meters);
}

int64_t BilledKilometres(int64_t meters) {
  return meters <= 0 ? 0 : (meters + 999) / 1000;
}

std::optional<int64_t> DeliveryFee(const FeeScheme& scheme, int64_t road_distance_m) {
  if (scheme.max_distance_m > 0 && road_distance_m > scheme.max_distance_m) return std::nullopt;
  switch (scheme.kind) {
    case FeeKind::kFlat:
      return scheme.flat_fee_idr;
    case FeeKind::kPerKm:
      return scheme.per_km_idr * std::max<int64_t>(1, BilledKilometres(road_distance_m));
    case FeeKind::kBasePlusPerKm:
      return scheme.base_fee_idr +
             scheme.per_km_idr * BilledKilometres(road_distance_m - scheme.base_distance_m);
  }
  return std::nullopt;
}

Quote PriceCart(const FeeScheme& scheme, std::span<const PricedLine> lines, geo::LatLng market,
                geo::LatLng drop_off) {
  Quote quote;
  for (const PricedLine& line : lines) {
    quote.totals.goods_total_idr += line.LineTotal();
    auto it = std::find_if(quote.stalls.begin(), quote.stalls.end(),
                           [&](const StallSubtotal& s) { return s.stall_id == line.stall_id; });
    if (it == quote.stalls.end()) {
      quote.stalls.push_back({line.stall_id, 0});
      it = quote.stalls.end() - 1;
    }
    it->goods_total_idr += line.LineTotal();
  }
  const int64_t permille =
      scheme.road_factor_permille > 0 ? scheme.road_factor_permille : kDefaultRoadFactorPermille;
  quote.road_distance_m = RoadDistanceMeters(market, drop_off, permille);
  const std::optional<int64_t> fee = DeliveryFee(scheme, quote.road_distance_m);
  quote.in_range = fee.has_value();
  quote.totals.delivery_fee_idr = fee.value_or(0);
  quote.totals.service_fee_idr = scheme.service_fee_idr;
  return quote;
}

Totals RecomputeTotals(const Totals& placed, int64_t accepted_goods_total_idr) {
  Totals totals = placed;
  totals.goods_total_idr = accepted_goods_total_idr;
  return totals;
}

}  // namespace pasar::order::domain
