// The instance's live courier positions: the in-memory spatial index (under a shared_mutex),
// fed by ReportLocations on this instance and refreshed from the database, where every
// instance's flusher persists the changed fixes about once a second.
//
// Why through the database: the matcher of a market (the lease holder) may run on any instance
// and needs every courier's fix. Each instance writes only the couriers that changed since its
// last flush, in one multi-row statement; each instance reads only rows whose `seq` is above
// what it has seen (seq order is commit order, flushers serialise on an advisory lock). A fix
// therefore reaches every matcher within flush interval + batch window, and a restarted
// instance recovers all last fixes at start. The per-fix path is an index update and a map
// insert under locks, no I/O.
#pragma once

#include <cstdint>
#include <mutex>
#include <shared_mutex>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/time/time.h"
#include "domain/matching.h"
#include "domain/spatial_index.h"
#include "pasar/periodic/periodic.h"
#include "pasar/pg/pg.h"
#include "workers/metrics.h"

namespace pasar::dispatch {

class LiveLocations final {
 public:
  struct Counts {
    int64_t accepted = 0;
    int64_t rejected = 0;
  };

  LiveLocations(pg::Pool& pool, FixRules rules, absl::Duration flush_every);
  ~LiveLocations();  // Stop()
  LiveLocations(const LiveLocations&) = delete;
  LiveLocations& operator=(const LiveLocations&) = delete;

  // Optional; set before Start().
  void set_metrics(DispatchMetrics* metrics) { metrics_ = metrics; }
  // Loads every persisted fix, then starts the flusher thread.
  void Start();
  void Stop();  // flushes what is pending and joins

  // Validates and applies fixes (oldest first) of one courier; no I/O. Fixes ahead of `now_ms`
  // (within the allowed skew) are first put at `now_ms` (ToServerTime). A fix with the time of
  // the courier's last fix is a duplicate: counted accepted, not applied.
  Counts Report(const std::string& courier_id, std::vector<Fix> fixes, int64_t now_ms);
  // Reads fixes persisted by any instance since the last refresh into the index.
  void Refresh();
  // Writes the fixes changed since the last flush (one statement).
  void Flush();

  // Runs f(const SpatialIndex&) under the shared lock.
  template <class F>
  auto Read(F&& f) const {
    std::shared_lock lock(index_mu_);
    return f(static_cast<const SpatialIndex&>(index_));
  }

 private:
  pg::Pool& pool_;  // the fixes of every instance (store/locations.h)
  const FixRules rules_;
  DispatchMetrics* metrics_ = nullptr;

  mutable std::shared_mutex index_mu_;
  SpatialIndex index_;

  std::mutex dirty_mu_;
  absl::flat_hash_map<std::string, Fix> dirty_;

  std::mutex refresh_mu_;
  int64_t seen_seq_ = 0;

  periodic::Worker flusher_;  // last: stopped before the rest is destroyed
};

}  // namespace pasar::dispatch
