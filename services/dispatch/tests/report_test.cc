// The dispatch report's pure figures: percentiles, Gini, interval unions, the report itself.
#include <catch2/catch.hpp>

#include <cmath>
#include <random>
#include <vector>

#include "domain/report.h"

namespace pasar::dispatch::domain {
namespace {

// Gini by its definition: mean absolute difference over all ordered pairs / (2 * mean).
double GiniByPairs(const std::vector<double>& x) {
  if (x.empty()) return 0;
  double sum = 0, diff = 0;
  for (double a : x) {
    sum += a;
    for (double b : x)
      diff += std::abs(a - b);
  }
  if (sum <= 0) return 0;
  const double n = static_cast<double>(x.size());
  return diff / (2.0 * n * sum);
}

TEST_CASE("Gini: equal shares 0, one holder (n-1)/n, equals the pairwise definition", "[report]") {
  REQUIRE(Gini(std::vector<double>{}) == 0);
  REQUIRE(Gini(std::vector<double>{0, 0, 0}) == 0);
  REQUIRE(Gini(std::vector<double>{5, 5, 5, 5}) == Approx(0).margin(1e-12));
  REQUIRE(Gini(std::vector<double>{0, 0, 0, 12}) == Approx(0.75));
  REQUIRE(Gini(std::vector<double>{1, 3}) == Approx(0.25));  // |1-3|*2 / (2*4*2)
  std::mt19937 rng(7);
  std::uniform_real_distribution<double> value(0, 1000);
  for (int trial = 0; trial < 200; ++trial) {
    std::vector<double> x(1 + trial % 9);
    for (double& v : x)
      v = trial % 5 == 0 ? std::floor(value(rng) / 250) : value(rng);
    REQUIRE(Gini(x) == Approx(GiniByPairs(x)).margin(1e-9));
  }
}

TEST_CASE("percentile is nearest rank", "[report]") {
  REQUIRE(Percentile({}, 0.5) == 0);
  REQUIRE(Percentile({7}, 0.99) == 7);
  REQUIRE(Percentile({4, 1, 3, 2}, 0.5) == 2);
  REQUIRE(Percentile({4, 1, 3, 2}, 0.99) == 4);
  std::vector<double> hundred;
  for (int i = 100; i >= 1; --i)
    hundred.push_back(i);
  REQUIRE(Percentile(hundred, 0.5) == 50);
  REQUIRE(Percentile(hundred, 0.99) == 99);
}

TEST_CASE("interval union and overlap equal counting every millisecond", "[report]") {
  std::mt19937 rng(11);
  std::uniform_int_distribution<int64_t> at(0, 200);
  for (int trial = 0; trial < 300; ++trial) {
    std::vector<Interval> a(trial % 5), b(trial % 4);
    for (auto* v : {&a, &b}) {
      for (Interval& i : *v) {
        const int64_t x = at(rng), y = at(rng);
        i = Interval{std::min(x, y), std::max(x, y)};
      }
    }
    const int64_t from = 20, to = 180;
    int64_t in_a = 0, in_both = 0;
    for (int64_t t = from; t < to; ++t) {
      const auto covers = [t](const std::vector<Interval>& v) {
        for (const Interval& i : v)
          if (i.from_ms <= t && t < i.to_ms) return true;
        return false;
      };
      if (covers(a)) {
        ++in_a;
        if (covers(b)) ++in_both;
      }
    }
    REQUIRE(UnionLength(a, from, to) == in_a);
    REQUIRE(OverlapLength(a, b, from, to) == in_both);
  }
}

TEST_CASE("the report of a small day", "[report]") {
  constexpr int64_t kHour = 3600 * 1000;
  ReportInput in;
  in.from_ms = 0;
  in.to_ms = 4 * kHour;
  in.trips = {{"a", 1000, 1}, {"a", 500, 1}, {"b", 3000, 1}};
  in.offers_made = 5;
  in.offers_declined = 1;
  in.offers_expired = 1;
  in.first_assign_latency_ms = {100, 300, 200};
  in.couriers = {"a", "b", "c"};  // c never on shift
  // a: on shift the whole window (an open shift ends at to_ms), busy 1 h, a holding before the
  // window is clipped. b: on shift 2 h, busy 1.5 h of them (half a holding lies off shift).
  in.shifts = {{"a", {-kHour, 4 * kHour}}, {"b", {0, kHour}}, {"b", {2 * kHour, 3 * kHour}}};
  in.holdings = {{"a", {-kHour, kHour / 2}},
                 {"a", {kHour, kHour + kHour / 2}},
                 {"b", {0, kHour}},
                 {"b", {3 * kHour - kHour / 2, 3 * kHour + kHour / 2}},
                 {"x", {0, kHour}}};  // not a courier of the market
  in.deliveries = {{"a", 10000}, {"a", 10000}, {"b", 20000}, {"x", 5000}};
  const Report r = ComputeReport(in);
  REQUIRE(r.trips == 3);
  REQUIRE(r.orders_per_trip == 1);
  REQUIRE(r.pickup_distance_total_m == 4500);
  REQUIRE(r.pickup_distance_per_order_m == 1500);
  REQUIRE(r.orders_assigned == 3);
  REQUIRE(r.assign_latency_p50_ms == 200);
  REQUIRE(r.assign_latency_p99_ms == 300);
  REQUIRE(r.offers_made == 5);
  REQUIRE(r.offers_per_assignment == Approx(5.0 / 3));
  REQUIRE(r.offers_declined == 1);
  REQUIRE(r.offers_expired == 1);
  REQUIRE(r.couriers_on_shift == 2);
  REQUIRE(r.shift_hours == Approx(6));
  REQUIRE(r.busy_hours == Approx(2.5));  // a: 0.5 + 0.5, b: 1 + 0.5
  REQUIRE(r.utilisation == Approx(2.5 / 6));
  // Idle: a 4 - 1 = 3 h, b 2 - 1.5 = 0.5 h -> Gini |3 - 0.5| * 2 / (2 * 2 * 3.5) = 5/14.
  REQUIRE(r.idle_time_gini == Approx(5.0 / 14));
  // Earnings: a 20000, b 20000 -> 0 (x is not of the market).
  REQUIRE(r.earnings_gini == Approx(0).margin(1e-12));
  REQUIRE(r.deliveries == 4);
  REQUIRE(r.deliveries_per_courier_hour == Approx(4.0 / 6));
}

}  // namespace
}  // namespace pasar::dispatch::domain
