#include "app/settings.h"

#include <algorithm>
#include <fstream>
#include <sstream>
#include <stdexcept>

#include "absl/flags/flag.h"

namespace {

// Defaults, shared by the flags (what --help shows) and SettingsFromConfig (a setting absent
// from the config).
constexpr int64_t kReservationTtlSeconds = 1800;
constexpr int64_t kReserveDeadlineMs = 3000;
constexpr int64_t kCompensationDeadlineMs = 3000;
constexpr int64_t kCompensationIntervalMs = 1000;
constexpr int64_t kMarketCacheMs = 5000;
constexpr int64_t kSweeperIntervalMs = 1000;
constexpr int64_t kWatchBackstopMs = 2000;
constexpr int64_t kConsumerThreads = 1;
constexpr int64_t kConsumerClaimIdleMs = 5000;
constexpr int64_t kConsumerRetryWindowSeconds = 600;

}  // namespace

ABSL_FLAG(std::string, inventory_addr, "", "address of the inventory service (required)");
ABSL_FLAG(std::string, inventory_tls_ca_file, "",
          "TLS to inventory: the root certificate (PEM) its certificate must chain to");
ABSL_FLAG(std::string, inventory_tls_server_name, "",
          "the name on inventory's certificate when the address does not carry it");
ABSL_FLAG(int64_t, reservation_ttl_seconds, kReservationTtlSeconds,
          "stock hold asked at PlaceOrder (always outlives the trader deadline + 5 min)");
ABSL_FLAG(int64_t, reserve_deadline_ms, kReserveDeadlineMs,
          "deadline of each call to inventory while the customer waits");
ABSL_FLAG(int64_t, compensation_deadline_ms, kCompensationDeadlineMs,
          "deadline of the calls that undo a hold after a failed or unknown ReserveStock");
ABSL_FLAG(int64_t, compensation_interval_ms, kCompensationIntervalMs,
          "how often persisted compensations are looked for (retries double up to a minute)");
ABSL_FLAG(int64_t, market_cache_ms, kMarketCacheMs,
          "reuse of a market read from inventory (0: off)");
ABSL_FLAG(int64_t, sweeper_interval_ms, kSweeperIntervalMs,
          "how often due ticket deadlines are looked for");
ABSL_FLAG(int64_t, trader_response_timeout_seconds, 0, "overrides the markets' own (0: off)");
ABSL_FLAG(int64_t, dispatch_timeout_seconds, 0, "overrides the markets' own (0: off)");
// retention_hours (PASAR_RETENTION_HOURS) is libs/service's, shared by every service.
ABSL_FLAG(int64_t, watch_backstop_ms, kWatchBackstopMs,
          "watchers re-read this often without a hint");
ABSL_FLAG(int64_t, consumer_threads, kConsumerThreads, "event consumer threads");
ABSL_FLAG(int64_t, consumer_claim_idle_ms, kConsumerClaimIdleMs,
          "an event left pending this long is claimed by another consumer");
ABSL_FLAG(std::string, resident_key_file, "",
          "file holding the HMAC-SHA256 key resident numbers are hashed with (programmes)");
ABSL_FLAG(int64_t, consumer_retry_window_seconds, kConsumerRetryWindowSeconds,
          "how long an early event is retried before dead-lettering");

namespace pasar::order {

Settings SettingsFromConfig(const rpc::ServerConfig& config) {
  Settings s;
  s.inventory_addr = config.Extra("inventory_addr");
  if (s.inventory_addr.empty()) {
    throw std::invalid_argument("PASAR_INVENTORY_ADDR (or --inventory-addr) is required");
  }
  s.inventory_tls.ca_file = config.Extra("inventory_tls_ca_file");
  s.inventory_tls.server_name = config.Extra("inventory_tls_server_name");
  if (s.inventory_tls.ca_file.empty() && !s.inventory_tls.server_name.empty()) {
    throw std::invalid_argument(
        "PASAR_INVENTORY_TLS_SERVER_NAME needs PASAR_INVENTORY_TLS_CA_FILE (TLS is off without "
        "it)");
  }
  s.reservation_ttl =
      absl::Seconds(config.ExtraInt("reservation_ttl_seconds", kReservationTtlSeconds, 10, 86400));
  s.inventory_deadline =
      absl::Milliseconds(config.ExtraInt("reserve_deadline_ms", kReserveDeadlineMs, 50, 60000));
  s.compensation_deadline = absl::Milliseconds(
      config.ExtraInt("compensation_deadline_ms", kCompensationDeadlineMs, 50, 60000));
  s.compensation_interval = absl::Milliseconds(
      config.ExtraInt("compensation_interval_ms", kCompensationIntervalMs, 10, 600000));
  s.market_cache_ttl =
      absl::Milliseconds(config.ExtraInt("market_cache_ms", kMarketCacheMs, 0, 60000));
  s.sweeper_interval =
      absl::Milliseconds(config.ExtraInt("sweeper_interval_ms", kSweeperIntervalMs, 10, 60000));
  s.trader_response_override =
      absl::Seconds(config.ExtraInt("trader_response_timeout_seconds", 0, 0, 86400));
  s.dispatch_timeout_override =
      absl::Seconds(config.ExtraInt("dispatch_timeout_seconds", 0, 0, 86400));
  s.watch_backstop =
      absl::Milliseconds(config.ExtraInt("watch_backstop_ms", kWatchBackstopMs, 50, 60000));
  s.consumer_threads =
      static_cast<int>(config.ExtraInt("consumer_threads", kConsumerThreads, 1, 16));
  s.consumer_claim_idle = absl::Milliseconds(
      config.ExtraInt("consumer_claim_idle_ms", kConsumerClaimIdleMs, 100, 600000));
  s.consumer_retry_window = absl::Seconds(
      config.ExtraInt("consumer_retry_window_seconds", kConsumerRetryWindowSeconds, 1, 86400));
  if (const std::string file = config.Extra("resident_key_file"); !file.empty()) {
    std::ifstream in(file, std::ios::binary);
    std::stringstream key;
    key << in.rdbuf();
    s.resident_key = key.str();
    while (!s.resident_key.empty() &&
           (s.resident_key.back() == '\n' || s.resident_key.back() == '\r')) {
      s.resident_key.pop_back();
    }
    if (!in || s.resident_key.size() < 16) {
      throw std::invalid_argument("PASAR_RESIDENT_KEY_FILE: unreadable or shorter than 16 bytes");
    }
  }
  // Each retry waits at least claim_idle; one more for the first delivery.
  s.consumer_max_deliveries = static_cast<int>(std::max<int64_t>(
      5, absl::Ceil(s.consumer_retry_window, s.consumer_claim_idle) / s.consumer_claim_idle + 1));
  return s;
}

}  // namespace pasar::order
