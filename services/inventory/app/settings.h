// Settings of the inventory service beyond rpc::ServerConfig and libs/service (--pg-pool-size,
// --outbox-retention-hours): one flag each (declared in settings.cc, listed by --help), set by
// PASAR_<NAME> or --<name>, read once into this struct by main.cpp.
#pragma once

#include "absl/time/time.h"
#include "pasar/rpc/server.h"

namespace pasar::inventory {

struct Settings {
  // PASAR_RESERVATION_TTL_SECONDS: hold time when ReserveStock leaves ttl_seconds at 0.
  absl::Duration reservation_ttl = absl::Seconds(900);
  // PASAR_RESERVATION_SWEEP_INTERVAL_MS: how often expired holds are released.
  absl::Duration sweep_interval = absl::Seconds(1);
  // PASAR_CONSUMER_CLAIM_IDLE_MS: an order event left pending this long is claimed by another
  // consumer.
  absl::Duration consumer_claim_idle = absl::Seconds(30);
  // PASAR_CATALOG_CACHE_MS: how long a product page may be served from memory (app/page_cache.h:
  // the bound on how late another instance's write shows; 0: every page is read afresh).
  absl::Duration catalog_cache_max_age = absl::Seconds(1);
};

// Throws std::invalid_argument for a malformed or out-of-range number.
Settings SettingsFromConfig(const rpc::ServerConfig& config);

}  // namespace pasar::inventory
