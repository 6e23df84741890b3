#include "app/settings.h"

#include "absl/flags/flag.h"

namespace {

// Defaults, shared by the flags (what --help shows) and SettingsFromConfig.
constexpr int64_t kOfferTimeoutMs = 20000;
constexpr int64_t kFixMaxAgeMs = 60000;
constexpr int64_t kMatchRadiusM = 3000;
constexpr int64_t kMatchMaxRadiusM = 8000;
constexpr int64_t kLocationFlushMs = 1000;
constexpr int64_t kConsumerClaimIdleMs = 30000;
constexpr int64_t kBatchWindowMs = 2000;
constexpr int64_t kMatcherLeaseMs = 5000;
constexpr int64_t kSweepIntervalMs = 500;
constexpr int64_t kStaleAssignedMs = 120000;
constexpr int64_t kWatchBackstopMs = 2000;

}  // namespace

ABSL_FLAG(int64_t, offer_timeout_ms, kOfferTimeoutMs, "offer countdown");
ABSL_FLAG(int64_t, fix_max_age_ms, kFixMaxAgeMs,
          "a courier whose last fix is older is not offered jobs");
ABSL_FLAG(int64_t, match_radius_m, kMatchRadiusM, "search radius around the market (100..100000)");
ABSL_FLAG(int64_t, match_max_radius_m, kMatchMaxRadiusM,
          "widest search radius while a job waits (100..200000)");
ABSL_FLAG(int64_t, location_flush_ms, kLocationFlushMs, "batch persistence of last fixes");
ABSL_FLAG(int64_t, consumer_claim_idle_ms, kConsumerClaimIdleMs,
          "an event left pending this long is claimed by another consumer");
ABSL_FLAG(int64_t, batch_window_ms, kBatchWindowMs, "matching window per market");
ABSL_FLAG(int64_t, matcher_lease_ms, kMatcherLeaseMs,
          "lease of a market's matcher in Redis (failover time)");
ABSL_FLAG(int64_t, sweep_interval_ms, kSweepIntervalMs, "timer sweep");
ABSL_FLAG(int64_t, stale_assigned_ms, kStaleAssignedMs,
          "an assigned courier silent this long before pickup is released");
ABSL_FLAG(int64_t, watch_backstop_ms, kWatchBackstopMs,
          "watchers re-read this often without a hint");

namespace pasar::dispatch {

Settings SettingsFromConfig(const rpc::ServerConfig& config) {
  Settings s;
  s.timers.offer_ttl = config.ExtraMillis("offer_timeout_ms", absl::Milliseconds(kOfferTimeoutMs));
  s.matching.fix_max_age_ms = absl::ToInt64Milliseconds(
      config.ExtraMillis("fix_max_age_ms", absl::Milliseconds(kFixMaxAgeMs)));
  s.matching.base_radius_m =
      static_cast<double>(config.ExtraInt("match_radius_m", kMatchRadiusM, 100, 100000));
  s.matching.max_radius_m =
      static_cast<double>(config.ExtraInt("match_max_radius_m", kMatchMaxRadiusM, 100, 200000));
  s.location_flush = config.ExtraMillis("location_flush_ms", absl::Milliseconds(kLocationFlushMs));
  s.consumer_claim_idle =
      config.ExtraMillis("consumer_claim_idle_ms", absl::Milliseconds(kConsumerClaimIdleMs));
  s.matcher.window = config.ExtraMillis("batch_window_ms", absl::Milliseconds(kBatchWindowMs));
  s.matcher.lease_ttl = config.ExtraMillis("matcher_lease_ms", absl::Milliseconds(kMatcherLeaseMs));
  s.sweeper.every = config.ExtraMillis("sweep_interval_ms", absl::Milliseconds(kSweepIntervalMs));
  s.sweeper.stale_assigned =
      config.ExtraMillis("stale_assigned_ms", absl::Milliseconds(kStaleAssignedMs));
  s.watch_backstop = config.ExtraMillis("watch_backstop_ms", absl::Milliseconds(kWatchBackstopMs));
  return s;
}

}  // namespace pasar::dispatch
