// Matching policy of one batch window (pure, no I/O): who may be offered which job, at what
// cost, and the exact minimum-cost plan for a market's pending jobs.
//
// A courier is eligible for a job when it is IDLE with a fresh fix (the caller's spatial query
// only returns fresh fixes), lies within the job's search radius (base radius, widened by a step
// for every period the job has waited, capped), carries cash_on_hand >= the goods total, and has
// not declined or timed out on that job. Cost (seconds) = estimated ride to the market
// (great-circle distance x road factor / ojek speed) minus a fairness credit for time spent idle
// (credit per idle second, capped), so among similar riders the one waiting longest wins.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "domain/spatial_index.h"
#include "pasar/geo/geo.h"

namespace pasar::dispatch {

struct MatchingConfig {
  double base_radius_m = 3000;  // PASAR_MATCH_RADIUS_M
  double radius_step_m = 1000;  // added for every radius_step_seconds a job waits
  double radius_step_seconds = 30;
  double max_radius_m = 8000;               // PASAR_MATCH_MAX_RADIUS_M
  double speed_mps = 25.0 / 3.6;            // ojek in town, 25 km/h
  double road_factor = 1.3;                 // road distance / great-circle distance
  double fairness_credit_per_idle_s = 0.1;  // seconds of cost removed per idle second
  double max_fairness_credit_s = 120;
  int64_t fix_max_age_ms = 60'000;  // PASAR_FIX_MAX_AGE_SECONDS
};

// A pending job of the window.
struct PendingJob {
  std::string job_id;
  geo::LatLng pickup;
  int64_t goods_total_idr = 0;
  int64_t waiting_ms = 0;                     // since the job was created
  absl::flat_hash_set<std::string> excluded;  // couriers that declined / timed out on it
  // Stacked trips only (domain/bundles.h): the job's tickets (one stop each) and whether every
  // one of them is packed (the trader's TicketReady seen); a job with a ticket still being
  // packed travels alone.
  int tickets = 0;
  bool packed = false;
};

// What the matcher knows of an IDLE courier (from the database, this window).
struct IdleCourier {
  int64_t cash_on_hand_idr = 0;
  int64_t idle_ms = 0;  // time spent idle so far
};

// A planned offer.
struct Proposal {
  std::string job_id;
  std::string courier_id;
  double distance_m = 0;  // great-circle, courier's fix -> market
  int eta_seconds = 0;
  double cost = 0;
};

// Which plan a market's matcher makes (DispatchOpsService.SetMarketDispatch; the process default
// is PASAR_MATCHING_POLICY).
enum class MatchingRule {
  kExact,         // Plan: the minimum-total-cost assignment of the window
  kNearestFirst,  // PlanNearestFirst: the greedy baseline most apps use
};
// "EXACT", "GREEDY" (the stored names and PASAR_MATCHING_POLICY's values, lower case accepted).
std::string_view RuleName(MatchingRule rule);
std::optional<MatchingRule> ParseRule(std::string_view name);

class MatchingPolicy final {
 public:
  explicit MatchingPolicy(MatchingConfig config) : config_(config) {}
  const MatchingConfig& config() const { return config_; }

  double SearchRadius(int64_t waiting_ms) const;
  int EtaSeconds(double distance_m) const;
  double Cost(double distance_m, int64_t idle_ms) const;
  bool FixFresh(int64_t recorded_at_ms, int64_t now_ms) const {
    return now_ms - recorded_at_ms <= config_.fix_max_age_ms;
  }

  // Couriers with a fresh fix within the job's search radius, nearest first (from `index`).
  std::vector<SpatialIndex::Hit> Candidates(const SpatialIndex& index, const PendingJob& job,
                                            int64_t now_ms) const;

  // The minimum-total-cost set of offers for `jobs`: candidates[i] are the spatial candidates of
  // jobs[i] (Candidates above); `idle` the couriers that are IDLE now (others are skipped).
  // Every job gets at most one courier and every courier at most one job; as many jobs as
  // possible are matched, then the total cost is minimal (SolveAssignment).
  std::vector<Proposal> Plan(const std::vector<PendingJob>& jobs,
                             const std::vector<std::vector<SpatialIndex::Hit>>& candidates,
                             const absl::flat_hash_map<std::string, IdleCourier>& idle) const;

  // The baseline: jobs in order of waiting time (longest first, then as given), each takes the
  // nearest eligible courier not yet taken in this window. Same eligibility and arguments as
  // Plan; it neither maximises the number of matches nor minimises the total cost.
  std::vector<Proposal> PlanNearestFirst(
      const std::vector<PendingJob>& jobs,
      const std::vector<std::vector<SpatialIndex::Hit>>& candidates,
      const absl::flat_hash_map<std::string, IdleCourier>& idle) const;

  // Plan or PlanNearestFirst.
  std::vector<Proposal> Plan(MatchingRule rule, const std::vector<PendingJob>& jobs,
                             const std::vector<std::vector<SpatialIndex::Hit>>& candidates,
                             const absl::flat_hash_map<std::string, IdleCourier>& idle) const {
    return rule == MatchingRule::kExact ? Plan(jobs, candidates, idle)
                                        : PlanNearestFirst(jobs, candidates, idle);
  }

 private:
  MatchingConfig config_;
};

// Location fix validation (ReportLocations).
struct FixRules {
  int64_t max_future_skew_ms = 60'000;  // recorded_at at most this far ahead of the server
  int64_t max_age_ms = 300'000;         // and at most this far behind
  double max_speed_mps = 200.0 / 3.6;   // implied speed from the previous fix
};

enum class FixVerdict {
  kAccept,
  kDuplicate,  // same recorded_at as the last fix (a retry, or StartShift's position): ignored
  kInvalidPosition,
  kFuture,
  kTooOld,
  kOlder,
  kImpossibleJump,
};

// `previous` is the courier's last accepted fix, if any. kAccept and kDuplicate are not errors:
// the caller stores an accepted fix and drops a duplicate (the first fix of an instant wins).
FixVerdict CheckFix(const FixRules& rules, const Fix& fix, const Fix* previous, int64_t now_ms);

// The fixes of one ReportLocations message (oldest first) on the server's clock, to be checked
// (CheckFix) in the returned order. A fix ahead of the server by at most max_future_skew_ms is
// taken as recorded at now_ms: a phone with a fast clock cannot make its position look fresher
// than it is (freshness for offers and silence of an assigned courier are judged on this time).
// A fix further ahead keeps its time, so CheckFix still refuses it (kFuture).
// The fixes landing on now_ms share one instant, of which the first checked wins: they come
// after the earlier fixes, newest first by their own time, so the newest valid position is the
// one applied and the others count as duplicates.
std::vector<Fix> ToServerTime(const FixRules& rules, std::vector<Fix> fixes, int64_t now_ms);

}  // namespace pasar::dispatch
