#include "domain/spatial_index.h"

#include <numbers>
#include <stdexcept>

namespace pasar::dispatch {
namespace {

// Debian's Abseil is built with its own string_view type; heterogeneous lookup needs it.
absl::string_view AbslView(std::string_view s) {
  return absl::string_view(s.data(), s.size());
}

}  // namespace

SpatialIndex::SpatialIndex(double cell_degrees) : cell_(cell_degrees) {
  if (!(cell_degrees > 0 && cell_degrees <= 90)) {
    throw std::invalid_argument("SpatialIndex: cell_degrees must be in (0, 90]");
  }
}

SpatialIndex::Unit SpatialIndex::ToUnit(geo::LatLng p) {
  constexpr double kDegToRad = std::numbers::pi / 180.0;
  const double lat = p.lat * kDegToRad;
  const double lng = p.lng * kDegToRad;
  return Unit{std::cos(lat) * std::cos(lng), std::cos(lat) * std::sin(lng), std::sin(lat)};
}

void SpatialIndex::Upsert(std::string_view id, const Fix& fix) {
  const int64_t key = CellKey(LatIndex(fix.position.lat), LngIndex(fix.position.lng));
  const Unit unit = ToUnit(fix.position);
  auto it = by_id_.find(AbslView(id));
  uint32_t slot;
  if (it != by_id_.end()) {
    slot = it->second;
    Slot& s = slots_[slot];
    s.fix = fix;
    if (s.cell == key) {
      cells_[key][s.index_in_cell].unit = unit;
      return;
    }
    RemoveFromCell(slot);
  } else {
    if (!free_slots_.empty()) {
      slot = free_slots_.back();
      free_slots_.pop_back();
    } else {
      slot = static_cast<uint32_t>(slots_.size());
      slots_.emplace_back();
    }
    slots_[slot].id = std::string(id);
    slots_[slot].fix = fix;
    by_id_.emplace(std::string(id), slot);
  }
  std::vector<CellEntry>& entries = cells_[key];
  slots_[slot].cell = key;
  slots_[slot].index_in_cell = static_cast<uint32_t>(entries.size());
  entries.push_back(CellEntry{unit, slot});
}

void SpatialIndex::RemoveFromCell(uint32_t slot) {
  const Slot& s = slots_[slot];
  auto cell = cells_.find(s.cell);
  std::vector<CellEntry>& entries = cell->second;
  const uint32_t at = s.index_in_cell;
  entries[at] = entries.back();
  slots_[entries[at].slot].index_in_cell = at;
  entries.pop_back();
  if (entries.empty()) cells_.erase(cell);
}

bool SpatialIndex::Remove(std::string_view id) {
  auto it = by_id_.find(AbslView(id));
  if (it == by_id_.end()) return false;
  const uint32_t slot = it->second;
  RemoveFromCell(slot);
  by_id_.erase(it);
  slots_[slot].id.clear();
  free_slots_.push_back(slot);
  return true;
}

std::optional<Fix> SpatialIndex::Get(std::string_view id) const {
  auto it = by_id_.find(AbslView(id));
  if (it == by_id_.end()) return std::nullopt;
  return slots_[it->second].fix;
}

double SpatialIndex::ChordSquaredBound(double radius_m) {
  const double angle = std::min(radius_m / geo::kEarthRadiusMeters, std::numbers::pi);
  const double chord = 2.0 * std::sin(angle / 2.0) * (1.0 + 1e-9) + 1e-12;
  return chord * chord;
}

std::size_t SpatialIndex::SortMore(std::vector<Candidate>& candidates, std::size_t from,
                                   std::size_t k) {
  // Ineligible points and the slack at the edge mean a little more than k is usually needed.
  const std::size_t batch = std::max<std::size_t>(k + k / 4 + 8, 16);
  const auto by_chord = [](const Candidate& a, const Candidate& b) { return a.chord2 < b.chord2; };
  const auto first = candidates.begin() + static_cast<std::ptrdiff_t>(from);
  if (candidates.size() - from <= batch) {
    std::sort(first, candidates.end(), by_chord);
    return candidates.size();
  }
  const auto last = first + static_cast<std::ptrdiff_t>(batch);
  std::nth_element(first, last, candidates.end(), by_chord);
  std::sort(first, last, by_chord);
  return from + batch;
}

double SpatialIndex::InitialRadius(geo::LatLng center, int k) const {
  constexpr double kMetersPerDegree = geo::kEarthRadiusMeters * std::numbers::pi / 180.0;
  const double cell_m = cell_ * kMetersPerDegree;
  const auto it = cells_.find(CellKey(LatIndex(center.lat), LngIndex(center.lng)));
  if (it == cells_.end()) return cell_m;
  // Cell area with the east-west side shrunk by cos(latitude); never below a metre square.
  const double width = std::max(1.0, cell_m * std::cos(center.lat * std::numbers::pi / 180.0));
  const double density = static_cast<double>(it->second.size()) / (cell_m * width);
  // 1.5x the radius of a disc expected to hold k points: usually one pass suffices.
  return std::max(1.0, 1.5 * std::sqrt(static_cast<double>(k) / (std::numbers::pi * density)));
}

}  // namespace pasar::dispatch
