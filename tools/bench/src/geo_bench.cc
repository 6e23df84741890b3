// pasar-bench-geo: "nearest eligible couriers" (k nearest within a radius) among N couriers, in
// dispatch's in-memory SpatialIndex and in Redis GEOSEARCH on the same points, per query.
//
//   pasar-bench-geo --redis redis://127.0.0.1:6379 [--couriers 50000] [--k 50]
//                   [--radius-m 3000] [--queries 100000] [--redis-queries 20000] [--seed 1]
//
// Couriers are spread uniformly over a 24 km x 24 km town around Lumajang; 5 % of them have a
// stale fix and are not eligible (the index filters them during the search; Redis cannot, so its
// query is the plain geometric one, which only favours the baseline). Query centres are random
// points of the same town. Prints one JSON object on stdout.
// Checks (exit status 1, "check_ok" and "problems" in the JSON): the index answers exactly as a
// brute-force scan on the first 200 queries (same ids, same order), and it agrees with Redis on
// at least 99 % of the eligible couriers among Redis's 40 nearest (the two compute distances
// differently, so a courier at the very edge of the radius may be in one answer only).
// PASAR_BENCH_BREAK=geo-wrong (breakage.h) drops the nearest courier from the index's answers
// that are checked, for the test of these checks.
#include <algorithm>
#include <chrono>
#include <cstdint>
#include <iostream>
#include <random>
#include <string>
#include <unordered_set>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "breakage.h"
#include "domain/spatial_index.h"
#include "histogram.h"
#include "nlohmann/json.hpp"
#include "pasar/redis/redis.h"
#include "pasar/town/flags.h"

namespace {

using pasar::bench::Histogram;
using pasar::dispatch::Fix;
using pasar::dispatch::SpatialIndex;
using Clock = std::chrono::steady_clock;

constexpr pasar::geo::LatLng kTownCentre{-8.1335, 113.2248};
constexpr double kHalfSpanDegrees = 0.108;  // about 12 km
constexpr int64_t kNowMs = 1'800'000'000'000;
constexpr int64_t kFreshMs = 60'000;
constexpr double kMinAgreement = 0.99;

struct Courier {
  std::string id;
  Fix fix;
};

std::vector<Courier> MakeCouriers(int n, std::mt19937_64& rng) {
  std::uniform_real_distribution<double> offset(-kHalfSpanDegrees, kHalfSpanDegrees);
  std::bernoulli_distribution stale(0.05);
  std::vector<Courier> couriers;
  couriers.reserve(n);
  for (int i = 0; i < n; ++i) {
    const int64_t at = stale(rng) ? kNowMs - 10 * kFreshMs : kNowMs - 1000;
    couriers.push_back(
        Courier{absl::StrCat("courier-", i),
                Fix{{kTownCentre.lat + offset(rng), kTownCentre.lng + offset(rng)}, at}});
  }
  return couriers;
}

// Full precision (absl::StrCat keeps only 6 significant digits: ~100 m here).
std::string Degrees(double d) {
  return absl::StrFormat("%.9f", d);
}

int64_t Nanos(Clock::duration d) {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(d).count();
}

}  // namespace

int main(int argc, char** argv) try {
  const pasar::town::Flags flags(argc, argv);
  flags.AllowOnly({"redis", "couriers", "k", "radius-m", "queries", "redis-queries", "seed"});
  const int n = static_cast<int>(flags.Int("couriers", 50000));
  const int k = static_cast<int>(flags.Int("k", 50));
  const double radius = flags.Double("radius-m", 3000);
  const int queries = static_cast<int>(flags.Int("queries", 100000));
  const int redis_queries = static_cast<int>(flags.Int("redis-queries", 20000));
  std::mt19937_64 rng(flags.Int("seed", 1));

  const std::vector<Courier> couriers = MakeCouriers(n, rng);
  std::uniform_real_distribution<double> offset(-kHalfSpanDegrees, kHalfSpanDegrees);
  std::vector<pasar::geo::LatLng> centres(std::max(queries, redis_queries));
  for (auto& c : centres)
    c = {kTownCentre.lat + offset(rng), kTownCentre.lng + offset(rng)};

  // --- ours: the index dispatch keeps in memory, with the eligibility filter in the search.
  SpatialIndex index;
  const auto build_start = Clock::now();
  for (const Courier& c : couriers)
    index.Upsert(c.id, c.fix);
  const double build_s = std::chrono::duration<double>(Clock::now() - build_start).count();
  const auto eligible = [](std::string_view, const Fix& f) {
    return f.recorded_at_ms >= kNowMs - kFreshMs;
  };
  int64_t found = 0;
  for (int i = 0; i < std::min(queries, 1000); ++i) {  // warm the caches
    found += static_cast<int64_t>(index.KNearest(centres[i], k, radius, eligible).size());
  }
  Histogram ours;
  found = 0;
  const auto ours_start = Clock::now();
  for (int i = 0; i < queries; ++i) {
    const auto t0 = Clock::now();
    const auto hits = index.KNearest(centres[i], k, radius, eligible);
    ours.Record(Nanos(Clock::now() - t0));
    found += static_cast<int64_t>(hits.size());
  }
  const double ours_s = std::chrono::duration<double>(Clock::now() - ours_start).count();

  // The answers that are checked (broken on purpose: without their nearest courier).
  const bool broken = pasar::bench::Broken("geo-wrong");
  const auto checked_answer = [&](pasar::geo::LatLng centre) {
    auto hits = index.KNearest(centre, k, radius, eligible);
    if (broken && !hits.empty()) hits.erase(hits.begin());
    return hits;
  };

  // Exactness: the index's answers against a brute-force scan with the same distance function
  // (same ids in the same order) on the first queries.
  int exact_checked = 0, exact_equal = 0;
  for (int i = 0; i < std::min(queries, 200); ++i) {
    std::vector<std::pair<double, std::string_view>> all;
    for (const Courier& c : couriers) {
      const double d = pasar::geo::DistanceMeters(centres[i], c.fix.position);
      if (d <= radius && eligible(c.id, c.fix)) all.emplace_back(d, c.id);
    }
    std::sort(all.begin(), all.end());
    if (static_cast<int>(all.size()) > k) all.resize(k);
    const auto hits = checked_answer(centres[i]);
    bool same = hits.size() == all.size();
    for (size_t j = 0; same && j < hits.size(); ++j)
      same = hits[j].id == all[j].second;
    ++exact_checked;
    exact_equal += same ? 1 : 0;
  }

  // --- baseline: Redis GEOADD of the same points, GEOSEARCH ... ASC COUNT k per query.
  pasar::redis::Config config = pasar::redis::ConfigFromUrl(
      flags.Required("redis"), absl::StrCat("bench-geo-", std::random_device{}(), ":"));
  config.pool_size = 1;
  pasar::redis::Client redis(config);
  const std::string key = redis.Key("couriers");
  for (int from = 0; from < n; from += 1000) {
    std::vector<std::string> cmd{"GEOADD", key};
    for (int i = from; i < std::min(n, from + 1000); ++i) {
      cmd.push_back(Degrees(couriers[i].fix.position.lng));
      cmd.push_back(Degrees(couriers[i].fix.position.lat));
      cmd.push_back(couriers[i].id);
    }
    redis.Command(cmd);
  }
  const std::string radius_text = absl::StrCat(radius);
  const std::string k_text = absl::StrCat(k);
  auto geosearch = [&](pasar::geo::LatLng c) {
    return redis.Command({"GEOSEARCH", key, "FROMLONLAT", Degrees(c.lng), Degrees(c.lat),
                          "BYRADIUS", radius_text, "m", "ASC", "COUNT", k_text});
  };
  for (int i = 0; i < std::min(redis_queries, 200); ++i)
    geosearch(centres[i]);
  Histogram theirs;
  int64_t redis_found = 0;
  // Agreement: of the couriers Redis returns (eligible ones), the share the index returned too.
  int64_t compared = 0, agreed = 0;
  for (int i = 0; i < redis_queries; ++i) {
    const auto t0 = Clock::now();
    const pasar::redis::Reply reply = geosearch(centres[i]);
    theirs.Record(Nanos(Clock::now() - t0));
    redis_found += static_cast<int64_t>(reply.size());
    if (i < 500) {
      std::unordered_set<std::string> mine;
      for (const auto& h : checked_answer(centres[i])) {
        mine.emplace(h.id);
      }
      // The index skipped stale couriers, so only the first (k - stale) Redis answers are
      // expected among its hits; compare the 40 nearest.
      for (size_t j = 0; j < std::min<size_t>(reply.size(), 40); ++j) {
        const std::string id(reply.at(j).str());
        const int idx = std::stoi(id.substr(8));
        if (!eligible(id, couriers[idx].fix)) continue;
        ++compared;
        agreed += mine.count(id) ? 1 : 0;
      }
    }
  }
  redis.Command({"DEL", key});

  const double agreement = compared > 0 ? static_cast<double>(agreed) / compared : 0.0;
  std::vector<std::string> problems;
  if (exact_checked == 0 || exact_equal != exact_checked) {
    problems.push_back(absl::StrCat("the index differs from a brute-force scan on ",
                                    exact_checked - exact_equal, " of ", exact_checked,
                                    " queries"));
  }
  if (compared == 0 || agreement < kMinAgreement) {
    problems.push_back(
        absl::StrFormat("agreement with Redis GEOSEARCH %.2f%% of %d couriers "
                        "(at least %.0f%% required)",
                        100 * agreement, compared, 100 * kMinAgreement));
  }

  nlohmann::json out{{"couriers", n},
                     {"k", k},
                     {"radius_m", radius},
                     {"ours",
                      {{"queries", queries},
                       {"index_build_s", build_s},
                       {"queries_per_s", queries / ours_s},
                       {"mean_results", queries > 0 ? static_cast<double>(found) / queries : 0.0},
                       {"latency_us", pasar::bench::LatencySummaryMicros(ours)}}},
                     {"redis_geosearch",
                      {{"queries", redis_queries},
                       {"mean_results",
                        redis_queries > 0 ? static_cast<double>(redis_found) / redis_queries : 0.0},
                       {"latency_us", pasar::bench::LatencySummaryMicros(theirs)}}},
                     {"agreement", agreement},
                     {"agreement_compared", compared},
                     {"exact_checked", exact_checked},
                     {"exact_equal", exact_equal},
                     {"problems", problems},
                     {"check_ok", problems.empty()}};
  std::cout << out.dump() << std::endl;
  for (const std::string& p : problems)
    std::cerr << "pasar-bench-geo: check failed: " << p << "\n";
  return problems.empty() ? 0 : 1;
} catch (const std::exception& e) {
  std::cerr << "pasar-bench-geo: " << e.what() << std::endl;
  return 1;
}
