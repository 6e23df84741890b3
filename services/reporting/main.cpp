// pasar-reporting: what the market office and the regency see (README, "Reporting"). Wiring only:
// the start and stop sequence is libs/service's (docs/architecture.md); the settings are
// app/settings.h's (PASAR_REPORTING_SCHEMA, PASAR_REPORTING_GROUP, PASAR_REPORTING_REGENCY,
// PASAR_REPORTING_TIME_ZONE, PASAR_CONSUMER_THREADS, PASAR_CONSUMER_CLAIM_IDLE_MS,
// PASAR_RETENTION_HOURS).
#include <string>

#include "api/reporting_api.h"
#include "app/reports.h"
#include "app/settings.h"
#include "consumers/event_handler.h"
#include "pasar/service/purge.h"
#include "pasar/service/service.h"
#include "store/idempotency_store.h"

namespace pasar::reporting {
std::vector<pg::Migration> Migrations();
}

int main(int argc, char** argv) {
  using namespace pasar;
  return service::Main("reporting", argc, argv, [](service::Process& p) {
    const reporting::Settings settings = reporting::SettingsFrom(p.config());
    p.Open(settings.schema, reporting::Migrations());

    reporting::OrderStore orders(p.pool());
    reporting::CatalogStore catalog(p.pool());
    reporting::ReferenceStore references(p.pool());
    reporting::IdempotencyStore idempotency(p.pool());
    events::ConsumerConfig consumer_config;
    consumer_config.name = settings.group;
    consumer_config.streams.assign(reporting::kStreams.begin(), reporting::kStreams.end());
    consumer_config.types.assign(reporting::kEventTypes.begin(), reporting::kEventTypes.end());
    consumer_config.threads = settings.consumer_threads;
    consumer_config.claim_idle = settings.claim_idle;
    events::Consumer consumer(p.pool(), p.redis().config(), consumer_config,
                              reporting::EventHandler(orders, catalog));
    service::Purger purge(service::PurgeConfigFrom(p.config()),
                          {{"idempotency", [&](absl::Duration retention, int limit) {
                              return idempotency.Purge(retention, limit);
                            }}});

    reporting::Reports reports(p.pool(), orders, catalog, references, settings);
    reporting::ReportingApi api(reports);
    return p.Serve({&api}, reporting::Access(),
                   {service::Part::Of("consumer", consumer), service::Part::Of("purge", purge)});
  });
}
