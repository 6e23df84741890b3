// pasar-inventory: markets, stalls, products, stock and reservations, the reservation expiry
// sweeper and the consumer of the order service's events. Wiring only: the start and stop
// sequence is libs/service's (docs/architecture.md); the settings are app/settings.h's.
#include <string>

#include "api/services.h"
#include "app/catalog.h"
#include "app/markets.h"
#include "app/settings.h"
#include "app/stalls.h"
#include "app/stock.h"
#include "consumers/order_events.h"
#include "metrics.h"
#include "pasar/service/purge.h"
#include "pasar/service/service.h"
#include "store/store.h"
#include "workers/reservation_sweeper.h"

namespace pasar::inventory {
std::vector<pg::Migration> Migrations();
}

int main(int argc, char** argv) {
  using namespace pasar;
  return service::Main("inventory", argc, argv, [](service::Process& p) {
    const inventory::Settings settings = inventory::SettingsFromConfig(p.config());
    p.Open("inventory", inventory::Migrations());

    inventory::Store store(p.pool());
    events::ConsumerConfig consumer_config;
    consumer_config.name = std::string(inventory::kConsumerGroup);
    consumer_config.streams = {std::string(inventory::kOrderStream)};
    consumer_config.types.assign(inventory::kOrderEventTypes.begin(),
                                 inventory::kOrderEventTypes.end());
    consumer_config.claim_idle = settings.consumer_claim_idle;
    events::Consumer consumer(p.pool(), p.redis().config(), consumer_config,
                              inventory::OrderEventHandler(store));
    inventory::InventoryMetrics metrics(p.metrics());
    inventory::ReservationSweeper sweeper(store, settings.sweep_interval, &metrics);
    service::Purger purger(service::PurgeConfigFrom(p.config()),
                           {{"inventory.idempotency", [&](absl::Duration retention, int limit) {
                               return store.PurgeIdempotency(retention, limit);
                             }}});

    inventory::PageCache pages(settings.catalog_cache_max_age);
    inventory::Catalog catalog(store, &pages);
    inventory::StallOperations stall_operations(store);
    inventory::MarketAdministration administration(store);
    inventory::StockHolds holds(store, settings.reservation_ttl, &metrics);
    inventory::CatalogApi catalog_api(catalog);
    inventory::StallApi stall_api(stall_operations);
    inventory::MarketAdminApi admin_api(administration);
    inventory::StockApi stock_api(holds);
    return p.Serve({&catalog_api, &stall_api, &admin_api, &stock_api}, inventory::Access(),
                   {service::Part::Of("consumer", consumer), service::Part::Of("sweeper", sweeper),
                    service::Part::Of("purge", purger)});
  });
}
