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

void ReservationSweeper::Round() {
  const int n = RunOnce();
  if (n > 0) log::Info("reservations expired", {{"count", std::to_string(n)}});
}

}  // namespace pasar::inventory
