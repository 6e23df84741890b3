// Settings of the dispatch service beyond rpc::ServerConfig and libs/service (--pg-pool-size,
// --outbox-retention-hours): one flag each (declared in settings.cc, listed by --help), set by
// PASAR_<NAME> or --<name>, read once into this struct by main.cpp, which hands each part its
// own piece.
#pragma once

#include "absl/time/time.h"
#include "app/outcome.h"
#include "domain/delivery_exceptions.h"
#include "domain/matching.h"
#include "pasar/rpc/server.h"
#include "workers/matcher.h"
#include "workers/sweeper.h"

namespace pasar::dispatch {

struct Settings {
  app::Timers timers;  // PASAR_OFFER_TIMEOUT_MS (offer countdown)
  // PASAR_FIX_MAX_AGE_MS, PASAR_MATCH_RADIUS_M, PASAR_MATCH_MAX_RADIUS_M,
  // PASAR_MAX_FAIRNESS_CREDIT_S
  MatchingConfig matching;
  MatcherConfig matcher;  // PASAR_BATCH_WINDOW_MS, PASAR_MATCHER_LEASE_MS, PASAR_MATCHING_POLICY
  SweeperConfig sweeper;  // PASAR_SWEEP_INTERVAL_MS, PASAR_STALE_ASSIGNED_MS
  absl::Duration location_flush = absl::Seconds(1);        // PASAR_LOCATION_FLUSH_MS
  absl::Duration consumer_claim_idle = absl::Seconds(30);  // PASAR_CONSUMER_CLAIM_IDLE_MS
  absl::Duration watch_backstop = absl::Seconds(2);        // PASAR_WATCH_BACKSTOP_MS
  // PASAR_FAILURE_WAIT_MINUTES, PASAR_FAILURE_MIN_ATTEMPTS, PASAR_ARRIVAL_RADIUS_M,
  // PASAR_FAILURE_FEE_IDR: the failed-delivery policy of a market without its own.
  domain::FailurePolicy failure_policy;
};

// Throws std::invalid_argument for a malformed or out-of-range number.
Settings SettingsFromConfig(const rpc::ServerConfig& config);

}  // namespace pasar::dispatch
