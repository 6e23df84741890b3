#include <catch2/catch.hpp>

#include <atomic>
#include <cmath>
#include <cstdlib>
#include <set>

#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "pasar/geo/geo.h"
#include "pasar/town/town.h"
#include "plan.h"
#include "rng.h"
#include "scheduler.h"

namespace sim = pasar::sim;
namespace town = pasar::town;

namespace {

const town::Town& Lumajang() {
  static const town::Town t = town::LoadTown(PASAR_TOWN_FILE);
  return t;
}

sim::SimConfig Config(uint64_t seed) {
  sim::SimConfig c;
  c.seed = seed;
  return c;
}

bool SamePlan(const sim::CustomerPlan& a, const sim::CustomerPlan& b) {
  if (a.market != b.market || a.cart.size() != b.cart.size() || a.cancels != b.cancels ||
      a.drop_off.lat != b.drop_off.lat || a.drop_off.lng != b.drop_off.lng) {
    return false;
  }
  for (size_t i = 0; i < a.cart.size(); ++i) {
    if (a.cart[i].product != b.cart[i].product || a.cart[i].quantity != b.cart[i].quantity) {
      return false;
    }
  }
  return true;
}

}  // namespace

TEST_CASE("a person's draws depend on seed, person and index only") {
  sim::Rng a(7, "trader:x", 3), b(7, "trader:x", 3), c(7, "trader:x", 4), d(8, "trader:x", 3);
  const uint64_t first = a.Next();
  CHECK(first == b.Next());
  CHECK(first != c.Next());
  CHECK(first != d.Next());
  sim::Rng r(1, "bounds", 0);
  for (int i = 0; i < 10000; ++i) {
    const int64_t v = r.Int(-3, 5);
    REQUIRE(v >= -3);
    REQUIRE(v <= 5);
    const double u = r.Uniform();
    REQUIRE(u >= 0);
    REQUIRE(u < 1);
  }
}

TEST_CASE("arrivals are a seeded Poisson stream within the day") {
  const auto a = sim::Arrivals(42, 60, 30);
  CHECK(a == sim::Arrivals(42, 60, 30));
  CHECK(a != sim::Arrivals(43, 60, 30));
  // 1,800 expected; a Poisson count stays within ±5 sigma (±212).
  CHECK(a.size() > 1588);
  CHECK(a.size() < 2012);
  for (size_t i = 1; i < a.size(); ++i)
    REQUIRE(a[i] > a[i - 1]);
  CHECK(a.back() < 3600);
  CHECK(sim::Arrivals(1, 3, 0).empty());
}

TEST_CASE("customers plan the same cart for the same seed, and sensible carts") {
  const town::Town& t = Lumajang();
  const sim::SimConfig c = Config(5);
  int differ = 0;
  for (int i = 0; i < 300; ++i) {
    const sim::CustomerPlan p = sim::PlanCustomer(t, c, i);
    REQUIRE(SamePlan(p, sim::PlanCustomer(t, c, i)));
    if (!SamePlan(p, sim::PlanCustomer(t, Config(6), i))) ++differ;

    REQUIRE(!p.cart.empty());
    REQUIRE(p.cart.size() <= 5);
    std::set<std::string> products, stalls;
    int64_t total = 0;
    for (const auto& item : p.cart) {
      const town::Product& prod = t.product(item.product);
      REQUIRE(products.insert(item.product).second);
      stalls.insert(prod.stall);
      REQUIRE(t.stall(prod.stall).market == p.market);
      REQUIRE(item.quantity >= 1);
      REQUIRE(item.quantity <= std::max<int64_t>(1, prod.initial_stock));
      total += prod.price_idr * item.quantity;
    }
    REQUIRE(stalls.size() <= 3);
    if (p.cart.size() > 1) REQUIRE(total <= c.max_cart_idr);
    const town::Market& m = t.market(p.market);
    const double road = pasar::geo::DistanceMeters(m.location, p.drop_off) * 1.3;
    REQUIRE(road <= static_cast<double>(m.max_delivery_distance_meters));
  }
  CHECK(differ > 250);
}

TEST_CASE("traders adjust weighed lines strictly within tolerance and never reject every line") {
  const town::Town& t = Lumajang();
  sim::SimConfig c = Config(9);
  c.reject_line_probability = 0.6;
  c.adjust_weighed_probability = 1.0;
  pasar::order::v1::Ticket ticket;
  for (int i = 0; i < 3; ++i) {
    auto* l = ticket.add_lines();
    l->set_product_id("p" + std::to_string(i));
    l->set_weighed(true);
    l->set_ordered_quantity(i + 1);
    l->set_price_idr(33333);
  }
  int adjusted = 0, rejected = 0;
  for (int index = 0; index < 500; ++index) {
    const sim::TicketPlan p = sim::PlanTicket(c, t.stalls[0], 10, index, ticket);
    REQUIRE(p.lines.size() == 3);
    int kept = 0;
    for (int i = 0; i < 3; ++i) {
      const auto& lp = p.lines[i];
      if (lp.kind == sim::LinePlan::Kind::kRejected) {
        ++rejected;
        continue;
      }
      ++kept;
      if (lp.kind == sim::LinePlan::Kind::kAdjusted) {
        ++adjusted;
        const int64_t base = ticket.lines(i).ordered_quantity() * 33333;
        REQUIRE(std::llabs(lp.line_total_idr - base) * 100 < base * 10);
      }
    }
    REQUIRE(kept >= 1);
    REQUIRE(p.decide_after_sim_seconds >= 15);
    REQUIRE(p.prepare_sim_seconds <= t.stalls[0].preparation_minutes * 60.0);
  }
  CHECK(adjusted > 100);
  CHECK(rejected > 100);
}

TEST_CASE("silent traders are drawn last: every other choice of a seeded day stays the same") {
  const town::Town& t = Lumajang();
  sim::SimConfig never = Config(11), often = Config(11);
  never.silent_ticket_probability = 0;
  often.silent_ticket_probability = 0.3;
  pasar::order::v1::Ticket ticket;
  for (int i = 0; i < 2; ++i) {
    auto* l = ticket.add_lines();
    l->set_product_id("p" + std::to_string(i));
    l->set_weighed(i == 0);
    l->set_ordered_quantity(2);
    l->set_price_idr(12000);
  }
  int silent = 0;
  for (int index = 0; index < 1000; ++index) {
    const sim::TicketPlan a = sim::PlanTicket(never, t.stalls[1], 10, index, ticket);
    const sim::TicketPlan b = sim::PlanTicket(often, t.stalls[1], 10, index, ticket);
    REQUIRE_FALSE(a.silent);
    silent += b.silent ? 1 : 0;
    REQUIRE(a.decide_after_sim_seconds == b.decide_after_sim_seconds);
    REQUIRE(a.reject_all == b.reject_all);
    REQUIRE(a.prepare_sim_seconds == b.prepare_sim_seconds);
    REQUIRE(a.lines.size() == b.lines.size());
    for (size_t i = 0; i < a.lines.size(); ++i) {
      REQUIRE(a.lines[i].kind == b.lines[i].kind);
      REQUIRE(a.lines[i].line_total_idr == b.lines[i].line_total_idr);
    }
  }
  // About 30% of 1,000 (binomial: 300 ± 14.5 for one standard deviation).
  CHECK(silent > 220);
  CHECK(silent < 380);
}

TEST_CASE("the scheduler runs due tasks in time order and drops the rest on stop") {
  // One worker: with more, two tasks that are both due by the time a worker wakes (a loaded
  // machine) start in time order but may finish, and record themselves, in either order.
  sim::Scheduler s(1);
  absl::Mutex mu;
  std::vector<int> ran;
  bool early = false;  // a task ran before its time
  const absl::Time now = absl::Now();
  s.At(now + absl::Milliseconds(60), [&] {
    absl::MutexLock l(&mu);
    early = early || absl::Now() < now + absl::Milliseconds(60);
    ran.push_back(2);
  });
  s.At(now + absl::Milliseconds(20), [&] {
    absl::MutexLock l(&mu);
    early = early || absl::Now() < now + absl::Milliseconds(20);
    ran.push_back(1);
  });
  s.At(now + absl::Hours(1), [&] {
    absl::MutexLock l(&mu);
    ran.push_back(3);
  });
  for (int i = 0; i < 1500; ++i) {  // up to 30 s on a loaded machine
    {
      absl::MutexLock l(&mu);
      if (ran.size() == 2) break;
    }
    absl::SleepFor(absl::Milliseconds(20));
  }
  s.Stop();
  absl::MutexLock l(&mu);
  CHECK(ran == std::vector<int>{1, 2});
  CHECK_FALSE(early);
  CHECK(s.busy() == 0);
}

TEST_CASE("toward moves along the straight line and stops at the target") {
  const pasar::geo::LatLng a{-8.1335, 113.2248}, b{-8.1290, 113.2215};
  const double d = pasar::geo::DistanceMeters(a, b);
  const auto half = sim::Toward(a, b, d / 2);
  CHECK(std::abs(pasar::geo::DistanceMeters(a, half) - d / 2) < 1.0);
  const auto past = sim::Toward(a, b, d * 2);
  CHECK(past.lat == b.lat);
  CHECK(past.lng == b.lng);
}
