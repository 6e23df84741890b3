// The sweeper: applies the persisted deadlines (offer timeouts, dispatch deadlines, silent
// assigned couriers) every interval. Every instance runs one; rows are claimed with FOR UPDATE
// SKIP LOCKED (app::SweeperCases).
#pragma once

#include "absl/time/time.h"
#include "app/sweeper_cases.h"
#include "pasar/periodic/periodic.h"
#include "workers/metrics.h"

namespace pasar::dispatch {

struct SweeperConfig {
  absl::Duration every = absl::Milliseconds(500);      // PASAR_SWEEP_INTERVAL_MS
  absl::Duration stale_assigned = absl::Seconds(120);  // PASAR_STALE_ASSIGNED_MS
  int batch = 100;
};

class Sweeper final {
 public:
  Sweeper(app::SweeperCases& cases, SweeperConfig config);
  ~Sweeper();
  Sweeper(const Sweeper&) = delete;
  Sweeper& operator=(const Sweeper&) = delete;

  void set_metrics(DispatchMetrics* metrics) { metrics_ = metrics; }  // optional, before Start
  void Start() { worker_.Start(); }
  void Stop() { worker_.Stop(); }
  int RunOnce();  // transitions applied

 private:
  app::SweeperCases& cases_;
  const SweeperConfig config_;
  DispatchMetrics* metrics_ = nullptr;
  periodic::Worker worker_;  // last: stopped before the rest is destroyed
};

}  // namespace pasar::dispatch
