// Stacked trips: bundle construction and the plan with bundles, against brute force.
#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <map>
#include <random>
#include <string>
#include <vector>

#include "domain/bundles.h"

namespace pasar::dispatch {
namespace {

constexpr geo::LatLng kMarket{-8.1335, 113.2249};
constexpr int64_t kNow = 1'000'000'000;

// A point `north` and `east` metres from the market.
geo::LatLng At(double north, double east) {
  return {kMarket.lat + north / 111195.08,
          kMarket.lng + east / (111195.08 * std::cos(kMarket.lat * M_PI / 180.0))};
}

MatchingConfig NoCredit() {
  MatchingConfig config;
  config.fairness_credit_per_idle_s = 0;
  return config;
}

// A window: jobs, couriers in a spatial index, their spatial candidates.
struct Window {
  std::vector<PendingJob> jobs;
  std::vector<geo::LatLng> drop_offs;
  SpatialIndex index;
  absl::flat_hash_map<std::string, IdleCourier> idle;
  std::vector<std::vector<SpatialIndex::Hit>> candidates;

  // A job of `tickets` tickets, all packed unless `packed` is false.
  void AddJob(std::string id, geo::LatLng drop_off, int64_t goods,
              absl::flat_hash_set<std::string> excluded = {}, int tickets = 1, bool packed = true) {
    jobs.push_back(
        PendingJob{std::move(id), kMarket, goods, 0, std::move(excluded), tickets, packed});
    drop_offs.push_back(drop_off);
  }
  void AddCourier(const std::string& id, geo::LatLng at, int64_t cash, bool is_idle = true,
                  int64_t idle_ms = 0) {
    index.Upsert(id, Fix{at, kNow});
    if (is_idle) idle.emplace(id, IdleCourier{cash, idle_ms});
  }
  void Search(const MatchingPolicy& policy) {
    candidates.clear();
    for (const PendingJob& job : jobs)
      candidates.push_back(policy.Candidates(index, job, kNow));
  }
};

std::vector<int> Sorted(std::vector<int> v) {
  std::sort(v.begin(), v.end());
  return v;
}

TEST_CASE("drop-offs along one road make a bundle, opposite ones do not", "[bundles]") {
  const MatchingPolicy policy(NoCredit());
  StackingConfig stacking;
  stacking.max_delay_s = 5 * 60;
  Window w;
  w.AddJob("far-north", At(2000, 0), 40'000);
  w.AddJob("near-north", At(1000, 50), 30'000);
  w.AddJob("south", At(-2000, 0), 20'000);
  w.AddCourier("c", At(300, 0), 1'000'000);
  w.Search(policy);
  const auto bundles =
      CandidateBundles(policy.config(), stacking, w.jobs, w.drop_offs, w.candidates, w.idle);
  REQUIRE(bundles.size() == 1);
  // The near drop-off first, late only by the collection of the far one's ticket; the far one
  // is reached that, a handover and a few metres late.
  REQUIRE(bundles[0].jobs == std::vector<int>{1, 0});
  REQUIRE(bundles[0].goods_total_idr == 70'000);
  REQUIRE(bundles[0].delay_s[0] == stacking.pickup_s);
  REQUIRE(bundles[0].delay_s[1] > stacking.pickup_s + stacking.handover_s);
  REQUIRE(bundles[0].delay_s[1] <= 300);
  REQUIRE(bundles[0].saving_s > 0);

  // Two couriers: the bundle is one trip, the southern order another.
  w.AddCourier("d", At(-300, 0), 1'000'000);
  w.Search(policy);
  const auto plan = PlanStacked(policy, stacking, w.jobs, w.drop_offs, w.candidates, w.idle);
  REQUIRE(plan.size() == 2);
  const auto& bundle = plan[0].job_ids.size() == 2 ? plan[0] : plan[1];
  const auto& single = plan[0].job_ids.size() == 2 ? plan[1] : plan[0];
  REQUIRE(bundle.job_ids == std::vector<std::string>{"near-north", "far-north"});
  REQUIRE(single.job_ids == std::vector<std::string>{"south"});
  REQUIRE(bundle.courier_id != single.courier_id);

  // Stacking off: no bundles, the plan is Plan's.
  stacking.max_delay_s = 0;
  REQUIRE(CandidateBundles(policy.config(), stacking, w.jobs, w.drop_offs, w.candidates, w.idle)
              .empty());
}

TEST_CASE("one courier left: the bundle before a single order", "[bundles]") {
  const MatchingPolicy policy(NoCredit());
  StackingConfig stacking;
  stacking.max_delay_s = 5 * 60;
  Window w;
  w.AddJob("south", At(-2000, 0), 20'000);  // first in the window
  w.AddJob("far-north", At(2000, 0), 40'000);
  w.AddJob("near-north", At(1000, 50), 30'000);
  w.AddCourier("c", At(300, 0), 1'000'000);
  w.Search(policy);
  const auto plan = PlanStacked(policy, stacking, w.jobs, w.drop_offs, w.candidates, w.idle);
  REQUIRE(plan.size() == 1);
  REQUIRE(plan[0].job_ids == std::vector<std::string>{"near-north", "far-north"});
  REQUIRE(plan[0].cost < policy.Cost(plan[0].distance_m, 0));
}

TEST_CASE("a bundle needs one courier with cash for every ticket of it", "[bundles]") {
  const MatchingPolicy policy(NoCredit());
  StackingConfig stacking;
  stacking.max_delay_s = 10 * 60;
  Window w;
  w.AddJob("a", At(1000, 0), 60'000);
  w.AddJob("b", At(1500, 0), 60'000, {"rich-but-declined"});
  w.AddCourier("poor", At(200, 0), 100'000);
  w.AddCourier("rich-but-declined", At(200, 10), 500'000);
  w.AddCourier("rich-busy", At(200, 20), 500'000, /*is_idle=*/false);
  w.Search(policy);
  REQUIRE(CandidateBundles(policy.config(), stacking, w.jobs, w.drop_offs, w.candidates, w.idle)
              .empty());
  // Each order alone is within reach of "poor" and "rich-but-declined" (for "a").
  const auto plan = PlanStacked(policy, stacking, w.jobs, w.drop_offs, w.candidates, w.idle);
  REQUIRE(plan.size() == 2);

  w.AddCourier("rich", At(-2500, 0), 120'000);
  w.Search(policy);
  const auto bundles =
      CandidateBundles(policy.config(), stacking, w.jobs, w.drop_offs, w.candidates, w.idle);
  REQUIRE(bundles.size() == 1);
  REQUIRE(bundles[0].goods_total_idr == 120'000);
  const auto stacked = PlanStacked(policy, stacking, w.jobs, w.drop_offs, w.candidates, w.idle);
  REQUIRE(stacked.size() == 1);
  REQUIRE(stacked[0].courier_id == "rich");
  REQUIRE(stacked[0].job_ids == std::vector<std::string>{"a", "b"});
}

TEST_CASE("bundles come from the window's oldest jobs only, at most max_orders each", "[bundles]") {
  const MatchingPolicy policy(NoCredit());
  StackingConfig stacking;
  stacking.max_delay_s = 15 * 60;
  Window w;
  w.AddJob("a", At(1000, 0), 10'000);
  w.AddJob("b", At(1100, 0), 10'000);
  w.AddJob("c", At(1200, 0), 10'000);
  w.AddCourier("c1", At(100, 0), 1'000'000);
  w.Search(policy);
  // All three along one road: three pairs and the triple.
  auto bundles =
      CandidateBundles(policy.config(), stacking, w.jobs, w.drop_offs, w.candidates, w.idle);
  REQUIRE(bundles.size() == 4);
  const auto chosen = ChooseBundles(bundles);
  REQUIRE(chosen.size() == 1);
  REQUIRE(chosen[0].jobs == std::vector<int>{0, 1, 2});
  stacking.max_orders = 2;
  REQUIRE(CandidateBundles(policy.config(), stacking, w.jobs, w.drop_offs, w.candidates, w.idle)
              .size() == 3);
  stacking.max_window_jobs = 2;
  bundles = CandidateBundles(policy.config(), stacking, w.jobs, w.drop_offs, w.candidates, w.idle);
  REQUIRE(bundles.size() == 1);
  REQUIRE(bundles[0].jobs == std::vector<int>{0, 1});
}

TEST_CASE("only packed orders are bundled, each waiting for the others' tickets", "[bundles]") {
  const MatchingPolicy policy(NoCredit());
  StackingConfig stacking;
  stacking.max_delay_s = 10 * 60;
  Window w;
  w.AddJob("near", At(1000, 0), 10'000, {}, /*tickets=*/1);
  w.AddJob("far", At(1500, 0), 10'000, {}, /*tickets=*/2);
  w.AddJob("farther", At(2000, 0), 10'000, {}, /*tickets=*/1, /*packed=*/false);
  w.AddCourier("c", At(100, 0), 1'000'000);
  w.Search(policy);
  // "farther" is still being packed: it travels alone, whatever its route.
  auto bundles =
      CandidateBundles(policy.config(), stacking, w.jobs, w.drop_offs, w.candidates, w.idle);
  REQUIRE(bundles.size() == 1);
  REQUIRE(bundles[0].jobs == std::vector<int>{0, 1});
  // "near" is dropped off first but waits while the courier collects the two tickets of "far";
  // "far" waits for the one of "near", the handover at "near" and the ride from it.
  const MatchingConfig& c = policy.config();
  const double ride_near = RideSeconds(c, kMarket, w.drop_offs[0]);
  const double ride_far = RideSeconds(c, kMarket, w.drop_offs[1]);
  const double between = RideSeconds(c, w.drop_offs[0], w.drop_offs[1]);
  REQUIRE(bundles[0].delay_s[0] == Approx(2 * stacking.pickup_s));
  REQUIRE(bundles[0].delay_s[1] ==
          Approx(stacking.pickup_s + ride_near + stacking.handover_s + between - ride_far));
  REQUIRE(bundles[0].saving_s == Approx(ride_far - stacking.handover_s - between));

  // Packed: the three ride together.
  w.jobs[2].packed = true;
  bundles = CandidateBundles(policy.config(), stacking, w.jobs, w.drop_offs, w.candidates, w.idle);
  REQUIRE(ChooseBundles(bundles).front().jobs == std::vector<int>{0, 1, 2});

  // A bound the collection alone exceeds: "near" would wait 3 tickets x 60 s for the others.
  stacking.max_delay_s = 2 * 60;
  for (const Bundle& b :
       CandidateBundles(policy.config(), stacking, w.jobs, w.drop_offs, w.candidates, w.idle)) {
    REQUIRE(b.jobs.size() == 2);
    for (const double d : b.delay_s)
      REQUIRE(d <= 120);
  }
  w.jobs[1].tickets = 3;  // "far" alone holds 3 tickets: no bundle with it can keep the bound
  for (const Bundle& b :
       CandidateBundles(policy.config(), stacking, w.jobs, w.drop_offs, w.candidates, w.idle))
    REQUIRE(std::find(b.jobs.begin(), b.jobs.end(), 1) == b.jobs.end());
}

// ---- brute force ----------------------------------------------------------------------------

// Ride seconds computed afresh (not through RideSeconds).
double Ride(const MatchingConfig& c, geo::LatLng a, geo::LatLng b) {
  return geo::DistanceMeters(a, b) * c.road_factor / c.speed_mps;
}

// Courier `id` may carry every job of `set` with goods total `goods`: its distance, or -1.
double CanCarry(const MatchingPolicy& policy, const Window& w, const std::string& id,
                const std::vector<int>& set, int64_t goods) {
  const auto courier = w.idle.find(id);
  if (courier == w.idle.end() || courier->second.cash_on_hand_idr < goods) return -1;
  const auto fix = w.index.Get(id);
  if (!fix || !policy.FixFresh(fix->recorded_at_ms, kNow)) return -1;
  double distance = -1;
  for (const int j : set) {
    const PendingJob& job = w.jobs[j];
    if (job.excluded.contains(id)) return -1;
    distance = geo::DistanceMeters(job.pickup, fix->position);
    if (distance > policy.SearchRadius(job.waiting_ms)) return -1;
  }
  return distance;
}

struct Expected {
  std::vector<int> order;
  double route_s = 0;
  int64_t goods = 0;
  double saving_s = 0;
};

// Every subset of 2..3 jobs, every visiting order: the allowed ones, shortest route first.
std::map<std::vector<int>, Expected> BruteForceBundles(const MatchingPolicy& policy,
                                                       const StackingConfig& stacking,
                                                       const Window& w,
                                                       const std::vector<std::string>& ids) {
  const MatchingConfig& c = policy.config();
  const int n = static_cast<int>(w.jobs.size());
  std::map<std::vector<int>, Expected> out;
  for (int mask = 0; mask < (1 << n); ++mask) {
    std::vector<int> set;
    int64_t goods = 0;
    int tickets = 0;
    bool packed = true;
    for (int i = 0; i < n; ++i) {
      if ((mask >> i) & 1) {
        set.push_back(i);
        goods += w.jobs[i].goods_total_idr;
        tickets += w.jobs[i].tickets;
        packed = packed && w.jobs[i].packed;
      }
    }
    if (set.size() < 2 || set.size() > static_cast<std::size_t>(stacking.max_orders)) continue;
    if (!packed) continue;  // an order still being packed travels alone
    bool carriable = false;
    for (const std::string& id : ids)
      carriable = carriable || CanCarry(policy, w, id, set, goods) >= 0;
    if (!carriable) continue;
    std::vector<int> order = set;
    bool found = false;
    Expected best;
    do {
      double t = 0;
      bool ok = true;
      geo::LatLng at = kMarket;
      for (std::size_t k = 0; k < order.size(); ++k) {
        const geo::LatLng drop = w.drop_offs[order[k]];
        t += (k == 0 ? 0.0 : stacking.handover_s) + Ride(c, at, drop);
        at = drop;
        // Bundle: every ticket collected, then the route; solo: its own tickets, then the ride.
        const double bundle = stacking.pickup_s * tickets + t;
        const double solo = stacking.pickup_s * w.jobs[order[k]].tickets + Ride(c, kMarket, drop);
        ok = ok && bundle - solo <= static_cast<double>(stacking.max_delay_s);
      }
      if (ok && (!found || t < best.route_s)) {
        best = Expected{order, t, goods};
        found = true;
      }
    } while (std::next_permutation(order.begin(), order.end()));
    if (!found) continue;
    for (const int i : set)
      best.saving_s += Ride(c, kMarket, w.drop_offs[i]);
    best.saving_s -= best.route_s;
    if (best.saving_s > 0) out.emplace(set, best);
  }
  return out;
}

// A random window: n jobs with drop-offs within 2.5 km, couriers within 4 km of the market,
// some not idle, some excluded from some jobs, cash from poor to rich.
// The caller runs Search on it (the candidates point into its own index).
Window RandomWindow(std::mt19937_64& rng, int n_jobs, int n_couriers,
                    std::vector<std::string>* ids) {
  std::uniform_real_distribution<double> near(-2500, 2500);
  std::uniform_real_distribution<double> around(-4000, 4000);
  std::uniform_int_distribution<int64_t> goods(2, 15);  // x 10,000
  std::uniform_int_distribution<int64_t> cash(0, 40);   // x 10,000
  std::uniform_int_distribution<int64_t> idle_ms(0, 2'000'000);
  std::bernoulli_distribution rarely(0.15);
  std::uniform_int_distribution<int> tickets(1, 3);
  std::bernoulli_distribution packed(0.8);
  Window w;
  for (int c = 0; c < n_couriers; ++c) {
    ids->push_back("c" + std::to_string(c));
    w.AddCourier(ids->back(), At(around(rng), around(rng)), cash(rng) * 10'000, !rarely(rng),
                 idle_ms(rng));
  }
  for (int j = 0; j < n_jobs; ++j) {
    absl::flat_hash_set<std::string> excluded;
    for (const std::string& id : *ids) {
      if (rarely(rng)) excluded.insert(id);
    }
    w.AddJob("j" + std::to_string(j), At(near(rng), near(rng)), goods(rng) * 10'000,
             std::move(excluded), tickets(rng), packed(rng));
  }
  return w;
}

TEST_CASE("bundle construction equals brute force: detour bound, cash limit, packed orders",
          "[bundles][brute]") {
  std::mt19937_64 rng(20261206);
  const MatchingPolicy policy(MatchingConfig{});
  int bundles_seen = 0;
  int refused_for_cash = 0;
  int refused_for_packing = 0;
  for (int rep = 0; rep < 300; ++rep) {
    StackingConfig stacking;
    stacking.max_delay_s = std::uniform_int_distribution<int64_t>(1, 15)(rng) * 60;
    stacking.max_orders = rep % 4 == 0 ? 2 : 3;
    std::vector<std::string> ids;
    const int n_jobs = std::uniform_int_distribution<int>(1, 7)(rng);
    Window w = RandomWindow(rng, n_jobs, 4, &ids);
    w.Search(policy);
    const auto got =
        CandidateBundles(policy.config(), stacking, w.jobs, w.drop_offs, w.candidates, w.idle);
    const auto want = BruteForceBundles(policy, stacking, w, ids);
    INFO("rep " << rep);
    REQUIRE(got.size() == want.size());
    for (const Bundle& b : got) {
      const auto it = want.find(Sorted(b.jobs));
      REQUIRE(it != want.end());
      REQUIRE(b.jobs == it->second.order);
      REQUIRE(b.route_s == Approx(it->second.route_s).epsilon(1e-9));
      REQUIRE(b.goods_total_idr == it->second.goods);
      REQUIRE(b.saving_s == Approx(it->second.saving_s).epsilon(1e-9).margin(1e-9));
      for (const double d : b.delay_s)
        REQUIRE(d <= static_cast<double>(stacking.max_delay_s));
      ++bundles_seen;
    }
    // Count the sets the route allows but no courier can pay for (the cash limit did work).
    auto rich = w.idle;
    for (auto& [id, courier] : rich)
      courier.cash_on_hand_idr = 1'000'000'000;
    refused_for_cash += static_cast<int>(
        CandidateBundles(policy.config(), stacking, w.jobs, w.drop_offs, w.candidates, rich)
            .size() -
        got.size());
    // And the sets left out only because an order of them is still being packed.
    auto all_packed = w.jobs;
    for (PendingJob& job : all_packed)
      job.packed = true;
    refused_for_packing += static_cast<int>(
        CandidateBundles(policy.config(), stacking, all_packed, w.drop_offs, w.candidates, w.idle)
            .size() -
        got.size());
  }
  // The instances exercise every limit.
  REQUIRE(bundles_seen > 100);
  REQUIRE(refused_for_cash > 10);
  REQUIRE(refused_for_packing > 10);
}

struct Best {
  int matched = 0;
  double cost = 0;
};

// Every assignment of couriers to rows (each row one courier or none, each courier one row):
// the most rows matched, then the least cost.
Best BruteForceRows(const MatchingPolicy& policy, const Window& w,
                    const std::vector<std::string>& ids, const std::vector<TripRow>& rows,
                    std::size_t r, std::vector<bool>& used) {
  if (r == rows.size()) return Best{};
  Best best = BruteForceRows(policy, w, ids, rows, r + 1, used);  // row r unmatched
  for (std::size_t c = 0; c < ids.size(); ++c) {
    if (used[c]) continue;
    const double distance = CanCarry(policy, w, ids[c], rows[r].jobs, rows[r].goods_total_idr);
    if (distance < 0) continue;
    used[c] = true;
    Best rest = BruteForceRows(policy, w, ids, rows, r + 1, used);
    used[c] = false;
    rest.matched += 1;
    rest.cost += policy.Cost(distance, w.idle.at(ids[c]).idle_ms) - rows[r].saving_s;
    if (rest.matched > best.matched ||
        (rest.matched == best.matched && rest.cost < best.cost - 1e-9))
      best = rest;
  }
  return best;
}

TEST_CASE("the plan with bundles equals brute force over its rows", "[bundles][brute]") {
  std::mt19937_64 rng(6122026);
  const MatchingPolicy policy(MatchingConfig{});
  int multi_order_trips = 0;
  for (int rep = 0; rep < 300; ++rep) {
    StackingConfig stacking;
    stacking.max_delay_s = std::uniform_int_distribution<int64_t>(0, 12)(rng) * 60;
    std::vector<std::string> ids;
    const int n_jobs = std::uniform_int_distribution<int>(1, 7)(rng);
    const int n_couriers = std::uniform_int_distribution<int>(1, 6)(rng);
    Window w = RandomWindow(rng, n_jobs, n_couriers, &ids);
    w.Search(policy);
    const std::vector<Bundle> chosen = ChooseBundles(
        CandidateBundles(policy.config(), stacking, w.jobs, w.drop_offs, w.candidates, w.idle));
    const std::vector<TripRow> rows = TripRows(w.jobs, chosen);
    const auto plan = PlanStacked(policy, stacking, w.jobs, w.drop_offs, w.candidates, w.idle);
    INFO("rep " << rep);

    // The chosen bundles are disjoint and every job is in exactly one row.
    std::vector<int> seen;
    for (const TripRow& row : rows)
      seen.insert(seen.end(), row.jobs.begin(), row.jobs.end());
    REQUIRE(Sorted(seen).size() == w.jobs.size());
    for (std::size_t i = 0; i < seen.size(); ++i)
      REQUIRE(Sorted(seen)[i] == static_cast<int>(i));

    // A valid plan: each courier and each job at most once, each trip a row it may carry.
    std::vector<std::string> couriers;
    std::vector<std::string> jobs;
    double total = 0;
    for (const TripProposal& p : plan) {
      couriers.push_back(p.courier_id);
      jobs.insert(jobs.end(), p.job_ids.begin(), p.job_ids.end());
      const auto row = std::find_if(rows.begin(), rows.end(), [&](const TripRow& r) {
        return w.jobs[r.jobs.front()].job_id == p.job_ids.front();
      });
      REQUIRE(row != rows.end());
      REQUIRE(row->jobs.size() == p.job_ids.size());
      const double distance = CanCarry(policy, w, p.courier_id, row->jobs, row->goods_total_idr);
      REQUIRE(distance >= 0);
      REQUIRE(p.distance_m == Approx(distance));
      total += p.cost;
      if (p.job_ids.size() > 1) ++multi_order_trips;
    }
    std::sort(couriers.begin(), couriers.end());
    std::sort(jobs.begin(), jobs.end());
    REQUIRE(std::adjacent_find(couriers.begin(), couriers.end()) == couriers.end());
    REQUIRE(std::adjacent_find(jobs.begin(), jobs.end()) == jobs.end());

    std::vector<bool> used(ids.size(), false);
    const Best want = BruteForceRows(policy, w, ids, rows, 0, used);
    REQUIRE(static_cast<int>(plan.size()) == want.matched);
    REQUIRE(total == Approx(want.cost).epsilon(1e-9).margin(1e-6));

    // Stacking off: the same plan as MatchingPolicy::Plan.
    if (stacking.max_delay_s == 0) {
      const auto plain = policy.Plan(w.jobs, w.candidates, w.idle);
      REQUIRE(plain.size() == plan.size());
      for (std::size_t i = 0; i < plain.size(); ++i) {
        REQUIRE(plan[i].job_ids == std::vector<std::string>{plain[i].job_id});
        REQUIRE(plan[i].courier_id == plain[i].courier_id);
      }
    }
  }
  REQUIRE(multi_order_trips > 50);
}

}  // namespace
}  // namespace pasar::dispatch
