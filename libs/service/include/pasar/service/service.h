// pasar::service — the start and stop of a Pasar service, written once, so that a service's
// main.cpp is wiring only and a new service does not copy the sequence.
//
//   int main(int argc, char** argv) {
//     return pasar::service::Main("order", argc, argv, [](pasar::service::Process& p) {
//       const order::Settings settings = order::SettingsFromConfig(p.config());
//       p.Open("orders", order::Migrations());
//       events::Consumer consumer(p.pool(), p.redis().config(), ..., order::HandleEvent);
//       order::TicketSweeper sweeper(p.pool(), ...);
//       order::OrderApi orders(...);
//       return p.Serve({&orders}, order::Access(),
//                      {service::Part::Of("consumer", consumer), service::Part::Of(...)});
//     });
//   }
//
// The sequence, the same for every service:
//   1. configuration: rpc::ConfigFromEnvAndFlags(name, argc, argv) (PASAR_* environment, then
//      --flags; the service's own flags are declared next to its Settings);
//   2. Open: the PostgreSQL pool on the service's schema (--pg-pool-size connections), the
//      migrations (libs/events' outbox tables, then the service's own, each under an advisory
//      lock), Redis, the token verifier, the outbox relay (sent rows kept
//      --outbox-retention-hours) and the gRPC Host (its metrics registry is usable from here on);
//   3. the wiring function builds the service's own objects (consumers, workers, adapters) as
//      its locals;
//   4. Serve: the relay starts, then every Part in the order given, then the Host (with the
//      access rules, pasar/rpc/serve.h); it waits for SIGTERM or SIGINT, drains the Host, stops
//      the Parts in reverse order, then the relay;
//   5. whatever throws is logged ({"msg":"pasar-<name> failed"}) and the exit status is 1.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "pasar/auth/auth.h"
#include "pasar/events/events.h"
#include "pasar/pg/migrate.h"
#include "pasar/pg/pg.h"
#include "pasar/redis/redis.h"
#include "pasar/rpc/serve.h"
#include "pasar/rpc/server.h"

namespace pasar::service {

// Something that runs in the background while the service serves: a consumer, a periodic worker,
// a matcher. Started before the Host, stopped after its drain.
struct Part {
  std::string name;
  std::function<void()> start;
  std::function<void()> stop;

  // A Part of anything with Start() and Stop() (not owned: it must outlive Serve).
  template <class T>
  static Part Of(std::string name, T& part) {
    return Part{std::move(name), [&part] { part.Start(); }, [&part] { part.Stop(); }};
  }
};

class Process final {
 public:
  explicit Process(rpc::ServerConfig config);
  ~Process();
  Process(const Process&) = delete;
  Process& operator=(const Process&) = delete;

  const rpc::ServerConfig& config() const { return config_; }

  // Step 2: `schema` is the service's PostgreSQL schema ("orders"); `migrations` its own
  // (applied as component config().service_name after libs/events' tables).
  void Open(std::string_view schema, const std::vector<pg::Migration>& migrations);

  // After Open.
  pg::Pool& pool();
  redis::Client& redis();
  const auth::Verifier& verifier();
  rpc::Host& host();
  prometheus::Registry& metrics() { return host().metrics(); }

  // Step 4: serves `services` (not owned) under `access` until SIGTERM/SIGINT, with `parts`
  // running meanwhile. Returns the exit status (0).
  int Serve(std::vector<grpc::Service*> services, rpc::AccessTable access, std::vector<Part> parts);

 private:
  struct Opened;
  rpc::ServerConfig config_;
  std::unique_ptr<Opened> opened_;
};

// Steps 1 and 5 around `wire`, which does steps 2 to 4 (Open, build, return Serve(...)).
// Returns the process's exit status.
int Main(std::string_view name, int argc, char** argv, const std::function<int(Process&)>& wire);

}  // namespace pasar::service
