#include "pasar/service/service.h"

#include <exception>
#include <stdexcept>

#include "absl/flags/flag.h"
#include "absl/synchronization/mutex.h"
#include "pasar/log/log.h"

ABSL_FLAG(int64_t, pg_pool_size, 16, "PostgreSQL connections of the process (1..256)");
ABSL_FLAG(int64_t, outbox_retention_hours, 48,
          "sent outbox rows are kept this long: what the relay can ship again when Redis loses "
          "data (1..144)");
ABSL_FLAG(int64_t, retention_hours, 72,
          "idempotency and dedup records older than this are purged (service::Purger); longer "
          "than any client's retry window: a replay after it is a new request (1..8760)");

namespace pasar::service {

struct Process::Opened {
  Opened(const rpc::ServerConfig& config, std::string_view schema,
         const std::vector<pg::Migration>& migrations)
      : pool({.conninfo = config.pg,
              .search_path = std::string(schema),
              .size = static_cast<int>(config.ExtraInt("pg_pool_size", 16, 1, 256))}),
        migrated(Migrate(pool, schema, config.service_name, migrations)),
        redis(redis::ConfigFromUrl(config.redis, config.redis_prefix)),
        verifier(config.jwt),
        relay(pool, redis, config.pg, RelayConfig(config)),
        host(config, {}, [this] { return pool.Ping() && redis.Ping(); }) {}

  // libs/events' outbox tables, then the service's own, before anything else uses the schema.
  static bool Migrate(pg::Pool& pool, std::string_view schema, std::string_view component,
                      const std::vector<pg::Migration>& migrations) {
    pg::Migrate(pool, schema, "events", events::Migrations());
    pg::Migrate(pool, schema, component, migrations);
    return true;
  }

  static events::RelayConfig RelayConfig(const rpc::ServerConfig& config) {
    events::RelayConfig relay;
    relay.purge_after = absl::Hours(config.ExtraInt("outbox_retention_hours", 48, 1, 144));
    return relay;
  }

  pg::Pool pool;
  const bool migrated;
  redis::Client redis;
  auth::Verifier verifier;
  events::Relay relay;
  rpc::Host host;  // last: drained before the rest goes
};

Process::Process(rpc::ServerConfig config) : config_(std::move(config)) {}
Process::~Process() = default;

void Process::Open(std::string_view schema, const std::vector<pg::Migration>& migrations) {
  if (opened_ != nullptr) throw std::logic_error("Process::Open called twice");
  opened_ = std::make_unique<Opened>(config_, schema, migrations);
}

pg::Pool& Process::pool() {
  if (opened_ == nullptr) throw std::logic_error("Process::Open first");
  return opened_->pool;
}
redis::Client& Process::redis() {
  if (opened_ == nullptr) throw std::logic_error("Process::Open first");
  return opened_->redis;
}
const auth::Verifier& Process::verifier() {
  if (opened_ == nullptr) throw std::logic_error("Process::Open first");
  return opened_->verifier;
}
rpc::Host& Process::host() {
  if (opened_ == nullptr) throw std::logic_error("Process::Open first");
  return opened_->host;
}

int Process::Serve(std::vector<grpc::Service*> services, rpc::AccessTable access,
                   std::vector<Part> parts) {
  rpc::Host& served = host();
  for (grpc::Service* s : services)
    served.Add(s);
  served.SetAccess(opened_->verifier, std::move(access));

  size_t started = 0;
  auto stop_started = [&] {
    while (started > 0) {
      --started;
      parts[started].stop();
    }
    opened_->relay.Stop();
  };
  try {
    opened_->relay.Start();
    for (; started < parts.size(); ++started)
      parts[started].start();
    served.Start();
  } catch (...) {
    stop_started();
    throw;
  }
  served.Wait();
  stop_started();
  return 0;
}

int Main(std::string_view name, int argc, char** argv, const std::function<int(Process&)>& wire) {
  const std::string program = "pasar-" + std::string(name);
#ifdef NDEBUG
  // Debian's Abseil is built with its deadlock detector on: every Mutex lock then goes through
  // one process-wide graph under a global lock (measured: 7% of inventory's CPU serving cached
  // catalogue pages). Release builds turn it off; Debug and sanitizer builds keep it.
  absl::SetMutexDeadlockDetectionMode(absl::OnDeadlockCycle::kIgnore);
#endif
  try {
    Process process(rpc::ConfigFromEnvAndFlags(std::string(name), argc, argv));
    return wire(process);
  } catch (const std::exception& e) {
    log::Error(program + " failed", {{"error", e.what()}});
    return 1;
  }
}

}  // namespace pasar::service
