#include "domain/matching.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include "domain/assignment.h"

namespace pasar::dispatch {
namespace {

// The courier `id` may be offered `job`: IDLE now, cash for the goods, not excluded.
const IdleCourier* Eligible(const PendingJob& job, const std::string& id,
                            const absl::flat_hash_map<std::string, IdleCourier>& idle) {
  const auto courier = idle.find(id);
  if (courier == idle.end()) return nullptr;                                   // not IDLE
  if (courier->second.cash_on_hand_idr < job.goods_total_idr) return nullptr;  // talangan
  if (job.excluded.contains(id)) return nullptr;                               // declined/timed out
  return &courier->second;
}

}  // namespace

std::string_view RuleName(MatchingRule rule) {
  return rule == MatchingRule::kExact ? "EXACT" : "GREEDY";
}

std::optional<MatchingRule> ParseRule(std::string_view name) {
  if (name == "EXACT" || name == "exact") return MatchingRule::kExact;
  if (name == "GREEDY" || name == "greedy") return MatchingRule::kNearestFirst;
  return std::nullopt;
}

double MatchingPolicy::SearchRadius(int64_t waiting_ms) const {
  const double steps = config_.radius_step_seconds > 0
                           ? std::floor(static_cast<double>(std::max<int64_t>(waiting_ms, 0)) /
                                        1000.0 / config_.radius_step_seconds)
                           : 0.0;
  return std::min(config_.base_radius_m + steps * config_.radius_step_m,
                  std::max(config_.max_radius_m, config_.base_radius_m));
}

int MatchingPolicy::EtaSeconds(double distance_m) const {
  return static_cast<int>(std::ceil(distance_m * config_.road_factor / config_.speed_mps));
}

double MatchingPolicy::Cost(double distance_m, int64_t idle_ms) const {
  const double ride = distance_m * config_.road_factor / config_.speed_mps;
  const double credit = std::min(static_cast<double>(std::max<int64_t>(idle_ms, 0)) / 1000.0 *
                                     config_.fairness_credit_per_idle_s,
                                 config_.max_fairness_credit_s);
  return ride - credit;
}

std::vector<SpatialIndex::Hit> MatchingPolicy::Candidates(const SpatialIndex& index,
                                                          const PendingJob& job,
                                                          int64_t now_ms) const {
  return index.Radius(
      job.pickup, SearchRadius(job.waiting_ms),
      [&](std::string_view, const Fix& fix) { return FixFresh(fix.recorded_at_ms, now_ms); });
}

std::vector<Proposal> MatchingPolicy::Plan(
    const std::vector<PendingJob>& jobs,
    const std::vector<std::vector<SpatialIndex::Hit>>& candidates,
    const absl::flat_hash_map<std::string, IdleCourier>& idle) const {
  // Columns: every courier that is eligible for at least one job.
  absl::flat_hash_map<std::string, int> column_of;
  std::vector<std::string> columns;
  struct Pair {
    int row;
    int col;
    double distance_m;
  };
  std::vector<Pair> pairs;
  for (std::size_t i = 0; i < jobs.size() && i < candidates.size(); ++i) {
    const PendingJob& job = jobs[i];
    for (const SpatialIndex::Hit& hit : candidates[i]) {
      const std::string id(hit.id);
      if (Eligible(job, id, idle) == nullptr) continue;
      auto [it, inserted] = column_of.emplace(id, static_cast<int>(columns.size()));
      if (inserted) columns.push_back(id);
      pairs.push_back(Pair{static_cast<int>(i), it->second, hit.distance_m});
    }
  }
  if (pairs.empty()) return {};

  // Rows: only jobs with at least one eligible courier (the others simply wait), which keeps
  // the common case on the solver's fast path (every row can be matched).
  std::vector<int> row_of_job(jobs.size(), -1);
  std::vector<int> job_of_row;
  for (const Pair& p : pairs) {
    if (row_of_job[p.row] < 0) {
      row_of_job[p.row] = static_cast<int>(job_of_row.size());
      job_of_row.push_back(p.row);
    }
  }
  const int rows = static_cast<int>(job_of_row.size());
  const int cols = static_cast<int>(columns.size());
  std::vector<double> cost(static_cast<std::size_t>(rows) * cols,
                           std::numeric_limits<double>::infinity());
  std::vector<double> distance(cost.size(), 0.0);
  for (const Pair& p : pairs) {
    const std::size_t at = static_cast<std::size_t>(row_of_job[p.row]) * cols + p.col;
    cost[at] = Cost(p.distance_m, idle.at(columns[p.col]).idle_ms);
    distance[at] = p.distance_m;
  }
  const AssignmentResult solved = SolveAssignment(rows, cols, cost);
  std::vector<Proposal> out;
  out.reserve(solved.matched);
  for (int r = 0; r < rows; ++r) {
    const int j = solved.col_for_row[r];
    if (j < 0) continue;
    const std::size_t at = static_cast<std::size_t>(r) * cols + j;
    out.push_back(Proposal{jobs[job_of_row[r]].job_id, columns[j], distance[at],
                           EtaSeconds(distance[at]), cost[at]});
  }
  return out;
}

std::vector<Proposal> MatchingPolicy::PlanNearestFirst(
    const std::vector<PendingJob>& jobs,
    const std::vector<std::vector<SpatialIndex::Hit>>& candidates,
    const absl::flat_hash_map<std::string, IdleCourier>& idle) const {
  std::vector<std::size_t> order;
  for (std::size_t i = 0; i < jobs.size() && i < candidates.size(); ++i)
    order.push_back(i);
  std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) {
    return jobs[a].waiting_ms > jobs[b].waiting_ms;
  });
  absl::flat_hash_set<std::string> taken;
  std::vector<Proposal> out;
  for (const std::size_t i : order) {
    // Candidates come nearest first; ties keep the index's order.
    const SpatialIndex::Hit* best = nullptr;
    const IdleCourier* courier = nullptr;
    for (const SpatialIndex::Hit& hit : candidates[i]) {
      const std::string id(hit.id);
      if (taken.contains(id)) continue;
      const IdleCourier* c = Eligible(jobs[i], id, idle);
      if (c == nullptr) continue;
      if (best == nullptr || hit.distance_m < best->distance_m) {
        best = &hit;
        courier = c;
      }
    }
    if (best == nullptr) continue;
    taken.emplace(best->id);
    out.push_back(Proposal{jobs[i].job_id, std::string(best->id), best->distance_m,
                           EtaSeconds(best->distance_m), Cost(best->distance_m, courier->idle_ms)});
  }
  return out;
}

FixVerdict CheckFix(const FixRules& rules, const Fix& fix, const Fix* previous, int64_t now_ms) {
  if (!geo::Valid(fix.position) || (fix.position.lat == 0 && fix.position.lng == 0)) {
    return FixVerdict::kInvalidPosition;
  }
  if (fix.recorded_at_ms > now_ms + rules.max_future_skew_ms) return FixVerdict::kFuture;
  if (fix.recorded_at_ms < now_ms - rules.max_age_ms) return FixVerdict::kTooOld;
  if (previous == nullptr) return FixVerdict::kAccept;
  if (fix.recorded_at_ms == previous->recorded_at_ms) return FixVerdict::kDuplicate;
  if (fix.recorded_at_ms < previous->recorded_at_ms) return FixVerdict::kOlder;
  const double seconds =
      static_cast<double>(fix.recorded_at_ms - previous->recorded_at_ms) / 1000.0;
  const double meters = geo::DistanceMeters(previous->position, fix.position);
  // A few metres of GPS jitter are never a jump, however close in time the fixes are.
  if (meters > 50.0 && meters / seconds > rules.max_speed_mps) return FixVerdict::kImpossibleJump;
  return FixVerdict::kAccept;
}

std::vector<Fix> ToServerTime(const FixRules& rules, std::vector<Fix> fixes, int64_t now_ms) {
  // 0: before now (kept, in the order sent), 1: lands on now, 2: too far ahead (refused anyway).
  const auto group = [&](const Fix& fix) {
    if (fix.recorded_at_ms < now_ms) return 0;
    return fix.recorded_at_ms <= now_ms + rules.max_future_skew_ms ? 1 : 2;
  };
  std::stable_sort(fixes.begin(), fixes.end(), [&](const Fix& a, const Fix& b) {
    const int ga = group(a);
    const int gb = group(b);
    if (ga != gb) return ga < gb;
    return ga == 1 && a.recorded_at_ms > b.recorded_at_ms;
  });
  for (Fix& fix : fixes) {
    if (group(fix) == 1) fix.recorded_at_ms = now_ms;
  }
  return fixes;
}

}  // namespace pasar::dispatch
