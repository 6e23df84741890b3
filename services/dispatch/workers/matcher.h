// The batch matcher: every window, for each market with pending jobs whose lease
// (<prefix>lease.matcher.<market id>) this instance holds or can take, plans the exact
// minimum-cost assignment of pending jobs to eligible couriers and makes the offers.
// Only the lease holder matches a market; when it dies the lease expires (TTL) and another
// instance takes the market over at its next window. Taking a lease also claims the market's
// fencing token in PostgreSQL (store/matching.h), and every offer is made under it: an instance
// that was paused past its lease, or that still believes in a lease Redis lost, is refused by
// PostgreSQL once another instance has claimed the market, and lets the market go. The
// sweeper is in workers/sweeper.h.
#pragma once

#include <map>
#include <memory>
#include <optional>
#include <string>

#include "absl/time/time.h"
#include "app/matcher_cases.h"
#include "domain/bundles.h"
#include "domain/matching.h"
#include "pasar/periodic/periodic.h"
#include "pasar/redis/redis.h"
#include "store/matching.h"
#include "workers/live_locations.h"
#include "workers/metrics.h"

namespace pasar::dispatch {

struct MatcherConfig {
  absl::Duration window = absl::Seconds(2);     // PASAR_BATCH_WINDOW_MS
  absl::Duration lease_ttl = absl::Seconds(5);  // PASAR_MATCHER_LEASE_MS
  int max_jobs_per_window = 500;
  // The policy of a market never set by SetMarketDispatch (PASAR_MATCHING_POLICY).
  MatchingRule default_rule = MatchingRule::kExact;
};

class Matcher final {
 public:
  // Throws std::invalid_argument unless config.lease_ttl > config.window.
  Matcher(app::MatcherCases& cases, redis::Client& redis, LiveLocations& locations,
          MatchingPolicy policy, MatcherConfig config, std::string instance_id);
  ~Matcher();  // Stop()
  Matcher(const Matcher&) = delete;
  Matcher& operator=(const Matcher&) = delete;

  void set_metrics(DispatchMetrics* metrics) { metrics_ = metrics; }  // optional, before Start
  void Start() { worker_.Start(); }
  void Stop();  // joins and releases the leases held
  // One window on the calling thread; returns the number of offers made.
  int RunOnce();

 private:
  struct MarketLease {
    std::unique_ptr<redis::Lease> lease;
    std::optional<store::MatcherFence> fence;  // claimed when the lease was taken
    absl::Time last_needed;                    // last window the market had pending jobs
  };
  // Plans the market and makes the offers while its lease is held and its fence current.
  int MatchMarket(const std::string& market_id, MarketLease& ml);

  app::MatcherCases& cases_;
  redis::Client& redis_;
  LiveLocations& locations_;
  const MatchingPolicy policy_;
  const MatcherConfig config_;
  const std::string instance_id_;
  DispatchMetrics* metrics_ = nullptr;
  std::map<std::string, MarketLease> leases_;  // worker thread only (or RunOnce's caller)
  periodic::Worker worker_;                    // last: stopped before the rest is destroyed
};

}  // namespace pasar::dispatch
