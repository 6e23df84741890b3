// The reporting service's settings (README, "Configuration"), read once by main.cpp from the
// environment and flags.
#pragma once

#include <string>

#include "absl/time/time.h"
#include "pasar/rpc/server.h"

namespace pasar::reporting {

struct Settings {
  // PASAR_REPORTING_SCHEMA: the PostgreSQL schema of its tables. A rebuild replays the streams
  // into a fresh schema (with a fresh group), beside the one in use.
  std::string schema = "reporting";
  // PASAR_REPORTING_GROUP: the consumer group on the three streams (a new group reads every
  // event the streams still hold).
  std::string group = "reporting";
  // PASAR_REPORTING_REGENCY: the kabupaten column of the price export.
  std::string regency;
  // PASAR_REPORTING_TIME_ZONE: the days of a market whose MarketChanged has not arrived.
  std::string default_time_zone = "Asia/Jakarta";
  int consumer_threads = 1;                                // PASAR_CONSUMER_THREADS
  absl::Duration claim_idle = absl::Seconds(30);           // PASAR_CONSUMER_CLAIM_IDLE_MS
  absl::Duration idempotency_retention = absl::Hours(72);  // PASAR_RETENTION_HOURS
};

// From config.extra; throws std::invalid_argument naming the setting when one is malformed (a
// schema or group that is not a lower-case identifier, an unknown time zone, a number out of
// range).
Settings SettingsFrom(const rpc::ServerConfig& config);

}  // namespace pasar::reporting
