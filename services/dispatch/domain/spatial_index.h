// In-memory spatial index of the latest fix per courier (pure: no I/O, no locking).
//
// Points live in a uniform grid of latitude/longitude cells (default 0.01 degree, about 1.1 km
// north-south). A query takes the cells overlapping geo::BoxAround(center, r) (or, when that
// rectangle spans more cells than are occupied, e.g. near a pole, the occupied cells), rejects
// most points with a cheap 3-D chord test, and decides membership with geo::DistanceMeters, the
// project's one distance: answers are exactly those of a brute-force scan with that function.
// KNearest grows its radius from a density estimate until it holds k eligible points (then the
// k nearest of the whole set are among them) or reaches max_radius_m; within a radius it visits
// points in chord order and measures and asks about eligibility only until it has k.
//
// Not thread-safe: the owner serialises writers and readers (the service keeps it under a
// std::shared_mutex). Ids are courier ids; one entry per id.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "pasar/geo/geo.h"

namespace pasar::dispatch {

struct Fix {
  geo::LatLng position;
  int64_t recorded_at_ms = 0;  // unix milliseconds
};

class SpatialIndex final {
 public:
  static constexpr double kDefaultCellDegrees = 0.01;

  struct Hit {
    std::string_view id;  // valid until the next Upsert/Remove
    Fix fix;
    double distance_m = 0;
  };

  explicit SpatialIndex(double cell_degrees = kDefaultCellDegrees);

  // Inserts `id` or moves it to `fix`. The caller has validated the position (geo::Valid).
  void Upsert(std::string_view id, const Fix& fix);
  // Returns false when `id` was not indexed.
  bool Remove(std::string_view id);
  std::optional<Fix> Get(std::string_view id) const;
  std::size_t size() const { return by_id_.size(); }

  // Every point with DistanceMeters(center, p) <= radius_m for which eligible(id, fix) holds,
  // nearest first (ties by id). `eligible` is called only for points within the radius.
  template <class Eligible>
  std::vector<Hit> Radius(geo::LatLng center, double radius_m, Eligible&& eligible) const;

  // The k eligible points nearest to `center` within max_radius_m, nearest first (ties by id).
  template <class Eligible>
  std::vector<Hit> KNearest(geo::LatLng center, int k, double max_radius_m,
                            Eligible&& eligible) const;

  // Unfiltered conveniences.
  std::vector<Hit> Radius(geo::LatLng center, double radius_m) const {
    return Radius(center, radius_m, [](std::string_view, const Fix&) { return true; });
  }
  std::vector<Hit> KNearest(geo::LatLng center, int k, double max_radius_m) const {
    return KNearest(center, k, max_radius_m, [](std::string_view, const Fix&) { return true; });
  }

 private:
  struct Unit {  // point on the unit sphere
    double x, y, z;
  };
  struct CellEntry {
    Unit unit;
    uint32_t slot;
  };
  struct Slot {
    std::string id;
    Fix fix;
    int64_t cell = 0;
    uint32_t index_in_cell = 0;
  };
  struct CellRange {
    int64_t min_lat, max_lat, min_lng, max_lng;
  };
  struct Candidate {  // a point near enough by chord, for KNearest
    double chord2;
    uint32_t slot;
  };

  static Unit ToUnit(geo::LatLng p);
  int64_t LatIndex(double lat) const { return static_cast<int64_t>(std::floor(lat / cell_)); }
  int64_t LngIndex(double lng) const { return static_cast<int64_t>(std::floor(lng / cell_)); }
  static int64_t CellKey(int64_t lat_index, int64_t lng_index) {
    return (lat_index << 32) | static_cast<int64_t>(static_cast<uint32_t>(lng_index));
  }
  static int64_t KeyLat(int64_t key) { return key >> 32; }
  static int64_t KeyLng(int64_t key) { return static_cast<int32_t>(key & 0xffffffff); }
  void RemoveFromCell(uint32_t slot);
  // Squared chord (unit sphere) of an arc of radius_m, with slack so that rounding never
  // rejects a point that DistanceMeters places inside; the exact decision is DistanceMeters.
  static double ChordSquaredBound(double radius_m);
  // Puts the next batch of candidates from `from` in chord order (about `k` of them, so that a
  // query sorts only what it visits) and returns the end of the sorted prefix.
  static std::size_t SortMore(std::vector<Candidate>& candidates, std::size_t from, std::size_t k);
  // Radius in metres likely to hold `k` points around `center`, from the density of its cell.
  double InitialRadius(geo::LatLng center, int k) const;
  // Calls visit(entries) for every occupied cell overlapping the box.
  template <class Visit>
  void ForEachCell(const geo::BoundingBox& box, Visit&& visit) const;

  double cell_;
  std::vector<Slot> slots_;
  std::vector<uint32_t> free_slots_;
  absl::flat_hash_map<std::string, uint32_t> by_id_;
  absl::flat_hash_map<int64_t, std::vector<CellEntry>> cells_;
};

template <class Visit>
void SpatialIndex::ForEachCell(const geo::BoundingBox& box, Visit&& visit) const {
  const CellRange r{LatIndex(box.min_lat), LatIndex(box.max_lat), LngIndex(box.min_lng),
                    LngIndex(box.max_lng)};
  const double span = static_cast<double>(r.max_lat - r.min_lat + 1) *
                      static_cast<double>(r.max_lng - r.min_lng + 1);
  if (span > static_cast<double>(cells_.size())) {
    for (const auto& [key, entries] : cells_) {
      const int64_t la = KeyLat(key);
      const int64_t ln = KeyLng(key);
      if (la >= r.min_lat && la <= r.max_lat && ln >= r.min_lng && ln <= r.max_lng) {
        visit(entries);
      }
    }
    return;
  }
  for (int64_t la = r.min_lat; la <= r.max_lat; ++la) {
    for (int64_t ln = r.min_lng; ln <= r.max_lng; ++ln) {
      const auto it = cells_.find(CellKey(la, ln));
      if (it != cells_.end()) visit(it->second);
    }
  }
}

template <class Eligible>
std::vector<SpatialIndex::Hit> SpatialIndex::Radius(geo::LatLng center, double radius_m,
                                                    Eligible&& eligible) const {
  std::vector<Hit> hits;
  if (radius_m < 0) return hits;
  const Unit c = ToUnit(center);
  const double chord2 = ChordSquaredBound(radius_m);
  ForEachCell(geo::BoxAround(center, radius_m), [&](const std::vector<CellEntry>& entries) {
    for (const CellEntry& e : entries) {
      const double dx = e.unit.x - c.x;
      const double dy = e.unit.y - c.y;
      const double dz = e.unit.z - c.z;
      if (dx * dx + dy * dy + dz * dz > chord2) continue;
      const Slot& s = slots_[e.slot];
      const double d = geo::DistanceMeters(center, s.fix.position);
      if (d > radius_m || !eligible(std::string_view(s.id), s.fix)) continue;
      hits.push_back(Hit{s.id, s.fix, d});
    }
  });
  std::sort(hits.begin(), hits.end(), [](const Hit& a, const Hit& b) {
    return a.distance_m != b.distance_m ? a.distance_m < b.distance_m : a.id < b.id;
  });
  return hits;
}

template <class Eligible>
std::vector<SpatialIndex::Hit> SpatialIndex::KNearest(geo::LatLng center, int k,
                                                      double max_radius_m,
                                                      Eligible&& eligible) const {
  if (k <= 0 || max_radius_m < 0 || by_id_.empty()) return {};
  const Unit c = ToUnit(center);
  std::vector<Candidate> candidates;
  std::vector<Hit> hits;
  double r = std::min(InitialRadius(center, k), max_radius_m);
  while (true) {
    // Every point whose chord to the centre passes the (slack) bound of r, by chord length.
    const double chord2 = ChordSquaredBound(r);
    candidates.clear();
    ForEachCell(geo::BoxAround(center, r), [&](const std::vector<CellEntry>& entries) {
      for (const CellEntry& e : entries) {
        const double dx = e.unit.x - c.x;
        const double dy = e.unit.y - c.y;
        const double dz = e.unit.z - c.z;
        const double d2 = dx * dx + dy * dy + dz * dz;
        if (d2 <= chord2) candidates.push_back(Candidate{d2, e.slot});
      }
    });
    // Visited in chord order (the chord grows with the distance), so only about k points are
    // measured and asked about eligibility. Once k are found, points up to a relative 1e-6
    // (and 1e-12 of the unit sphere, a few micrometres) beyond the k-th chord are still taken:
    // rounding cannot reorder points that far apart, so every point left out is farther than all
    // k kept, and ties are settled by id below.
    hits.clear();
    double stop_at = std::numeric_limits<double>::infinity();
    std::size_t sorted = 0;
    for (std::size_t i = 0; i < candidates.size(); ++i) {
      if (i == sorted) sorted = SortMore(candidates, sorted, static_cast<std::size_t>(k));
      const Candidate& cand = candidates[i];
      if (cand.chord2 > stop_at) break;
      const Slot& s = slots_[cand.slot];
      const double d = geo::DistanceMeters(center, s.fix.position);
      if (d > r || !eligible(std::string_view(s.id), s.fix)) continue;
      hits.push_back(Hit{s.id, s.fix, d});
      if (static_cast<int>(hits.size()) == k) {
        const double beyond = std::sqrt(cand.chord2) * (1 + 1e-6) + 1e-12;
        stop_at = beyond * beyond;
      }
    }
    // k eligible points within r: every point outside r is farther than all of them.
    if (static_cast<int>(hits.size()) >= k || r >= max_radius_m) {
      std::sort(hits.begin(), hits.end(), [](const Hit& a, const Hit& b) {
        return a.distance_m != b.distance_m ? a.distance_m < b.distance_m : a.id < b.id;
      });
      if (static_cast<int>(hits.size()) > k) hits.resize(k);
      return hits;
    }
    // Grown by the share still missing (the area, and so the count, goes with r squared),
    // by at least a quarter and at most double.
    const double missing = std::sqrt(static_cast<double>(k) /
                                     static_cast<double>(std::max<std::size_t>(hits.size(), 1)));
    r = std::min(r * std::clamp(1.2 * missing, 1.25, 2.0), max_radius_m);
  }
}

}  // namespace pasar::dispatch
