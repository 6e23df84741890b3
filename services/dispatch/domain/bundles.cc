#include "domain/bundles.h"

#include <algorithm>
#include <cstddef>
#include <limits>

#include "domain/assignment.h"

namespace pasar::dispatch {
namespace {

// The couriers eligible for one job: id -> distance to the market.
using Eligibility = absl::flat_hash_map<std::string, double>;

std::vector<Eligibility> EligibleCouriers(
    const std::vector<PendingJob>& jobs,
    const std::vector<std::vector<SpatialIndex::Hit>>& candidates,
    const absl::flat_hash_map<std::string, IdleCourier>& idle) {
  std::vector<Eligibility> out(jobs.size());
  for (std::size_t i = 0; i < jobs.size() && i < candidates.size(); ++i) {
    for (const SpatialIndex::Hit& hit : candidates[i]) {
      const std::string id(hit.id);
      if (!idle.contains(id) || jobs[i].excluded.contains(id)) continue;
      out[i].emplace(id, hit.distance_m);
    }
  }
  return out;
}

// A courier eligible for every job of `row` with cash for its goods total: its distance to the
// market, or a negative number when none.
double RowDistance(const std::vector<int>& row, int64_t goods_total_idr, const std::string& id,
                   const IdleCourier& courier, const std::vector<Eligibility>& eligible) {
  if (courier.cash_on_hand_idr < goods_total_idr) return -1;
  double distance = -1;
  for (const int j : row) {
    const auto it = eligible[j].find(id);
    if (it == eligible[j].end()) return -1;
    distance = it->second;
  }
  return distance;
}

// Some courier could carry `row`.
bool Carriable(const std::vector<int>& row, int64_t goods_total_idr,
               const absl::flat_hash_map<std::string, IdleCourier>& idle,
               const std::vector<Eligibility>& eligible) {
  // Iterate over the couriers of the row's first job (usually few).
  for (const auto& [id, distance] : eligible[row.front()]) {
    const auto courier = idle.find(id);
    if (courier != idle.end() &&
        RowDistance(row, goods_total_idr, id, courier->second, eligible) >= 0)
      return true;
  }
  return false;
}

bool SamePlace(geo::LatLng a, geo::LatLng b) {
  return a.lat == b.lat && a.lng == b.lng;
}

}  // namespace

double RideSeconds(const MatchingConfig& config, geo::LatLng from, geo::LatLng to) {
  return geo::DistanceMeters(from, to) * config.road_factor / config.speed_mps;
}

std::vector<Bundle> CandidateBundles(const MatchingConfig& matching, const StackingConfig& stacking,
                                     const std::vector<PendingJob>& jobs,
                                     const std::vector<geo::LatLng>& drop_offs,
                                     const std::vector<std::vector<SpatialIndex::Hit>>& candidates,
                                     const absl::flat_hash_map<std::string, IdleCourier>& idle) {
  std::vector<Bundle> out;
  if (stacking.max_delay_s <= 0 || stacking.max_orders < 2 || jobs.empty()) return out;
  const int n =
      static_cast<int>(std::min({jobs.size(), drop_offs.size(), candidates.size(),
                                 static_cast<std::size_t>(std::max(stacking.max_window_jobs, 0))}));
  const geo::LatLng pickup = jobs.front().pickup;
  const std::vector<PendingJob> window(jobs.begin(), jobs.begin() + n);
  const std::vector<Eligibility> eligible = EligibleCouriers(window, candidates, idle);
  std::vector<double> solo(n);
  std::vector<double> between(static_cast<std::size_t>(n) * n);
  for (int i = 0; i < n; ++i) {
    solo[i] = RideSeconds(matching, pickup, drop_offs[i]);
    for (int j = 0; j < n; ++j)
      between[static_cast<std::size_t>(i) * n + j] =
          RideSeconds(matching, drop_offs[i], drop_offs[j]);
  }
  const double bound = static_cast<double>(stacking.max_delay_s);

  // The best allowed visiting order of `set` (sorted indices), if any.
  const auto consider = [&](std::vector<int> set) {
    for (const int i : set) {
      if (!SamePlace(jobs[i].pickup, pickup) || eligible[i].empty() || !jobs[i].packed) return;
    }
    int64_t goods = 0;
    int tickets = 0;
    for (const int i : set) {
      goods += jobs[i].goods_total_idr;
      tickets += jobs[i].tickets;
    }
    if (!Carriable(set, goods, idle, eligible)) return;
    Bundle best;
    bool found = false;
    std::vector<int> order = set;  // sorted: next_permutation visits every order, smallest first
    do {
      Bundle b;
      b.jobs = order;
      b.goods_total_idr = goods;
      double t = 0;
      bool ok = true;
      for (std::size_t k = 0; k < order.size(); ++k) {
        t = k == 0 ? solo[order[0]]
                   : t + stacking.handover_s +
                         between[static_cast<std::size_t>(order[k - 1]) * n + order[k]];
        // The others' tickets are collected too before the courier rides off.
        const double delay =
            t + stacking.pickup_s * (tickets - jobs[order[k]].tickets) - solo[order[k]];
        if (delay > bound) {
          ok = false;
          break;
        }
        b.delay_s.push_back(delay);
      }
      if (!ok) continue;
      b.route_s = t;
      if (!found || b.route_s < best.route_s) {
        best = std::move(b);
        found = true;
      }
    } while (std::next_permutation(order.begin(), order.end()));
    if (!found) return;
    for (const int i : set)
      best.saving_s += solo[i];
    best.saving_s -= best.route_s;
    if (best.saving_s <= 0) return;  // not along one route
    out.push_back(std::move(best));
  };

  for (int a = 0; a < n; ++a) {
    for (int b = a + 1; b < n; ++b) {
      consider({a, b});
      if (stacking.max_orders < 3) continue;
      for (int c = b + 1; c < n; ++c)
        consider({a, b, c});
    }
  }
  return out;
}

std::vector<Bundle> ChooseBundles(std::vector<Bundle> bundles) {
  const auto sorted = [](const Bundle& b) {
    std::vector<int> s = b.jobs;
    std::sort(s.begin(), s.end());
    return s;
  };
  std::stable_sort(bundles.begin(), bundles.end(), [&](const Bundle& x, const Bundle& y) {
    if (x.saving_s != y.saving_s) return x.saving_s > y.saving_s;
    if (x.jobs.size() != y.jobs.size()) return x.jobs.size() > y.jobs.size();
    return sorted(x) < sorted(y);
  });
  std::vector<Bundle> chosen;
  std::vector<int> taken;
  for (Bundle& b : bundles) {
    const bool free = std::none_of(b.jobs.begin(), b.jobs.end(), [&](int j) {
      return std::find(taken.begin(), taken.end(), j) != taken.end();
    });
    if (!free) continue;
    taken.insert(taken.end(), b.jobs.begin(), b.jobs.end());
    chosen.push_back(std::move(b));
  }
  return chosen;
}

std::vector<TripRow> TripRows(const std::vector<PendingJob>& jobs,
                              const std::vector<Bundle>& chosen) {
  std::vector<TripRow> rows;
  std::vector<bool> bundled(jobs.size(), false);
  for (const Bundle& b : chosen) {
    rows.push_back(TripRow{b.jobs, b.goods_total_idr, b.saving_s});
    for (const int j : b.jobs)
      bundled[j] = true;
  }
  for (std::size_t i = 0; i < jobs.size(); ++i) {
    if (!bundled[i]) rows.push_back(TripRow{{static_cast<int>(i)}, jobs[i].goods_total_idr, 0});
  }
  return rows;
}

std::vector<TripProposal> PlanRows(const MatchingPolicy& policy,
                                   const std::vector<PendingJob>& jobs,
                                   const std::vector<std::vector<SpatialIndex::Hit>>& candidates,
                                   const absl::flat_hash_map<std::string, IdleCourier>& idle,
                                   const std::vector<TripRow>& rows) {
  const std::vector<Eligibility> eligible = EligibleCouriers(jobs, candidates, idle);
  // Columns: every courier eligible for at least one row, in order of first appearance.
  absl::flat_hash_map<std::string, int> column_of;
  std::vector<std::string> columns;
  struct Pair {
    int row;
    int col;
    double distance_m;
  };
  std::vector<Pair> pairs;
  std::vector<int> solver_row(rows.size(), -1);
  std::vector<int> row_of;  // solver row -> rows index
  for (std::size_t r = 0; r < rows.size(); ++r) {
    const TripRow& row = rows[r];
    const bool in_window =
        !row.jobs.empty() && std::all_of(row.jobs.begin(), row.jobs.end(), [&](int j) {
          return j >= 0 && static_cast<std::size_t>(j) < jobs.size() &&
                 static_cast<std::size_t>(j) < candidates.size();
        });
    if (!in_window) continue;
    for (const SpatialIndex::Hit& hit : candidates[row.jobs.front()]) {
      const std::string id(hit.id);
      const auto courier = idle.find(id);
      if (courier == idle.end()) continue;
      const double distance =
          RowDistance(row.jobs, row.goods_total_idr, id, courier->second, eligible);
      if (distance < 0) continue;
      if (solver_row[r] < 0) {
        solver_row[r] = static_cast<int>(row_of.size());
        row_of.push_back(static_cast<int>(r));
      }
      auto [it, inserted] = column_of.emplace(id, static_cast<int>(columns.size()));
      if (inserted) columns.push_back(id);
      pairs.push_back(Pair{solver_row[r], it->second, distance});
    }
  }
  if (pairs.empty()) return {};
  const int n_rows = static_cast<int>(row_of.size());
  const int cols = static_cast<int>(columns.size());
  std::vector<double> cost(static_cast<std::size_t>(n_rows) * cols,
                           std::numeric_limits<double>::infinity());
  std::vector<double> distance(cost.size(), 0.0);
  for (const Pair& p : pairs) {
    const std::size_t at = static_cast<std::size_t>(p.row) * cols + p.col;
    cost[at] =
        policy.Cost(p.distance_m, idle.at(columns[p.col]).idle_ms) - rows[row_of[p.row]].saving_s;
    distance[at] = p.distance_m;
  }
  const AssignmentResult solved = SolveAssignment(n_rows, cols, cost);
  std::vector<TripProposal> out;
  out.reserve(solved.matched);
  for (int r = 0; r < n_rows; ++r) {
    const int c = solved.col_for_row[r];
    if (c < 0) continue;
    const std::size_t at = static_cast<std::size_t>(r) * cols + c;
    TripProposal p;
    for (const int j : rows[row_of[r]].jobs)
      p.job_ids.push_back(jobs[j].job_id);
    p.courier_id = columns[c];
    p.distance_m = distance[at];
    p.eta_seconds = policy.EtaSeconds(distance[at]);
    p.cost = cost[at];
    out.push_back(std::move(p));
  }
  return out;
}

std::vector<TripProposal> PlanStacked(const MatchingPolicy& policy, const StackingConfig& stacking,
                                      const std::vector<PendingJob>& jobs,
                                      const std::vector<geo::LatLng>& drop_offs,
                                      const std::vector<std::vector<SpatialIndex::Hit>>& candidates,
                                      const absl::flat_hash_map<std::string, IdleCourier>& idle) {
  const std::vector<Bundle> chosen =
      ChooseBundles(CandidateBundles(policy.config(), stacking, jobs, drop_offs, candidates, idle));
  return PlanRows(policy, jobs, candidates, idle, TripRows(jobs, chosen));
}

}  // namespace pasar::dispatch
