// Matching policy and fix validation.
#include <catch2/catch.hpp>

#include <optional>
#include <random>
#include <string>
#include <vector>

#include "domain/matching.h"

namespace pasar::dispatch {
namespace {

constexpr geo::LatLng kMarket{-8.1335, 113.2249};

// A point `meters` north of the market.
geo::LatLng North(double meters) {
  return {kMarket.lat + meters / 111195.08, kMarket.lng};
}

TEST_CASE("search radius widens while a job waits, up to the cap", "[matching]") {
  const MatchingPolicy policy(MatchingConfig{});
  REQUIRE(policy.SearchRadius(0) == 3000);
  REQUIRE(policy.SearchRadius(29'999) == 3000);
  REQUIRE(policy.SearchRadius(30'000) == 4000);
  REQUIRE(policy.SearchRadius(95'000) == 6000);
  REQUIRE(policy.SearchRadius(3'600'000) == 8000);
}

TEST_CASE("cost is ride time minus a capped idle credit", "[matching]") {
  MatchingConfig config;
  config.road_factor = 1.0;
  config.speed_mps = 10;
  config.fairness_credit_per_idle_s = 0.5;
  config.max_fairness_credit_s = 60;
  const MatchingPolicy policy(config);
  REQUIRE(policy.Cost(1000, 0) == Approx(100));
  REQUIRE(policy.Cost(1000, 20'000) == Approx(90));
  REQUIRE(policy.Cost(1000, 3'600'000) == Approx(40));
  REQUIRE(policy.EtaSeconds(1001) == 101);
}

TEST_CASE("only fresh, near, idle couriers with enough cash that did not decline", "[matching]") {
  const MatchingPolicy policy(MatchingConfig{});
  const int64_t now = 1'000'000'000;
  SpatialIndex index;
  index.Upsert("near", Fix{North(500), now - 1000});
  index.Upsert("stale", Fix{North(400), now - 61'000});
  index.Upsert("far", Fix{North(3500), now});
  index.Upsert("poor", Fix{North(300), now});
  index.Upsert("declined", Fix{North(200), now});
  index.Upsert("busy", Fix{North(100), now});

  PendingJob job{"job-1", kMarket, 50'000, 0, {"declined"}};
  const auto candidates = policy.Candidates(index, job, now);
  std::vector<std::string> ids;
  for (const auto& h : candidates)
    ids.emplace_back(h.id);
  REQUIRE(ids == std::vector<std::string>{"busy", "declined", "poor", "near"});

  absl::flat_hash_map<std::string, IdleCourier> idle{{"near", {60'000, 0}},
                                                     {"poor", {49'999, 0}},
                                                     {"declined", {100'000, 0}},
                                                     {"far", {100'000, 0}}};
  auto plan = policy.Plan({job}, {candidates}, idle);
  REQUIRE(plan.size() == 1);
  REQUIRE(plan[0].courier_id == "near");
  REQUIRE(plan[0].distance_m == Approx(500).epsilon(1e-3));

  // After waiting 30 s the radius reaches "far" as well; "near" is still cheaper.
  job.waiting_ms = 31'000;
  const auto wider = policy.Candidates(index, job, now);
  REQUIRE(wider.size() == 5);
  plan = policy.Plan({job}, {wider}, idle);
  REQUIRE(plan.size() == 1);
  REQUIRE(plan[0].courier_id == "near");

  // Nobody eligible: no proposal.
  idle.erase("near");
  idle.erase("far");
  REQUIRE(policy.Plan({job}, {wider}, idle).empty());
}

TEST_CASE("the plan is the exact optimum, not greedy", "[matching]") {
  // Greedy (nearest courier per job in order) gives A->x (100 m), then B has only y (2900 m):
  // total 3000 m. Optimal: A->y (1000 m), B->x (150 m): total 1150 m.
  MatchingConfig config;
  config.fairness_credit_per_idle_s = 0;
  const MatchingPolicy policy(config);
  const int64_t now = 5'000'000;
  SpatialIndex index;
  const geo::LatLng a = kMarket;
  const geo::LatLng b = North(2000);
  index.Upsert("x", Fix{North(100), now});    // 100 m from A, 1900 m from B
  index.Upsert("y", Fix{North(-1000), now});  // 1000 m from A, 3000 m from B
  PendingJob job_a{"A", a, 0, 0, {}};
  PendingJob job_b{"B", b, 0, 0, {}};
  const absl::flat_hash_map<std::string, IdleCourier> idle{{"x", {}}, {"y", {}}};
  const std::vector<PendingJob> jobs{job_a, job_b};
  const auto plan = policy.Plan(
      jobs, {policy.Candidates(index, job_a, now), policy.Candidates(index, job_b, now)}, idle);
  REQUIRE(plan.size() == 2);
  REQUIRE(plan[0].job_id == "A");
  REQUIRE(plan[0].courier_id == "y");
  REQUIRE(plan[1].job_id == "B");
  REQUIRE(plan[1].courier_id == "x");
}

TEST_CASE("nearest first takes the nearest free courier, longest waiting job first", "[matching]") {
  // The instance above: greedy gives the older job A its nearest courier x, B gets y.
  MatchingConfig config;
  config.fairness_credit_per_idle_s = 0;
  config.base_radius_m = 5000;
  const MatchingPolicy policy(config);
  const int64_t now = 5'000'000;
  SpatialIndex index;
  index.Upsert("x", Fix{North(100), now});
  index.Upsert("y", Fix{North(-1000), now});
  index.Upsert("poor", Fix{North(50), now});
  PendingJob job_a{"A", kMarket, 10'000, 20'000, {}};
  PendingJob job_b{"B", North(2000), 0, 10'000, {}};
  const absl::flat_hash_map<std::string, IdleCourier> idle{
      {"x", {50'000, 0}}, {"y", {50'000, 0}}, {"poor", {0, 0}}};
  // B is listed first but A has waited longer: A chooses first ("poor" lacks the cash for A).
  const std::vector<PendingJob> jobs{job_b, job_a};
  const auto plan = policy.PlanNearestFirst(
      jobs, {policy.Candidates(index, job_b, now), policy.Candidates(index, job_a, now)}, idle);
  REQUIRE(plan.size() == 2);
  REQUIRE(plan[0].job_id == "A");
  REQUIRE(plan[0].courier_id == "x");
  REQUIRE(plan[1].job_id == "B");
  REQUIRE(plan[1].courier_id == "poor");
  REQUIRE(ParseRule("greedy") == MatchingRule::kNearestFirst);
  REQUIRE(ParseRule(RuleName(MatchingRule::kExact)) == MatchingRule::kExact);
  REQUIRE(!ParseRule("fastest"));
}

TEST_CASE("exact never does worse than nearest first (random windows)", "[matching]") {
  MatchingConfig config;
  const MatchingPolicy policy(config);
  const int64_t now = 9'000'000;
  std::mt19937 rng(3);
  std::uniform_real_distribution<double> offset(-3500, 3500);
  std::uniform_int_distribution<int64_t> cash(0, 4);
  int strictly_better = 0;
  for (int trial = 0; trial < 300; ++trial) {
    SpatialIndex index;
    absl::flat_hash_map<std::string, IdleCourier> idle;
    const int couriers = 1 + trial % 7;
    for (int c = 0; c < couriers; ++c) {
      const std::string id = "c" + std::to_string(c);
      index.Upsert(
          id,
          Fix{{kMarket.lat + offset(rng) / 111195.0, kMarket.lng + offset(rng) / 110000.0}, now});
      idle[id] = IdleCourier{cash(rng) * 25'000, static_cast<int64_t>(cash(rng)) * 60'000};
    }
    std::vector<PendingJob> jobs;
    std::vector<std::vector<SpatialIndex::Hit>> candidates;
    for (int j = 0; j < 1 + trial % 5; ++j) {
      PendingJob job{"j" + std::to_string(j),
                     {kMarket.lat + offset(rng) / 111195.0, kMarket.lng},
                     cash(rng) * 20'000,
                     cash(rng) * 15'000,
                     {}};
      if (j % 3 == 1) job.excluded.insert("c0");
      jobs.push_back(job);
      candidates.push_back(policy.Candidates(index, jobs.back(), now));
    }
    const auto exact = policy.Plan(MatchingRule::kExact, jobs, candidates, idle);
    const auto greedy = policy.Plan(MatchingRule::kNearestFirst, jobs, candidates, idle);
    absl::flat_hash_set<std::string> used;
    double greedy_cost = 0, exact_cost = 0;
    for (const Proposal& p : greedy) {
      REQUIRE(used.insert(p.courier_id).second);  // a courier at most once
      greedy_cost += p.cost;
    }
    for (const Proposal& p : exact)
      exact_cost += p.cost;
    REQUIRE(exact.size() >= greedy.size());
    if (exact.size() == greedy.size()) REQUIRE(exact_cost <= greedy_cost + 1e-6);
    if (exact.size() > greedy.size() || exact_cost < greedy_cost - 1e-6) ++strictly_better;
  }
  REQUIRE(strictly_better > 0);  // the instances do tell the two apart
}

TEST_CASE("fix validation", "[matching]") {
  const FixRules rules;
  const int64_t now = 10'000'000;
  const Fix good{kMarket, now};
  REQUIRE(CheckFix(rules, good, nullptr, now) == FixVerdict::kAccept);
  REQUIRE(CheckFix(rules, Fix{{91, 0}, now}, nullptr, now) == FixVerdict::kInvalidPosition);
  REQUIRE(CheckFix(rules, Fix{{0, 0}, now}, nullptr, now) == FixVerdict::kInvalidPosition);
  REQUIRE(CheckFix(rules, Fix{kMarket, now + 61'000}, nullptr, now) == FixVerdict::kFuture);
  REQUIRE(CheckFix(rules, Fix{kMarket, now + 59'000}, nullptr, now) == FixVerdict::kAccept);
  REQUIRE(CheckFix(rules, Fix{kMarket, now - 301'000}, nullptr, now) == FixVerdict::kTooOld);
  const Fix prev{kMarket, now - 10'000};
  // The same instant again (a retried message, or a fix in the millisecond of StartShift's
  // position) is a duplicate, whatever the position; an earlier one is refused.
  REQUIRE(CheckFix(rules, Fix{kMarket, now - 10'000}, &prev, now) == FixVerdict::kDuplicate);
  REQUIRE(CheckFix(rules, Fix{North(10), now - 10'000}, &prev, now) == FixVerdict::kDuplicate);
  REQUIRE(CheckFix(rules, Fix{kMarket, now - 10'001}, &prev, now) == FixVerdict::kOlder);
  // 1 km in 10 s = 360 km/h: impossible; 100 m in 10 s: fine.
  REQUIRE(CheckFix(rules, Fix{North(1000), now}, &prev, now) == FixVerdict::kImpossibleJump);
  REQUIRE(CheckFix(rules, Fix{North(100), now}, &prev, now) == FixVerdict::kAccept);
}

TEST_CASE("fixes ahead of the server's clock are taken at the server's time", "[matching]") {
  const FixRules rules;
  const int64_t now = 10'000'000;
  // Within the skew: accepted, at now; beyond it: kept as sent, hence refused.
  const auto one = ToServerTime(rules, {Fix{kMarket, now + 30'000}}, now);
  REQUIRE(one.size() == 1);
  REQUIRE(one[0].recorded_at_ms == now);
  REQUIRE(CheckFix(rules, one[0], nullptr, now) == FixVerdict::kAccept);
  const auto far = ToServerTime(rules, {Fix{kMarket, now + 61'000}}, now);
  REQUIRE(far[0].recorded_at_ms == now + 61'000);
  REQUIRE(CheckFix(rules, far[0], nullptr, now) == FixVerdict::kFuture);

  // A fast phone's message: the past fix keeps its time; the three ahead all land on now, the
  // newest first, so checking them in order applies the newest position.
  const std::vector<Fix> sent{Fix{North(0), now - 2'000}, Fix{North(10), now + 1'000},
                              Fix{North(20), now + 3'000}, Fix{North(30), now + 2'000},
                              Fix{North(40), now + 70'000}};
  const std::vector<Fix> fixes = ToServerTime(rules, sent, now);
  REQUIRE(fixes.size() == 5);
  REQUIRE(fixes[0].recorded_at_ms == now - 2'000);
  const std::vector<double> lats{North(0).lat, North(20).lat, North(30).lat, North(10).lat,
                                 North(40).lat};
  for (std::size_t i = 0; i < fixes.size(); ++i) {
    REQUIRE(fixes[i].position.lat == lats[i]);
    if (i >= 1 && i <= 3) REQUIRE(fixes[i].recorded_at_ms == now);
  }
  std::optional<Fix> latest;
  std::vector<FixVerdict> verdicts;
  for (const Fix& fix : fixes) {
    verdicts.push_back(CheckFix(rules, fix, latest ? &*latest : nullptr, now));
    if (verdicts.back() == FixVerdict::kAccept) latest = fix;
  }
  REQUIRE(verdicts == std::vector<FixVerdict>{FixVerdict::kAccept, FixVerdict::kAccept,
                                              FixVerdict::kDuplicate, FixVerdict::kDuplicate,
                                              FixVerdict::kFuture});
  REQUIRE(latest->position.lat == North(20).lat);
  REQUIRE(latest->recorded_at_ms == now);
}

}  // namespace
}  // namespace pasar::dispatch
