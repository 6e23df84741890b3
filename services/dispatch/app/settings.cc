#include "app/settings.h"

#include <optional>
#include <stdexcept>
#include <string>

#include "absl/flags/flag.h"

namespace {

// Defaults, shared by the flags (what --help shows) and SettingsFromConfig.
constexpr int64_t kOfferTimeoutMs = 20000;
constexpr int64_t kFixMaxAgeMs = 60000;
constexpr int64_t kMatchRadiusM = 3000;
constexpr int64_t kMatchMaxRadiusM = 8000;
// The exact solver's fairness credit: at most this many seconds of ride forgiven to a courier
// who has waited idle (MatchingConfig). 0 switches the credit off (the solver's own effect,
// measured against greedy in README "Exact matching against nearest first").
constexpr int64_t kMaxFairnessCreditS = 120;
constexpr int64_t kLocationFlushMs = 1000;
constexpr int64_t kConsumerClaimIdleMs = 30000;
constexpr int64_t kBatchWindowMs = 2000;
constexpr int64_t kMatcherLeaseMs = 5000;
constexpr int64_t kSweepIntervalMs = 500;
constexpr int64_t kStaleAssignedMs = 120000;
constexpr int64_t kWatchBackstopMs = 2000;
// The failed-delivery policy of a market without one (SetFailurePolicy).
constexpr int64_t kFailureWaitMinutes = 10;
constexpr int64_t kFailureMinAttempts = 3;
constexpr int64_t kArrivalRadiusM = 300;
constexpr int64_t kFailureFeeIdr = 0;

}  // namespace

ABSL_FLAG(int64_t, offer_timeout_ms, kOfferTimeoutMs, "offer countdown");
ABSL_FLAG(int64_t, fix_max_age_ms, kFixMaxAgeMs,
          "a courier whose last fix is older is not offered jobs");
ABSL_FLAG(int64_t, match_radius_m, kMatchRadiusM, "search radius around the market (100..100000)");
ABSL_FLAG(int64_t, match_max_radius_m, kMatchMaxRadiusM,
          "widest search radius while a job waits (100..200000)");
ABSL_FLAG(int64_t, max_fairness_credit_s, kMaxFairnessCreditS,
          "exact matching: most seconds of ride forgiven to a courier for idle time (0..3600; "
          "0: no fairness credit)");
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
ABSL_FLAG(std::string, matching_policy, "exact",
          "matching policy of a market never set by SetMarketDispatch: exact or greedy");

ABSL_FLAG(int64_t, failure_wait_minutes, kFailureWaitMinutes,
          "minutes at the door from the first attempt before a delivery may be declared failed "
          "(0..120; a market's SetFailurePolicy overrides)");
ABSL_FLAG(int64_t, failure_min_attempts, kFailureMinAttempts,
          "attempts (calls) before a delivery may be declared failed (1..10)");
ABSL_FLAG(int64_t, arrival_radius_m, kArrivalRadiusM,
          "how close to the drop-off a delivery attempt must be reported (10..5000)");
ABSL_FLAG(int64_t, failure_fee_idr, kFailureFeeIdr,
          "charged to the customer for a failed delivery, capped at the delivery fee");

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
  s.matching.max_fairness_credit_s =
      static_cast<double>(config.ExtraInt("max_fairness_credit_s", kMaxFairnessCreditS, 0, 3600));
  s.location_flush = config.ExtraMillis("location_flush_ms", absl::Milliseconds(kLocationFlushMs));
  s.consumer_claim_idle =
      config.ExtraMillis("consumer_claim_idle_ms", absl::Milliseconds(kConsumerClaimIdleMs));
  s.matcher.window = config.ExtraMillis("batch_window_ms", absl::Milliseconds(kBatchWindowMs));
  s.matcher.lease_ttl = config.ExtraMillis("matcher_lease_ms", absl::Milliseconds(kMatcherLeaseMs));
  s.sweeper.every = config.ExtraMillis("sweep_interval_ms", absl::Milliseconds(kSweepIntervalMs));
  s.sweeper.stale_assigned =
      config.ExtraMillis("stale_assigned_ms", absl::Milliseconds(kStaleAssignedMs));
  s.watch_backstop = config.ExtraMillis("watch_backstop_ms", absl::Milliseconds(kWatchBackstopMs));
  const std::optional<MatchingRule> rule = ParseRule(config.Extra("matching_policy", "exact"));
  if (!rule) throw std::invalid_argument("matching_policy must be exact or greedy");
  s.matcher.default_rule = *rule;
  s.failure_policy.wait_minutes =
      static_cast<int>(config.ExtraInt("failure_wait_minutes", kFailureWaitMinutes, 0, 120));
  s.failure_policy.min_attempts =
      static_cast<int>(config.ExtraInt("failure_min_attempts", kFailureMinAttempts, 1, 10));
  s.failure_policy.arrival_radius_meters =
      static_cast<int>(config.ExtraInt("arrival_radius_m", kArrivalRadiusM, 10, 5000));
  s.failure_policy.failure_fee_idr =
      config.ExtraInt("failure_fee_idr", kFailureFeeIdr, 0, 10'000'000);
  return s;
}

}  // namespace pasar::dispatch
