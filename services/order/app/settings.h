// Settings of the order service beyond rpc::ServerConfig and libs/service (--pg-pool-size,
// --outbox-retention-hours): one flag each (declared in settings.cc, listed by --help), set by
// PASAR_<NAME> or --<name>, read once into this struct by main.cpp.
#pragma once

#include <string>

#include "absl/time/time.h"
#include "pasar/rpc/client.h"
#include "pasar/rpc/server.h"

namespace pasar::order {

struct Settings {
  std::string inventory_addr;  // PASAR_INVENTORY_ADDR (required)
  // PASAR_INVENTORY_TLS_CA_FILE (TLS to inventory when set) and
  // PASAR_INVENTORY_TLS_SERVER_NAME (the name on inventory's certificate, if not the address's).
  rpc::ClientTls inventory_tls;
  // PASAR_RESERVATION_TTL_SECONDS: how long inventory holds the stock of a PLACED order. At
  // least the trader response timeout plus a margin is always asked for.
  absl::Duration reservation_ttl = absl::Minutes(30);
  // PASAR_RESERVE_DEADLINE_MS: bound of each call to inventory made while the customer waits.
  absl::Duration inventory_deadline = absl::Seconds(3);
  // PASAR_COMPENSATION_DEADLINE_MS: bound of each call that undoes a failed placement in
  // inventory (the replay of a ReserveStock whose outcome is unknown, the release of a hold).
  // Not tied to the customer's deadline, which may be what ran out.
  absl::Duration compensation_deadline = absl::Seconds(3);
  // PASAR_COMPENSATION_INTERVAL_MS: how often the compensation worker looks for persisted
  // compensations due (holds of ReserveStock calls whose outcome stayed unknown); also its
  // first retry wait, which doubles up to a minute while inventory stays out of reach.
  absl::Duration compensation_interval = absl::Seconds(1);
  // PASAR_MARKET_CACHE_MS: how long a market read from inventory is reused (0: not cached).
  absl::Duration market_cache_ttl = absl::Seconds(5);
  // PASAR_SWEEPER_INTERVAL_MS: how often due ticket deadlines are looked for.
  absl::Duration sweeper_interval = absl::Seconds(1);
  // PASAR_TRADER_RESPONSE_TIMEOUT_SECONDS: overrides the markets' trader response timeout when
  // > 0 (simulations and tests).
  absl::Duration trader_response_override = absl::ZeroDuration();
  // PASAR_DISPATCH_TIMEOUT_SECONDS: overrides the markets' dispatch timeout (the deadline passed
  // in OrderConfirmed) when > 0.
  absl::Duration dispatch_timeout_override = absl::ZeroDuration();
  // PASAR_WATCH_BACKSTOP_MS: how often watchers re-read without a hint.
  absl::Duration watch_backstop = absl::Seconds(2);
  // PASAR_CONSUMER_THREADS: threads consuming the dispatch and inventory streams.
  int consumer_threads = 1;
  // PASAR_CONSUMER_CLAIM_IDLE_MS: a refused (e.g. early) or abandoned event is retried after
  // this long.
  absl::Duration consumer_claim_idle = absl::Seconds(5);
  // PASAR_CONSUMER_RETRY_WINDOW_SECONDS: how long a refused event keeps being retried before it
  // goes to the dead-letter stream. An event that arrived early waits for one pending on a
  // crashed consumer (claimed after claim_idle) or for PostgreSQL to come back.
  absl::Duration consumer_retry_window = absl::Minutes(10);
  // PASAR_RESIDENT_KEY_FILE: the file whose content is the HMAC-SHA256 key resident numbers are
  // hashed with (programmes; never stored in the database). Empty: residents cannot be imported
  // or linked.
  std::string resident_key;
  // Derived: deliveries allowed within the retry window, at least 5.
  int consumer_max_deliveries = 120;
};

// Throws std::invalid_argument for a missing inventory address or a malformed number.
Settings SettingsFromConfig(const rpc::ServerConfig& config);

}  // namespace pasar::order
