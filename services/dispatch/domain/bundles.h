// Stacked trips (pure, no I/O): one courier carries two or three orders of the same market whose
// drop-offs lie along one route.
//
// Times are seconds. Rides are as the matcher estimates them (great-circle distance x road
// factor / ojek speed, MatchingConfig). Only orders whose tickets are all packed are bundled
// (PendingJob::packed): how long a trader still needs to pack is not known to dispatch, and a
// courier waiting at a stall for one order's goods would delay the orders already on board by
// an unbounded time. At the market, collecting one packed ticket takes StackingConfig::pickup_s.
// An order's solo delivery is the collection of its own tickets, then the ride market -> its
// drop-off. In a bundle the courier collects every ticket of the bundle (in whatever order the
// stalls are visited: each order is charged the collection of every other order's tickets), then
// visits the drop-offs in a given order: drop k is reached after the ride to drop 1, then for
// every later drop a handover at the previous one (PIN, cash) and the ride from it. The courier's
// ride to the market is the same either way, so it does not enter the comparison. A bundle is
// allowed when every order's delay (bundle delivery - solo delivery) is at most the market's
// bound, and when its route is shorter than its orders' solo rides together (they lie along one
// route), and when at least one courier of the window could carry all of it: a spatial candidate
// of every order, IDLE, excluded from none, with cash on hand >= the goods total of every ticket
// of the bundle (talangan: the courier pays all the traders at the market).
//
// A window with stacking is planned in two steps: a disjoint choice of bundles among the
// candidates (largest saving of ride time first), then the same exact assignment as without
// stacking (SolveAssignment), where a chosen bundle is one row and every order outside the chosen
// bundles its own row. A bundle row costs the courier's cost (MatchingPolicy::Cost) minus the ride
// time the bundle saves: among plans matching as many rows, a courier goes to a bundle rather than
// to a single order unless that costs more than the bundle saves. The second step is exact for
// those rows; the first is a greedy choice (choosing rows that share orders together with the
// assignment is a set packing problem, not an assignment).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "domain/matching.h"
#include "domain/spatial_index.h"

namespace pasar::dispatch {

// A market's stacking setting; max_delay_s 0 is "off" (no bundles).
struct StackingConfig {
  int64_t max_delay_s = 0;  // the market's bound: minutes after the solo delivery, x 60
  int max_orders = 3;       // 2 or 3
  double handover_s = 60;   // time spent at a drop-off before riding on
  double pickup_s = 60;     // time to collect one packed ticket at its stall (find it, pay)
  // Bundles are built among the window's oldest jobs only (every pair and triple of them is
  // tried: 40 jobs are 10,660 sets).
  int max_window_jobs = 40;
};

struct Bundle {
  std::vector<int> jobs;        // indices into the window's jobs, in drop-off order
  int64_t goods_total_idr = 0;  // what the courier pays the traders for all its tickets
  double route_s = 0;           // market -> the last drop-off, handovers included
  // Per drop-off (same order): bundle delivery - solo delivery, the collection of the other
  // orders' tickets included.
  std::vector<double> delay_s;
  double saving_s = 0;  // sum of the solo rides - route_s
};

// Ride seconds between two points (MatchingConfig's road factor and speed).
double RideSeconds(const MatchingConfig& config, geo::LatLng from, geo::LatLng to);

// Every allowed bundle of 2..max_orders packed jobs of the window, among its first
// max_window_jobs jobs (which share the pickup of jobs[0]; drop_offs[i] is where jobs[i] is
// delivered). For each set of jobs: the visiting order with the shortest route among those
// keeping every delay within the bound (ties: the lexicographically smallest order of indices);
// a set with a job still being packed, one no order allows, one whose best route saves nothing
// (saving_s <= 0), or one no courier could carry, is left out.
// candidates[i] are the spatial candidates of jobs[i], `idle` the IDLE couriers (as for
// MatchingPolicy::Plan). Sets in increasing order of their sorted indices.
std::vector<Bundle> CandidateBundles(const MatchingConfig& matching, const StackingConfig& stacking,
                                     const std::vector<PendingJob>& jobs,
                                     const std::vector<geo::LatLng>& drop_offs,
                                     const std::vector<std::vector<SpatialIndex::Hit>>& candidates,
                                     const absl::flat_hash_map<std::string, IdleCourier>& idle);

// A disjoint choice among `bundles`: largest saving first (ties: more orders, then the smaller
// sorted indices), each taken when none of its jobs is taken already.
std::vector<Bundle> ChooseBundles(std::vector<Bundle> bundles);

// One row of a stacked window: a chosen bundle or a single order.
struct TripRow {
  std::vector<int> jobs;  // indices into the window's jobs, in drop-off order
  int64_t goods_total_idr = 0;
  double saving_s = 0;  // a bundle's Bundle::saving_s; 0 for a single order
};
// The rows of a window: the chosen bundles, then every other job alone (in window order).
std::vector<TripRow> TripRows(const std::vector<PendingJob>& jobs,
                              const std::vector<Bundle>& chosen);

// A planned offer of a trip.
struct TripProposal {
  std::vector<std::string> job_ids;  // drop-off order; one id for a single order
  std::string courier_id;
  double distance_m = 0;  // great-circle, courier's fix -> market
  int eta_seconds = 0;
  double cost = 0;
};

// The exact plan of `rows`: a courier is eligible for a row when eligible for each of its jobs
// (a spatial candidate, IDLE, not excluded) with cash >= the row's goods total; cost
// MatchingPolicy::Cost - the row's saving_s. As many rows as possible are matched, then the
// total cost is minimal.
std::vector<TripProposal> PlanRows(const MatchingPolicy& policy,
                                   const std::vector<PendingJob>& jobs,
                                   const std::vector<std::vector<SpatialIndex::Hit>>& candidates,
                                   const absl::flat_hash_map<std::string, IdleCourier>& idle,
                                   const std::vector<TripRow>& rows);

// The stacked plan of a window: CandidateBundles, ChooseBundles, TripRows, PlanRows. With
// stacking off (max_delay_s <= 0) every row is a single order and the plan is Plan's.
std::vector<TripProposal> PlanStacked(const MatchingPolicy& policy, const StackingConfig& stacking,
                                      const std::vector<PendingJob>& jobs,
                                      const std::vector<geo::LatLng>& drop_offs,
                                      const std::vector<std::vector<SpatialIndex::Hit>>& candidates,
                                      const absl::flat_hash_map<std::string, IdleCourier>& idle);

}  // namespace pasar::dispatch
