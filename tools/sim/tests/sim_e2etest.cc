// A short seeded market day against the three real service binaries, on a fresh database and
// a Redis prefix of its own, with the services' timers shortened through their ordinary
// configuration. Asserts what the simulator checks against the services' answers.
#include <catch2/catch.hpp>

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <string>

#include "pasar/testkit/testkit.h"
#include "pasar/town/api.h"
#include "pasar/town/seed.h"
#include "pasar/town/town.h"
#include "sim.h"

namespace {

namespace testkit = pasar::testkit;

constexpr char kSecret[] = "sim-e2e-secret-0123456789";

}  // namespace

TEST_CASE("a short seeded market day ends with every order final and every invariant true") {
  testkit::TempDatabase db;
  // Short timers, as scripts/run sets them for a simulated day.
  const std::map<std::string, std::string> env =
      testkit::ServiceEnv(db, testkit::UniqueRedisPrefix(), kSecret,
                          {{"PASAR_OFFER_TIMEOUT_MS", "8000"}, {"PASAR_BATCH_WINDOW_MS", "500"}});
  testkit::ServiceProcess inventory(testkit::BinaryPath("pasar-inventory"), env);
  std::map<std::string, std::string> order_env = env;
  order_env["PASAR_INVENTORY_ADDR"] = inventory.address();
  order_env["PASAR_RESERVE_DEADLINE_MS"] = "20000";  // a loaded machine is not a refusal
  // Programmes: the key resident numbers are hashed with.
  const std::string key_file = (std::filesystem::temp_directory_path() /
                                ("pasar-sim-resident-key-" + std::to_string(::getpid())))
                                   .string();
  std::ofstream(key_file) << "sim-e2e-resident-key-0123456789\n";
  order_env["PASAR_RESIDENT_KEY_FILE"] = key_file;
  testkit::ServiceProcess order(testkit::BinaryPath("pasar-order"), order_env);
  testkit::ServiceProcess dispatch(testkit::BinaryPath("pasar-dispatch"), env);

  pasar::sim::SimConfig c;
  c.endpoints = {inventory.address(), order.address(), dispatch.address()};
  c.jwt.secret = kSecret;
  c.town = pasar::town::Subset(pasar::town::LoadTown(PASAR_TOWN_FILE), 4, 3);
  c.seed = 7;
  c.minutes = 0.35;  // 21 s of arrivals
  c.speedup = 60;
  c.orders_per_minute = 40;
  c.cancel_probability = 0.15;
  c.reject_ticket_probability = 0.1;
  c.silent_ticket_probability = 0.2;  // tickets left to the trader response timeout
  c.absent_probability = 0.25;        // failed deliveries: attempts, failure, goods back
  c.trader_response_timeout_seconds = 30;
  c.dispatch_timeout_seconds = 60;
  c.drain_timeout = absl::Seconds(100);
  c.progress = false;
  c.run_id = "e2e";
  c.policy = "greedy";  // the baseline plays a whole day too (exact is every other day's)

  const pasar::sim::SimReport r = pasar::sim::RunSimulation(c);
  std::filesystem::remove(key_file);
  const std::string json = pasar::sim::ReportJson(r);
  std::cout << json << "\n";
  INFO(json);
  INFO("inventory log:\n" << inventory.Log().substr(0, 4000));
  INFO("dispatch log tail:\n"
       << dispatch.Log().substr(dispatch.Log().size() > 4000 ? dispatch.Log().size() - 4000 : 0));
  CHECK(r.arrivals >= 5);
  CHECK(r.placed >= 5);
  CHECK(r.delivered >= 1);
  CHECK(r.drained);
  CHECK(r.all_terminal);
  CHECK(r.stock_conserved);
  CHECK(r.ledger_balanced);
  CHECK(r.no_double_assignment);
  CHECK(r.services_agree);
  // Every courier's statement: start - paid + collected + refunded = the cash they hold, and
  // the ledgers agree; every failed delivery ended with its goods back after two attempts.
  CHECK(r.courier_cash_balanced);
  CHECK(r.exceptions.failed == r.exceptions.returned);
  CHECK(r.exceptions.attempts == 2 * r.exceptions.failed);
  // The regency's programme ran, gave benefits and balances (spent + held + remaining = budget,
  // ledger liability = statement = spent, nothing overspent, no cap exceeded).
  CHECK(r.programme.run);
  CHECK(r.programme.benefits_applied >= 1);
  CHECK(r.programme.residents_linked >= 1);
  CHECK(r.programme.balanced);
  CHECK_FALSE(r.programme.overspent);
  CHECK(r.programme.cap_violations == 0);
  // Nothing the simulator checked was wrong, and nothing went unchecked (a GetOrder or GetJob
  // that failed is a problem: the invariant it feeds could not be checked).
  CHECK(r.problems.empty());
  // Every placed order is accounted for as delivered, returned, or cancelled with a reason.
  int64_t cancelled = 0;
  for (const auto& [reason, n] : r.cancelled) {
    CHECK(reason != "unspecified");
    cancelled += n;
  }
  CHECK(r.delivered + r.exceptions.returned + cancelled == r.placed);
  CHECK(r.offers_per_assignment >= 1.0);
  // Dispatch's own report of the day tells the same story as the simulated people saw it.
  CHECK(r.policy == "greedy");
  REQUIRE(r.dispatch_read);
  CHECK(r.dispatch.deliveries() == r.delivered);
  CHECK(r.dispatch.orders_assigned() >= r.delivered);
  CHECK(r.dispatch.trips() >= r.dispatch.orders_assigned());
  CHECK(r.dispatch.orders_per_trip() == 1);
  CHECK(r.dispatch.pickup_distance_total_meters() > 0);
  CHECK(r.dispatch.offers_made() >= r.dispatch.trips());
  CHECK(r.dispatch.couriers_on_shift() == static_cast<int>(c.town.couriers.size()));
  CHECK(r.dispatch.utilisation() > 0);
  CHECK(r.dispatch.utilisation() <= 1);
  CHECK(r.dispatch.idle_time_gini() >= 0);
  CHECK(r.dispatch.idle_time_gini() < 1);
  CHECK(r.dispatch.earnings_gini() >= 0);
  CHECK(r.dispatch.earnings_gini() < 1);
  // Unanswered tickets expire through the order service's persisted deadline.
  CHECK(r.tickets_unanswered >= 1);
  CHECK(r.tickets_expired >= 1);

  // The next morning: seeding the same town again (as the simulator does, with the same tag and
  // market settings) under a new restock key puts every product back at its initial stock,
  // whatever the day sold; no hold is left from the day.
  pasar::town::Api api(c.endpoints, c.jwt);
  pasar::town::SeedOptions next;
  next.tag = c.seed_tag;
  next.trader_response_timeout_seconds = c.trader_response_timeout_seconds;
  next.dispatch_timeout_seconds = c.dispatch_timeout_seconds;
  next.restock_key = "e2e-day-2";
  const pasar::town::Seeded seeded = pasar::town::SeedTown(api, c.town, next);
  const std::string viewer = api.Token(pasar::auth::Role::kCustomer, "sim-e2e-viewer");
  for (const pasar::town::Product& p : c.town.products) {
    pasar::inventory::v1::GetProductRequest req;
    req.set_product_id(seeded.id(p.id));
    pasar::inventory::v1::GetProductResponse resp;
    pasar::town::Check(pasar::town::Call(viewer,
                                         [&](grpc::ClientContext* ctx) {
                                           return api.catalog().GetProduct(ctx, req, &resp);
                                         }),
                       "GetProduct");
    INFO(p.id);
    CHECK(resp.product().stock() == p.initial_stock);
    CHECK(resp.product().reserved() == 0);
  }
}
