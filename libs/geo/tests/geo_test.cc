#include "pasar/geo/geo.h"

#include <catch2/catch.hpp>
#include <cmath>
#include <limits>
#include <numbers>
#include <random>

namespace geo = pasar::geo;

namespace {

// Pasar Baru Lumajang, East Java.
constexpr geo::LatLng kLumajangMarket{-8.1335, 113.2248};
constexpr double kMetersPerDegreeLat = geo::kEarthRadiusMeters * std::numbers::pi / 180.0;

}  // namespace

TEST_CASE("Valid accepts the ranges and refuses the rest") {
  CHECK(geo::Valid({0, 0}));
  CHECK(geo::Valid({-90, -180}));
  CHECK(geo::Valid({90, 180}));
  CHECK(geo::Valid(kLumajangMarket));
  CHECK_FALSE(geo::Valid({90.0001, 0}));
  CHECK_FALSE(geo::Valid({-90.0001, 0}));
  CHECK_FALSE(geo::Valid({0, 180.0001}));
  CHECK_FALSE(geo::Valid({0, -180.0001}));
  CHECK_FALSE(geo::Valid({std::numeric_limits<double>::quiet_NaN(), 0}));
  CHECK_FALSE(geo::Valid({0, std::numeric_limits<double>::infinity()}));
}

TEST_CASE("DistanceMeters matches known distances") {
  // A point 1 km due north and 1 km due east of the Lumajang market.
  const geo::LatLng north{kLumajangMarket.lat + 1000.0 / kMetersPerDegreeLat, kLumajangMarket.lng};
  CHECK(geo::DistanceMeters(kLumajangMarket, north) == Approx(1000.0).epsilon(0.005));
  const double cos_lat = std::cos(kLumajangMarket.lat * std::numbers::pi / 180.0);
  const geo::LatLng east{kLumajangMarket.lat,
                         kLumajangMarket.lng + 1000.0 / (kMetersPerDegreeLat * cos_lat)};
  CHECK(geo::DistanceMeters(kLumajangMarket, east) == Approx(1000.0).epsilon(0.005));

  // Exact values on the sphere: a quarter of the equator, half a meridian, antipodes.
  const double quarter = geo::kEarthRadiusMeters * std::numbers::pi / 2;
  CHECK(geo::DistanceMeters({0, 0}, {0, 90}) == Approx(quarter).epsilon(1e-9));
  CHECK(geo::DistanceMeters({-90, 0}, {90, 0}) == Approx(2 * quarter).epsilon(1e-9));
  // Haversine loses about sqrt(machine epsilon) at the antipodes: 1e-7 is 2 m here.
  CHECK(geo::DistanceMeters({10, 20}, {-10, -160}) == Approx(2 * quarter).epsilon(1e-7));
  // Across the antimeridian the short way round.
  CHECK(geo::DistanceMeters({0, 179.5}, {0, -179.5}) == Approx(kMetersPerDegreeLat).epsilon(1e-9));
  // Symmetric, zero on the same point.
  CHECK(geo::DistanceMeters(kLumajangMarket, kLumajangMarket) == 0.0);
  CHECK(geo::DistanceMeters(kLumajangMarket, north) == geo::DistanceMeters(north, kLumajangMarket));
}

TEST_CASE("BoxAround is tight around a circle away from poles") {
  const geo::BoundingBox box = geo::BoxAround(kLumajangMarket, 5000);
  CHECK((box.max_lat - box.min_lat) * kMetersPerDegreeLat == Approx(10000).epsilon(0.001));
  CHECK(box.Contains(kLumajangMarket));
  CHECK_FALSE(box.Contains({kLumajangMarket.lat + 0.05, kLumajangMarket.lng}));
  CHECK_FALSE(box.Contains({kLumajangMarket.lat, kLumajangMarket.lng - 0.05}));
  CHECK(box.min_lng < box.max_lng);
}

TEST_CASE("BoxAround handles poles and the antimeridian") {
  const geo::BoundingBox polar = geo::BoxAround({89.99, 10}, 5000);
  CHECK(polar.max_lat == 90.0);
  CHECK(polar.min_lng == -180.0);
  CHECK(polar.max_lng == 180.0);
  CHECK(polar.Contains({89.995, -170}));  // over the pole, 1.7 km away

  const geo::BoundingBox south = geo::BoxAround({-89.99, 0}, 5000);
  CHECK(south.min_lat == -90.0);
  CHECK(south.Contains({-89.995, 179}));

  const geo::BoundingBox dateline = geo::BoxAround({-17.7, 179.99}, 10000);
  CHECK(dateline.min_lng == -180.0);
  CHECK(dateline.max_lng == 180.0);
  CHECK(dateline.Contains({-17.7, -179.98}));

  const geo::BoundingBox zero = geo::BoxAround(kLumajangMarket, -1);
  CHECK(zero.Contains(kLumajangMarket));
}

TEST_CASE("Every random point within the radius lies in the box") {
  std::mt19937_64 rng(20240501);
  std::uniform_real_distribution<double> lat_dist(-89.9, 89.9);
  std::uniform_real_distribution<double> lng_dist(-180, 180);
  std::uniform_real_distribution<double> radius_dist(10, 50000);
  std::uniform_real_distribution<double> unit(-1, 1);
  int inside = 0;
  int outside_in_box = 0;
  for (int i = 0; i < 2000; ++i) {
    const geo::LatLng center{lat_dist(rng), lng_dist(rng)};
    const double radius = radius_dist(rng);
    const geo::BoundingBox box = geo::BoxAround(center, radius);
    const double dlat = 1.5 * radius / kMetersPerDegreeLat;
    for (int j = 0; j < 50; ++j) {
      const double lng_scale = std::max(std::cos(center.lat * std::numbers::pi / 180.0), 1e-3);
      geo::LatLng p{center.lat + dlat * unit(rng), center.lng + dlat / lng_scale * unit(rng)};
      if (!geo::Valid(p)) continue;
      if (geo::DistanceMeters(center, p) <= radius) {
        ++inside;
        REQUIRE(box.Contains(p));
      } else if (box.Contains(p)) {
        ++outside_in_box;
      }
    }
    REQUIRE(box.Contains(center));
  }
  CHECK(inside > 10000);
  CHECK(outside_in_box > 0);  // a box is a pre-filter, it over-approximates the corners
}
