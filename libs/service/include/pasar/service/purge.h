// pasar::service::Purger — the one scheduled purge of a service's bounded tables (idempotency
// records, dedup rows, snapshots): every table that only has to remember a request for as long
// as a client may retry it. Each service lists its purge statements (the SQL stays in the
// service's store/); the Purger runs them on its own thread in bounded batches, so a purge never
// holds long locks and a backlog (a service down for a day) is worked off over a few rounds.
//
//   service::Purger purger(service::PurgeConfigFrom(p.config()),
//                          {{"idempotency", [&](absl::Duration retention, int limit) {
//                             return store.PurgeIdempotency(retention, limit); }}});
//   return p.Serve(..., {..., service::Part::Of("purge", purger)});
//
// The retention is one setting for every service: PASAR_RETENTION_HOURS / --retention-hours
// (default 72 h, 1..8760). It must be longer than any client's retry window: a request replayed
// after its record was purged is a new request (README, "Configuration"). The outbox
// (--outbox-retention-hours, events::Relay) and consumed_events (events::Consumer, 7 days)
// are purged by libs/events itself.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "absl/time/time.h"
#include "pasar/periodic/periodic.h"
#include "pasar/rpc/server.h"

namespace pasar::service {

struct PurgeConfig {
  absl::Duration retention = absl::Hours(72);  // rows older than this are deleted
  absl::Duration every = absl::Minutes(10);    // between rounds (the first runs at start)
  int batch = 1000;                            // rows per statement
  int64_t max_rows_per_round = 1'000'000;      // per table; the rest waits for the next round
};

// retention from PASAR_RETENTION_HOURS (--retention-hours); throws std::invalid_argument when
// it is out of range.
PurgeConfig PurgeConfigFrom(const rpc::ServerConfig& config);

// One purge statement of a service's store: deletes up to `limit` rows older than `retention`
// and returns how many it deleted.
struct PurgeStatement {
  std::string table;  // for the log
  std::function<int64_t(absl::Duration retention, int limit)> run;
};

class Purger final {
 public:
  Purger(PurgeConfig config, std::vector<PurgeStatement> statements);
  ~Purger() { Stop(); }
  Purger(const Purger&) = delete;
  Purger& operator=(const Purger&) = delete;

  void Start() { worker_.Start(); }
  void Stop() { worker_.Stop(); }

  // One round on the calling thread: each statement in batches until a batch deletes nothing
  // or max_rows_per_round is reached. Returns the rows deleted (all tables). Throws what a
  // statement throws (the worker logs it and backs off).
  int64_t RunOnce();

  const PurgeConfig& config() const { return config_; }

 private:
  const PurgeConfig config_;
  const std::vector<PurgeStatement> statements_;
  periodic::Worker worker_;  // last: stopped before the rest is destroyed
};

}  // namespace pasar::service
