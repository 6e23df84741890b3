#include "app/settings.h"

#include "absl/flags/flag.h"

namespace {

// Defaults, shared by the flags (what --help shows) and SettingsFromConfig.
constexpr int64_t kReservationTtlSeconds = 900;
constexpr int64_t kSweepIntervalMs = 1000;
constexpr int64_t kConsumerClaimIdleMs = 30000;
constexpr int64_t kCatalogCacheMs = 1000;

}  // namespace

ABSL_FLAG(int64_t, reservation_ttl_seconds, kReservationTtlSeconds,
          "hold time when ReserveStock gives none (1..86400)");
ABSL_FLAG(int64_t, reservation_sweep_interval_ms, kSweepIntervalMs,
          "how often expired holds are released");
ABSL_FLAG(int64_t, consumer_claim_idle_ms, kConsumerClaimIdleMs,
          "an event left pending this long is claimed by another consumer");
ABSL_FLAG(int64_t, catalog_cache_ms, kCatalogCacheMs,
          "how long a product page may be served from memory (0..60000; 0: off)");

namespace pasar::inventory {

Settings SettingsFromConfig(const rpc::ServerConfig& config) {
  Settings s;
  s.reservation_ttl =
      absl::Seconds(config.ExtraInt("reservation_ttl_seconds", kReservationTtlSeconds, 1, 86400));
  s.sweep_interval =
      config.ExtraMillis("reservation_sweep_interval_ms", absl::Milliseconds(kSweepIntervalMs));
  s.consumer_claim_idle =
      config.ExtraMillis("consumer_claim_idle_ms", absl::Milliseconds(kConsumerClaimIdleMs));
  s.catalog_cache_max_age =
      absl::Milliseconds(config.ExtraInt("catalog_cache_ms", kCatalogCacheMs, 0, 60000));
  return s;
}

}  // namespace pasar::inventory
