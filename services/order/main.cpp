// pasar-order: OrderService and TicketService, the ticket deadline sweeper, the compensation
// worker, and the consumer of the dispatch (and inventory) event streams. Wiring only: the start
// and stop sequence is libs/service's (docs/architecture.md).
#include "api/access.h"
#include "api/order_api.h"
#include "api/programme_api.h"
#include "api/ticket_api.h"
#include "app/changes.h"
#include "app/orders.h"
#include "app/place_order.h"
#include "app/programmes.h"
#include "app/settings.h"
#include "app/tickets.h"
#include "clients/inventory_client.h"
#include "consumers/dispatch_events.h"
#include "pasar/events/live.h"
#include "pasar/service/purge.h"
#include "pasar/service/service.h"
#include "store/migrations.h"
#include "store/order_store.h"
#include "workers/compensation_worker.h"
#include "workers/ticket_sweeper.h"

int main(int argc, char** argv) {
  using namespace pasar;
  return service::Main("order", argc, argv, [](service::Process& p) {
    const order::Settings settings = order::SettingsFromConfig(p.config());
    p.Open("orders", order::Migrations());

    events::ConsumerConfig consumer_config;
    consumer_config.name = order::kConsumerGroup;
    consumer_config.streams = {order::kDispatchStream, order::kInventoryStream};
    consumer_config.types.assign(order::kHandledEventTypes.begin(),
                                 order::kHandledEventTypes.end());
    consumer_config.threads = settings.consumer_threads;
    consumer_config.claim_idle = settings.consumer_claim_idle;
    consumer_config.max_deliveries = settings.consumer_max_deliveries;
    events::Consumer consumer(p.pool(), p.redis().config(), consumer_config, order::HandleEvent);
    order::TicketSweeper sweeper(p.pool(), settings.sweeper_interval);
    service::Purger purger(service::PurgeConfigFrom(p.config()),
                           {{"orders.order_snapshots",
                             [&](absl::Duration retention, int limit) {
                               return order::store::PurgeSnapshots(p.pool(), retention, limit);
                             }},
                            {"orders.place_attempts",
                             [&](absl::Duration retention, int limit) {
                               return order::store::PurgeAttempts(p.pool(), retention, limit);
                             }},
                            {"orders.idempotency", [&](absl::Duration retention, int limit) {
                               return order::store::PurgeResponses(p.pool(), retention, limit);
                             }}});
    order::InventoryClient inventory(settings.inventory_addr, p.config().jwt,
                                     settings.market_cache_ttl, settings.inventory_tls);
    order::CompensationWorker compensations(p.pool(), inventory, settings.compensation_interval,
                                            settings.compensation_deadline);
    events::LiveHub live(p.redis().config(), order::kOrderStream);

    order::Placement placement(p.pool(), inventory, settings);
    order::Orders orders(p.pool());
    order::Tickets tickets(p.pool());
    order::OrderApi order_api(placement, orders, live, settings);
    order::TicketApi ticket_api(tickets, live, settings);
    order::Programmes programmes(p.pool(), inventory, settings.resident_key,
                                 settings.inventory_deadline);
    order::ProgrammeApi programme_api(programmes);
    return p.Serve(
        {&order_api, &ticket_api, &programme_api}, order::Access(),
        {service::Part::Of("consumer", consumer), service::Part::Of("sweeper", sweeper),
         service::Part::Of("compensations", compensations), service::Part::Of("purge", purger)});
  });
}
