// The spatial index against a brute-force scan with the same distance function.
#include <catch2/catch.hpp>

#include <algorithm>
#include <map>
#include <random>
#include <string>
#include <vector>

#include "domain/spatial_index.h"

namespace pasar::dispatch {
namespace {

struct Point {
  std::string id;
  Fix fix;
};

// Reference answer: scan every point.
std::vector<std::pair<std::string, double>> BruteForce(const std::map<std::string, Fix>& points,
                                                       geo::LatLng center, double radius_m, int k,
                                                       bool (*eligible)(std::string_view)) {
  std::vector<std::pair<std::string, double>> out;
  for (const auto& [id, fix] : points) {
    const double d = geo::DistanceMeters(center, fix.position);
    if (d <= radius_m && eligible(id)) out.emplace_back(id, d);
  }
  std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) {
    return a.second != b.second ? a.second < b.second : a.first < b.first;
  });
  if (k >= 0 && static_cast<int>(out.size()) > k) out.resize(k);
  return out;
}

std::vector<std::pair<std::string, double>> Flatten(const std::vector<SpatialIndex::Hit>& hits) {
  std::vector<std::pair<std::string, double>> out;
  for (const auto& h : hits)
    out.emplace_back(std::string(h.id), h.distance_m);
  return out;
}

bool EveryThird(std::string_view id) {
  return std::hash<std::string_view>{}(id) % 3 != 0;
}
bool Everyone(std::string_view) {
  return true;
}

// Points around `base` spread over `spread_deg`, a share of them snapped onto cell edges.
geo::LatLng RandomPoint(std::mt19937_64& rng, geo::LatLng base, double spread_deg, double cell) {
  std::uniform_real_distribution<double> off(-spread_deg, spread_deg);
  std::uniform_int_distribution<int> kind(0, 3);
  std::uniform_real_distribution<double> tiny(-1e-12, 1e-12);
  geo::LatLng p{base.lat + off(rng), base.lng + off(rng)};
  if (kind(rng) == 0) {  // on or next to a cell edge
    p.lat = std::round(p.lat / cell) * cell + tiny(rng);
    p.lng = std::round(p.lng / cell) * cell + tiny(rng);
  }
  p.lat = std::clamp(p.lat, -90.0, 90.0);
  if (p.lng > 180) p.lng -= 360;
  if (p.lng < -180) p.lng += 360;
  return p;
}

void CheckScenario(geo::LatLng base, double spread_deg, double cell, uint64_t seed) {
  std::mt19937_64 rng(seed);
  SpatialIndex index(cell);
  std::map<std::string, Fix> points;
  // Inserts, moves and removals.
  for (int n = 0; n < 3000; ++n) {
    const std::string id = "c" + std::to_string(std::uniform_int_distribution<int>(0, 1499)(rng));
    if (std::uniform_int_distribution<int>(0, 9)(rng) == 0) {
      REQUIRE(index.Remove(id) == (points.erase(id) == 1));
      continue;
    }
    const Fix fix{RandomPoint(rng, base, spread_deg, cell), n};
    index.Upsert(id, fix);
    points[id] = fix;
  }
  REQUIRE(index.size() == points.size());
  for (const auto& [id, fix] : points) {
    const auto got = index.Get(id);
    REQUIRE(got.has_value());
    REQUIRE(got->recorded_at_ms == fix.recorded_at_ms);
  }

  std::uniform_real_distribution<double> radius(0, spread_deg * 111195.0 * 1.5);
  for (int q = 0; q < 200; ++q) {
    const geo::LatLng center = RandomPoint(rng, base, spread_deg, cell);
    const double r = q % 10 == 0 ? 0.0 : radius(rng);
    const int k = std::uniform_int_distribution<int>(1, 40)(rng);
    auto pred = q % 2 == 0 ? &EveryThird : &Everyone;
    auto eligible = [pred](std::string_view id, const Fix&) { return pred(id); };
    INFO("center " << center.lat << "," << center.lng << " r=" << r << " k=" << k);
    REQUIRE(Flatten(index.Radius(center, r, eligible)) == BruteForce(points, center, r, -1, pred));
    REQUIRE(Flatten(index.KNearest(center, k, r, eligible)) ==
            BruteForce(points, center, r, k, pred));
  }
}

TEST_CASE("radius and k-nearest equal a brute-force scan in a town", "[spatial]") {
  CheckScenario({-8.1335, 113.2249}, 0.05, SpatialIndex::kDefaultCellDegrees, 1);  // Lumajang
  CheckScenario({-8.1335, 113.2249}, 0.05, 0.003, 2);                              // small cells
  CheckScenario({-8.1335, 113.2249}, 0.5, 0.2, 3);                                 // big cells
}

TEST_CASE("radius and k-nearest equal a brute-force scan near poles and the antimeridian",
          "[spatial]") {
  CheckScenario({89.98, 0}, 0.05, 0.01, 4);
  CheckScenario({-89.99, 45}, 0.05, 0.01, 5);
  CheckScenario({0.5, 179.98}, 0.05, 0.01, 6);
  CheckScenario({-30, -179.99}, 0.05, 0.05, 7);
}

TEST_CASE("points exactly on cell edges and upserts within a cell", "[spatial]") {
  SpatialIndex index(0.01);
  index.Upsert("a", Fix{{-8.13, 113.22}, 1});  // exactly on a corner
  index.Upsert("b", Fix{{-8.14, 113.23}, 2});
  index.Upsert("c", Fix{{-8.135, 113.225}, 3});
  const auto all = index.Radius({-8.135, 113.225}, 1000);
  REQUIRE(all.size() == 3);
  REQUIRE(all[0].id == "c");
  REQUIRE(all[0].distance_m == 0.0);
  index.Upsert("c", Fix{{-8.1351, 113.2251}, 4});  // same cell
  REQUIRE(index.Get("c")->recorded_at_ms == 4);
  REQUIRE(index.Radius({-8.1351, 113.2251}, 0.0).size() == 1);
  REQUIRE(index.Remove("c"));
  REQUIRE_FALSE(index.Remove("c"));
  REQUIRE(index.KNearest({-8.135, 113.225}, 5, 5000).size() == 2);
  REQUIRE(index
              .KNearest({-8.135, 113.225}, 1, 5000,
                        [](std::string_view id, const Fix&) { return id == "b"; })
              .front()
              .id == "b");
  REQUIRE(index.KNearest({0, 0}, 3, 1000).empty());
}

TEST_CASE("k-nearest cuts through ties and near-ties exactly as a brute-force scan", "[spatial]") {
  // Clusters of couriers at one spot, and others a few micrometres to a millimetre apart: k
  // ends inside a cluster, so the answer depends on ties by id and on rounding.
  std::mt19937_64 rng(11);
  SpatialIndex index;
  std::map<std::string, Fix> points;
  const geo::LatLng base{-8.1335, 113.2249};
  std::uniform_int_distribution<int> spot(0, 5);
  std::uniform_int_distribution<int> nudge(-3, 3);
  for (int i = 0; i < 600; ++i) {
    const int s = spot(rng);
    const geo::LatLng p{base.lat + s * 1e-4 + nudge(rng) * 1e-11 * (i % 2),
                        base.lng + s * 2e-4 + nudge(rng) * 1e-8 * (i % 3 == 0)};
    const std::string id = "c" + std::to_string(i);
    index.Upsert(id, Fix{p, i});
    points[id] = Fix{p, i};
  }
  for (int q = 0; q < 60; ++q) {
    const geo::LatLng center{base.lat + spot(rng) * 1e-4, base.lng + spot(rng) * 2e-4};
    const int k = std::uniform_int_distribution<int>(1, 250)(rng);
    const double r = q % 3 == 0 ? 30.0 : 5000.0;
    auto pred = q % 2 == 0 ? &EveryThird : &Everyone;
    auto eligible = [pred](std::string_view id, const Fix&) { return pred(id); };
    INFO("q=" << q << " k=" << k << " r=" << r);
    REQUIRE(Flatten(index.KNearest(center, k, r, eligible)) ==
            BruteForce(points, center, r, k, pred));
  }
}

}  // namespace
}  // namespace pasar::dispatch
