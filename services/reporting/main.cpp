// pasar-reporting: what the market office and the regency see (README, "Reporting"). Wiring only.
//
// Configuration (env or flags, see pasar::rpc::ConfigFromEnvAndFlags) beyond the common ones:
// app/settings.h (PASAR_REPORTING_SCHEMA, PASAR_REPORTING_GROUP, PASAR_REPORTING_REGENCY,
// PASAR_REPORTING_TIME_ZONE, PASAR_PG_POOL_SIZE, PASAR_CONSUMER_THREADS,
// PASAR_CONSUMER_CLAIM_IDLE_MS, PASAR_RETENTION_HOURS).
#include <exception>
#include <string>

#include "api/reporting_api.h"
#include "app/reports.h"
#include "app/settings.h"
#include "consumers/event_handler.h"
#include "pasar/events/events.h"
#include "pasar/idempotency/idempotency.h"
#include "pasar/pg/migrate.h"
#include "pasar/redis/redis.h"
#include "pasar/rpc/periodic.h"
#include "pasar/rpc/server.h"

namespace pasar::reporting {
std::vector<pg::Migration> Migrations();
}

namespace {

int Run(int argc, char** argv) {
  using namespace pasar;
  const rpc::ServerConfig config = rpc::ConfigFromEnvAndFlags("reporting", argc, argv);
  const reporting::Settings settings = reporting::SettingsFrom(config);

  pg::Pool pool(
      {.conninfo = config.pg, .search_path = settings.schema, .size = settings.pg_pool_size});
  pg::Migrate(pool, settings.schema, "events", events::Migrations());
  pg::Migrate(pool, settings.schema, "idempotency", idempotency::Migrations());
  pg::Migrate(pool, settings.schema, "reporting", reporting::Migrations());
  redis::Client redis(redis::ConfigFromUrl(config.redis, config.redis_prefix));

  reporting::OrderStore orders(pool);
  reporting::CatalogStore catalog(pool);
  reporting::ReferenceStore references(pool);
  events::ConsumerConfig consumer_config;
  consumer_config.name = settings.group;
  consumer_config.streams.assign(reporting::kStreams.begin(), reporting::kStreams.end());
  consumer_config.types.assign(reporting::kEventTypes.begin(), reporting::kEventTypes.end());
  consumer_config.threads = settings.consumer_threads;
  consumer_config.claim_idle = settings.claim_idle;
  events::Consumer consumer(pool, redis.config(), consumer_config,
                            reporting::EventHandler(orders, catalog));
  rpc::PeriodicWorker purge("idempotency purge", absl::Minutes(10), absl::Hours(1), [&] {
    while (idempotency::Purge(pool, settings.idempotency_retention, 1000) == 1000) {
    }
  });

  auth::Verifier verifier(config.jwt);
  reporting::Reports reports(pool, orders, catalog, references, settings);
  reporting::ReportingApi api(reports, verifier);
  rpc::Host host(config, {&api}, [&] { return pool.Ping() && redis.Ping(); });

  consumer.Start();
  purge.Start();
  host.Start();
  host.Wait();
  purge.Stop();
  consumer.Stop();
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  try {
    return Run(argc, argv);
  } catch (const std::exception& e) {
    pasar::rpc::Log("error", "pasar-reporting failed", {{"error", e.what()}});
    return 1;
  }
}
