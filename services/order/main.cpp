// pasar-order: OrderService and TicketService, the ticket deadline sweeper, the compensation
// worker, and the consumer of the dispatch (and inventory) event streams. Wiring only; see
// docs/conventions.md.
#include <cstdlib>
#include <exception>
#include <memory>

#include "api/inventory_client.h"
#include "api/live.h"
#include "api/order_api.h"
#include "api/programme_api.h"
#include "api/settings.h"
#include "api/ticket_api.h"
#include "consumers/compensation_worker.h"
#include "consumers/dispatch_events.h"
#include "consumers/ticket_sweeper.h"
#include "pasar/events/events.h"
#include "pasar/pg/migrate.h"
#include "pasar/pg/pg.h"
#include "pasar/redis/redis.h"
#include "pasar/rpc/server.h"
#include "store/migrations.h"

int main(int argc, char** argv) {
  using namespace pasar;
  try {
    const rpc::ServerConfig config = rpc::ConfigFromEnvAndFlags("order", argc, argv);
    const order::Settings settings = order::SettingsFromConfig(config);

    pg::Pool pool({.conninfo = config.pg, .search_path = "orders", .size = settings.pg_pool_size});
    pg::Migrate(pool, "orders", "events", events::Migrations());
    pg::Migrate(pool, "orders", "order", order::Migrations());

    const redis::Config redis_config = redis::ConfigFromUrl(config.redis, config.redis_prefix);
    redis::Client redis(redis_config);
    // Sent outbox rows are kept this long: what the relay can ship again if Redis loses data.
    events::RelayConfig relay_config;
    relay_config.purge_after = absl::Hours(config.ExtraInt("outbox_retention_hours", 48, 1, 144));
    events::Relay relay(pool, redis, config.pg, relay_config);
    events::ConsumerConfig consumer_config;
    consumer_config.name = order::kConsumerGroup;
    consumer_config.streams = {order::kDispatchStream, order::kInventoryStream};
    consumer_config.types.assign(order::kHandledEventTypes.begin(),
                                 order::kHandledEventTypes.end());
    consumer_config.threads = settings.consumer_threads;
    consumer_config.claim_idle = settings.consumer_claim_idle;
    consumer_config.max_deliveries = settings.consumer_max_deliveries;
    events::Consumer consumer(pool, redis_config, consumer_config, order::HandleEvent);
    order::TicketSweeper sweeper(pool, settings.sweeper_interval, settings.retention);
    order::LiveHub live(redis_config);

    auth::Verifier verifier(config.jwt);
    order::InventoryClient inventory(settings.inventory_addr, config.jwt, settings.market_cache_ttl,
                                     settings.inventory_tls);
    order::CompensationWorker compensations(pool, inventory, settings.compensation_interval,
                                            settings.compensation_deadline);
    rpc::Host* host_ptr = nullptr;
    auto shutting_down = [&host_ptr] { return host_ptr != nullptr && host_ptr->shutting_down(); };
    order::OrderApi orders(pool, inventory, verifier, live, settings, shutting_down);
    order::TicketApi tickets(pool, verifier, live, settings, shutting_down);
    order::ProgrammeApi programmes(pool, inventory, verifier, settings.resident_key,
                                   settings.inventory_deadline);
    rpc::Host host(config, {&orders, &tickets, &programmes},
                   [&] { return pool.Ping() && redis.Ping(); });
    host_ptr = &host;

    relay.Start();
    consumer.Start();
    sweeper.Start();
    compensations.Start();
    host.Start();
    host.Wait();

    compensations.Stop();
    sweeper.Stop();
    consumer.Stop();
    relay.Stop();
    return EXIT_SUCCESS;
  } catch (const std::exception& e) {
    rpc::Log("error", "pasar-order failed", {{"error", e.what()}});
    return EXIT_FAILURE;
  }
}
