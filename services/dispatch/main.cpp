// pasar-dispatch: explicit wiring of the dispatch service.
#include <unistd.h>

#include <cstdlib>
#include <exception>
#include <optional>
#include <random>
#include <stdexcept>
#include <string>

#include "api/courier_api.h"
#include "api/ops_api.h"
#include "api/watch_hub.h"
#include "app/courier_cases.h"
#include "app/matcher_cases.h"
#include "app/operator_cases.h"
#include "app/order_event_cases.h"
#include "app/report_cases.h"
#include "app/sweeper_cases.h"
#include "consumers/order_events.h"
#include "pasar/auth/auth.h"
#include "pasar/events/events.h"
#include "pasar/pg/migrate.h"
#include "pasar/pg/pg.h"
#include "pasar/redis/redis.h"
#include "pasar/rpc/log.h"
#include "pasar/rpc/server.h"
#include "workers/live_locations.h"
#include "workers/matcher.h"
#include "workers/metrics.h"
#include "workers/sweeper.h"

namespace pasar::dispatch {
std::vector<pg::Migration> Migrations();
}

namespace {

using namespace pasar;

std::string InstanceId() {
  char host[256] = {};
  gethostname(host, sizeof host - 1);
  return "dispatch-" + std::string(host) + "-" + std::to_string(getpid()) + "-" +
         std::to_string(std::random_device{}() % 100000);
}

int Run(int argc, char** argv) {
  const rpc::ServerConfig config = rpc::ConfigFromEnvAndFlags("dispatch", argc, argv);

  pg::Pool pool(pg::PoolConfig{.conninfo = config.pg, .search_path = "dispatch", .size = 16});
  pg::Migrate(pool, "dispatch", "events", events::Migrations());
  pg::Migrate(pool, "dispatch", "dispatch", dispatch::Migrations());
  redis::Client redis(redis::ConfigFromUrl(config.redis, config.redis_prefix));
  auth::Verifier verifier(config.jwt);

  dispatch::app::Timers timers;
  timers.offer_ttl = config.ExtraMillis("offer_timeout_ms", absl::Seconds(20));
  dispatch::app::CourierCases courier_cases(pool, timers);
  dispatch::app::OperatorCases operator_cases(pool);
  dispatch::app::OrderEventCases order_event_cases;
  dispatch::app::MatcherCases matcher_cases(pool, timers);
  dispatch::app::SweeperCases sweeper_cases(pool, timers);

  dispatch::MatchingConfig matching;
  matching.fix_max_age_ms =
      absl::ToInt64Milliseconds(config.ExtraMillis("fix_max_age_ms", absl::Seconds(60)));
  matching.base_radius_m = static_cast<double>(
      config.ExtraInt("match_radius_m", static_cast<int64_t>(matching.base_radius_m), 100, 100000));
  matching.max_radius_m = static_cast<double>(config.ExtraInt(
      "match_max_radius_m", static_cast<int64_t>(matching.max_radius_m), 100, 200000));

  const std::optional<dispatch::MatchingRule> default_rule =
      dispatch::ParseRule(config.Extra("matching_policy", "exact"));
  if (!default_rule) throw std::invalid_argument("PASAR_MATCHING_POLICY must be exact or greedy");
  dispatch::app::ReportCases report_cases(pool, *default_rule);

  dispatch::LiveLocations locations(pool, dispatch::FixRules{},
                                    config.ExtraMillis("location_flush_ms", absl::Seconds(1)));
  // Sent outbox rows are kept this long: what the relay can ship again if Redis loses data.
  events::RelayConfig relay_config;
  relay_config.purge_after = absl::Hours(config.ExtraInt("outbox_retention_hours", 48, 1, 144));
  events::Relay relay(pool, redis, config.pg, relay_config);
  events::ConsumerConfig consumer_config;
  consumer_config.name = "dispatch";
  consumer_config.streams = {"events.order"};
  consumer_config.types.assign(dispatch::consumers::kOrderEventTypes.begin(),
                               dispatch::consumers::kOrderEventTypes.end());
  consumer_config.claim_idle = config.ExtraMillis("consumer_claim_idle_ms", absl::Seconds(30));
  events::Consumer consumer(pool, redis.config(), consumer_config,
                            dispatch::consumers::OrderEventsHandler(order_event_cases));
  dispatch::Matcher matcher(
      matcher_cases, redis, locations, dispatch::MatchingPolicy(matching),
      dispatch::MatcherConfig{.window = config.ExtraMillis("batch_window_ms", absl::Seconds(2)),
                              .lease_ttl = config.ExtraMillis("matcher_lease_ms", absl::Seconds(5)),
                              .default_rule = *default_rule},
      InstanceId());
  dispatch::Sweeper sweeper(
      sweeper_cases,
      dispatch::SweeperConfig{
          .every = config.ExtraMillis("sweep_interval_ms", absl::Milliseconds(500)),
          .stale_assigned = config.ExtraMillis("stale_assigned_ms", absl::Seconds(120))});

  dispatch::api::WatchHub hub(redis.config());
  dispatch::api::CourierApi courier_api(courier_cases, verifier, locations, hub,
                                        config.ExtraMillis("watch_backstop_ms", absl::Seconds(2)));
  dispatch::api::OpsApi ops_api(operator_cases, verifier, report_cases);
  rpc::Host host(config, {&courier_api, &ops_api}, [&] { return pool.Ping() && redis.Ping(); });
  dispatch::DispatchMetrics metrics(host.metrics());
  locations.set_metrics(&metrics);
  matcher.set_metrics(&metrics);
  sweeper.set_metrics(&metrics);

  locations.Start();  // loads every persisted fix first
  relay.Start();
  consumer.Start();
  matcher.Start();
  sweeper.Start();
  host.Start();
  host.Wait();

  sweeper.Stop();
  matcher.Stop();
  consumer.Stop();
  relay.Stop();
  locations.Stop();
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  try {
    return Run(argc, argv);
  } catch (const std::exception& e) {
    pasar::rpc::Log("error", "dispatch failed", {{"error", e.what()}});
    return 1;
  }
}
