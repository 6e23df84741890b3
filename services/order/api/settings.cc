#include "api/settings.h"

#include <algorithm>
#include <fstream>
#include <sstream>
#include <stdexcept>

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
  s.reservation_ttl = absl::Seconds(config.ExtraInt("reservation_ttl_seconds", 1800, 10, 86400));
  s.inventory_deadline =
      absl::Milliseconds(config.ExtraInt("reserve_deadline_ms", 3000, 50, 60000));
  s.compensation_deadline =
      absl::Milliseconds(config.ExtraInt("compensation_deadline_ms", 3000, 50, 60000));
  s.compensation_interval =
      absl::Milliseconds(config.ExtraInt("compensation_interval_ms", 1000, 10, 600000));
  s.market_cache_ttl = absl::Milliseconds(config.ExtraInt("market_cache_ms", 5000, 0, 60000));
  s.sweeper_interval = absl::Milliseconds(config.ExtraInt("sweeper_interval_ms", 1000, 10, 60000));
  s.trader_response_override =
      absl::Seconds(config.ExtraInt("trader_response_timeout_seconds", 0, 0, 86400));
  s.dispatch_timeout_override =
      absl::Seconds(config.ExtraInt("dispatch_timeout_seconds", 0, 0, 86400));
  s.retention = absl::Hours(config.ExtraInt("retention_hours", 72, 0, 24 * 365));
  s.watch_backstop = absl::Milliseconds(config.ExtraInt("watch_backstop_ms", 2000, 50, 60000));
  s.pg_pool_size = static_cast<int>(config.ExtraInt("pg_pool_size", 16, 1, 256));
  s.consumer_threads = static_cast<int>(config.ExtraInt("consumer_threads", 1, 1, 16));
  s.consumer_claim_idle =
      absl::Milliseconds(config.ExtraInt("consumer_claim_idle_ms", 5000, 100, 600000));
  s.consumer_retry_window =
      absl::Seconds(config.ExtraInt("consumer_retry_window_seconds", 600, 1, 86400));
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
