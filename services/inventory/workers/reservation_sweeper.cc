#include "workers/reservation_sweeper.h"

#include <string>

#include "pasar/log/log.h"

namespace pasar::inventory {

int ReservationSweeper::RunOnce() {
  int total = 0;
  for (;;) {
    const int n = store_.SweepExpired(batch_);
    total += n;
    if (metrics_ != nullptr && n > 0) metrics_->CountExpired(n);
    if (n < batch_) return total;
  }
}

void ReservationSweeper::MaybePurge() {
  const absl::Time now = absl::Now();
  if (now < next_purge_) return;
  next_purge_ = now + absl::Minutes(10);
  int64_t deleted = 0;
  for (int64_t n = -1; n != 0 && deleted < 100'000;) {  // bounded batches
    n = store_.PurgeIdempotency(retention_, 1000);
    deleted += n;
  }
  if (deleted > 0) {
    log::Info("idempotency records purged", {{"count", std::to_string(deleted)}});
  }
}

void ReservationSweeper::Round() {
  const int n = RunOnce();
  if (n > 0) log::Info("reservations expired", {{"count", std::to_string(n)}});
  MaybePurge();
}

}  // namespace pasar::inventory
