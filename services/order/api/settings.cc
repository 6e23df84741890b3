#include "api/settings.h"

#include <algorithm>
#include <stdexcept>

namespace pasar::order {
namespace {

int64_t Number(const rpc::ServerConfig& config, const std::string& key, int64_t fallback,
               int64_t min, int64_t max) {
  const std::string text = config.Extra(key);
  if (text.empty()) return fallback;
  size_t used = 0;
  int64_t value = 0;
  try {
    value = std::stoll(text, &used);
  } catch (const std::exception&) {
    used = 0;
  }
  if (used != text.size() || value < min || value > max) {
    throw std::invalid_argument("PASAR_" + key + ": expected an integer in [" +
                                std::to_string(min) + ", " + std::to_string(max) + "], got '" +
                                text + "'");
  }
  return value;
}

}  // namespace

Settings SettingsFromConfig(const rpc::ServerConfig& config) {
  Settings s;
  s.inventory_addr = config.Extra("inventory_addr");
  if (s.inventory_addr.empty()) {
    throw std::invalid_argument("PASAR_INVENTORY_ADDR (or --inventory-addr) is required");
  }
  s.reservation_ttl = absl::Seconds(Number(config, "reservation_ttl_seconds", 1800, 10, 86400));
  s.inventory_deadline = absl::Milliseconds(Number(config, "reserve_deadline_ms", 3000, 50, 60000));
  s.market_cache_ttl = absl::Milliseconds(Number(config, "market_cache_ms", 5000, 0, 60000));
  s.sweeper_interval = absl::Milliseconds(Number(config, "sweeper_interval_ms", 1000, 10, 60000));
  s.trader_response_override =
      absl::Seconds(Number(config, "trader_response_timeout_seconds", 0, 0, 86400));
  s.dispatch_timeout_override =
      absl::Seconds(Number(config, "dispatch_timeout_seconds", 0, 0, 86400));
  s.retention = absl::Hours(Number(config, "retention_hours", 72, 0, 24 * 365));
  s.watch_backstop = absl::Milliseconds(Number(config, "watch_backstop_ms", 2000, 50, 60000));
  s.pg_pool_size = static_cast<int>(Number(config, "pg_pool_size", 16, 1, 256));
  s.consumer_threads = static_cast<int>(Number(config, "consumer_threads", 1, 1, 16));
  s.consumer_claim_idle =
      absl::Milliseconds(Number(config, "consumer_claim_idle_ms", 5000, 100, 600000));
  s.consumer_retry_window =
      absl::Seconds(Number(config, "consumer_retry_window_seconds", 600, 1, 86400));
  // Each retry waits at least claim_idle; one more for the first delivery.
  s.consumer_max_deliveries = static_cast<int>(std::max<int64_t>(
      5, absl::Ceil(s.consumer_retry_window, s.consumer_claim_idle) / s.consumer_claim_idle + 1));
  return s;
}

}  // namespace pasar::order
