// The reservation expiry timer: a thread that, every `interval`, expires the HELD reservations
// whose expires_at has passed (Store::SweepExpired: claimed with FOR NO KEY UPDATE SKIP LOCKED,
// so any number of sweepers in any number of instances release each reservation once). The
// deadline is a column, so a restart loses nothing. (Idempotency records are purged by the
// service's service::Purger, main.cpp.)
#pragma once

#include <algorithm>

#include "absl/time/time.h"
#include "metrics.h"
#include "pasar/periodic/periodic.h"
#include "store/store.h"

namespace pasar::inventory {

class ReservationSweeper final {
 public:
  // `metrics` may be null (no counting); it must outlive the sweeper otherwise.
  explicit ReservationSweeper(Store& store, absl::Duration interval,
                              InventoryMetrics* metrics = nullptr, int batch = 100)
      : store_(store),
        metrics_(metrics),
        batch_(batch),
        // The first round is due after `interval`. While PostgreSQL is away the sweeper backs
        // off, to 4 intervals but at most 5 s, so holds still expire soon after it returns.
        worker_(
            "reservation sweeper", interval, std::min(interval * 4, absl::Seconds(5)),
            [this] { Round(); }, periodic::Worker::FirstRound::kAfterInterval) {}
  ~ReservationSweeper() { Stop(); }
  ReservationSweeper(const ReservationSweeper&) = delete;
  ReservationSweeper& operator=(const ReservationSweeper&) = delete;

  void Start() { worker_.Start(); }  // idempotent
  void Stop() { worker_.Stop(); }    // wakes and joins the thread (idempotent)
  // Expires what is due now on the calling thread (batches until nothing is due); returns how
  // many reservations it expired (and counts them in the metrics). Throws pg::Error when
  // PostgreSQL fails.
  int RunOnce();

 private:
  void Round();  // RunOnce, logged

  Store& store_;
  InventoryMetrics* const metrics_;
  const int batch_;
  periodic::Worker worker_;  // last: stopped before the rest is destroyed
};

}  // namespace pasar::inventory
