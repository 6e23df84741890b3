// pasar-inventory: markets, stalls, products, stock and reservations.
//
// Configuration (env or flags, see pasar::rpc::ConfigFromEnvAndFlags) beyond the common ones:
//   PASAR_RESERVATION_TTL_SECONDS        hold time when ReserveStock leaves ttl_seconds at 0 (900)
//   PASAR_RESERVATION_SWEEP_INTERVAL_MS  how often expired reservations are released (1000)
//   PASAR_CONSUMER_CLAIM_IDLE_MS         order events idle this long are claimed (30000)
//   PASAR_PG_POOL_SIZE                   PostgreSQL connections (16)
#include <exception>
#include <stdexcept>
#include <string>

#include "api/services.h"
#include "consumers/order_events.h"
#include "consumers/reservation_sweeper.h"
#include "pasar/events/events.h"
#include "pasar/pg/migrate.h"
#include "pasar/redis/redis.h"
#include "pasar/rpc/server.h"
#include "store/store.h"

namespace pasar::inventory {
std::vector<pg::Migration> Migrations();
}

namespace {

int Run(int argc, char** argv) {
  using namespace pasar;
  const rpc::ServerConfig config = rpc::ConfigFromEnvAndFlags("inventory", argc, argv);
  const absl::Duration ttl =
      absl::Seconds(config.ExtraInt("reservation_ttl_seconds", 900, 1, 86400));
  const absl::Duration sweep_every =
      config.ExtraMillis("reservation_sweep_interval_ms", absl::Seconds(1));
  const absl::Duration claim_idle = config.ExtraMillis("consumer_claim_idle_ms", absl::Seconds(30));

  pg::Pool pool({.conninfo = config.pg,
                 .search_path = "inventory",
                 .size = static_cast<int>(config.ExtraInt("pg_pool_size", 16, 1, 256))});
  pg::Migrate(pool, "inventory", "events", events::Migrations());
  pg::Migrate(pool, "inventory", "inventory", inventory::Migrations());

  redis::Client redis(redis::ConfigFromUrl(config.redis, config.redis_prefix));
  // Sent outbox rows are kept this long: what the relay can ship again if Redis loses data.
  events::RelayConfig relay_config;
  relay_config.purge_after = absl::Hours(config.ExtraInt("outbox_retention_hours", 48, 1, 144));
  events::Relay relay(pool, redis, config.pg, relay_config);
  inventory::Store store(pool);
  events::ConsumerConfig consumer_config;
  consumer_config.name = std::string(inventory::kConsumerGroup);
  consumer_config.streams = {std::string(inventory::kOrderStream)};
  consumer_config.types.assign(inventory::kOrderEventTypes.begin(),
                               inventory::kOrderEventTypes.end());
  consumer_config.claim_idle = claim_idle;
  events::Consumer consumer(pool, redis.config(), consumer_config,
                            inventory::OrderEventHandler(store));

  auth::Verifier verifier(config.jwt);
  inventory::CatalogApi catalog(store, verifier);
  inventory::StallApi stalls(store, verifier);
  inventory::MarketAdminApi admin(store, verifier);
  inventory::StockApi stock(store, verifier, ttl);
  rpc::Host host(config, {&catalog, &stalls, &admin, &stock},
                 [&] { return pool.Ping() && redis.Ping(); });
  inventory::InventoryMetrics metrics(host.metrics());
  stock.set_metrics(&metrics);
  inventory::ReservationSweeper sweeper(store, sweep_every, &metrics);

  relay.Start();
  consumer.Start();
  sweeper.Start();
  host.Start();
  host.Wait();
  sweeper.Stop();
  consumer.Stop();
  relay.Stop();
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  try {
    return Run(argc, argv);
  } catch (const std::exception& e) {
    pasar::rpc::Log("error", "pasar-inventory failed", {{"error", e.what()}});
    return 1;
  }
}
