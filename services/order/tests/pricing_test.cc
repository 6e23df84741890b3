#include <catch2/catch.hpp>

#include <vector>

#include "domain/pricing.h"

namespace d = pasar::order::domain;

namespace {
// Lumajang's Pasar Baru and points roughly north of it (1 degree of latitude ~ 111.195 km).
constexpr pasar::geo::LatLng kMarket{-8.1335, 113.2248};
pasar::geo::LatLng North(double meters) {
  return {kMarket.lat + meters / 111194.93, kMarket.lng};
}
}  // namespace

TEST_CASE("road distance is the haversine distance times the road factor to the metre") {
  CHECK(d::RoadDistanceMeters(kMarket, kMarket, 1300) == 0);
  CHECK(d::RoadDistanceMeters(kMarket, North(1000), 1000) == 1000);
  CHECK(d::RoadDistanceMeters(kMarket, North(1000), 1300) == 1300);
  CHECK(d::RoadDistanceMeters(kMarket, North(2000), 1500) == 3000);
}

TEST_CASE("billed kilometres are started kilometres") {
  CHECK(d::BilledKilometres(0) == 0);
  CHECK(d::BilledKilometres(-5) == 0);
  CHECK(d::BilledKilometres(1) == 1);
  CHECK(d::BilledKilometres(1000) == 1);
  CHECK(d::BilledKilometres(1001) == 2);
}

TEST_CASE("delivery fee per fee kind") {
  d::FeeScheme flat{.kind = d::FeeKind::kFlat, .flat_fee_idr = 8000};
  CHECK(d::DeliveryFee(flat, 0) == 8000);
  CHECK(d::DeliveryFee(flat, 25000) == 8000);

  d::FeeScheme per_km{.kind = d::FeeKind::kPerKm, .per_km_idr = 2500};
  CHECK(d::DeliveryFee(per_km, 0) == 2500);  // at least one kilometre
  CHECK(d::DeliveryFee(per_km, 1000) == 2500);
  CHECK(d::DeliveryFee(per_km, 1001) == 5000);
  CHECK(d::DeliveryFee(per_km, 4300) == 12500);

  d::FeeScheme base{.kind = d::FeeKind::kBasePlusPerKm,
                    .per_km_idr = 2000,
                    .base_fee_idr = 5000,
                    .base_distance_m = 3000};
  CHECK(d::DeliveryFee(base, 0) == 5000);
  CHECK(d::DeliveryFee(base, 3000) == 5000);
  CHECK(d::DeliveryFee(base, 3001) == 7000);
  CHECK(d::DeliveryFee(base, 5500) == 11000);
}

TEST_CASE("beyond the maximum distance there is no fee") {
  d::FeeScheme flat{.kind = d::FeeKind::kFlat, .flat_fee_idr = 8000, .max_distance_m = 10000};
  CHECK(d::DeliveryFee(flat, 10000) == 8000);
  CHECK_FALSE(d::DeliveryFee(flat, 10001).has_value());
}

TEST_CASE("a cart is priced per stall with fees") {
  d::FeeScheme scheme{.kind = d::FeeKind::kPerKm,
                      .per_km_idr = 3000,
                      .road_factor_permille = 1300,
                      .service_fee_idr = 1000,
                      .max_distance_m = 20000};
  const std::vector<d::PricedLine> lines = {
      {"p1", "s1", 2, 15000}, {"p2", "s2", 1, 4000}, {"p3", "s1", 3, 500}};
  const d::Quote q = d::PriceCart(scheme, lines, kMarket, North(2000));
  CHECK(q.in_range);
  CHECK(q.road_distance_m == 2600);
  CHECK(q.totals.goods_total_idr == 30000 + 4000 + 1500);
  CHECK(q.totals.delivery_fee_idr == 9000);
  CHECK(q.totals.service_fee_idr == 1000);
  CHECK(q.totals.total_idr() == 35500 + 9000 + 1000);
  REQUIRE(q.stalls.size() == 2);
  CHECK(q.stalls[0].stall_id == "s1");
  CHECK(q.stalls[0].goods_total_idr == 31500);
  CHECK(q.stalls[1].stall_id == "s2");
  CHECK(q.stalls[1].goods_total_idr == 4000);

  const d::Quote far = d::PriceCart(scheme, lines, kMarket, North(16000));
  CHECK_FALSE(far.in_range);

  scheme.road_factor_permille = 0;  // the default 1.3
  CHECK(d::PriceCart(scheme, lines, kMarket, North(2000)).road_distance_m == 2600);
}

TEST_CASE("totals after acceptance keep the fees") {
  d::Totals placed{50000, 9000, 1000};
  const d::Totals after = d::RecomputeTotals(placed, 42000);
  CHECK(after.goods_total_idr == 42000);
  CHECK(after.delivery_fee_idr == 9000);
  CHECK(after.service_fee_idr == 1000);
  CHECK(after.total_idr() == 52000);
}
