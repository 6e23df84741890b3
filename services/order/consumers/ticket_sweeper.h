// Expires tickets whose trader response deadline (tickets.decide_by, a persisted timer) has
// passed. Each round claims due orders one at a time with FOR UPDATE SKIP LOCKED and applies
// the expiry (and the order's confirmation or cancellation) in that same transaction, so any
// number of instances can sweep together and a restart loses nothing.
#pragma once

#include <atomic>
#include <thread>

#include "absl/synchronization/notification.h"
#include "absl/time/time.h"
#include "pasar/pg/pg.h"

namespace pasar::order {

class TicketSweeper final {
 public:
  TicketSweeper(pg::Pool& pool, absl::Duration interval);
  ~TicketSweeper();  // Stop()
  TicketSweeper(const TicketSweeper&) = delete;
  TicketSweeper& operator=(const TicketSweeper&) = delete;

  void Start();
  void Stop();
  // One round on the calling thread: expires what is due at `now`; returns the number of
  // orders changed.
  int RunOnce(absl::Time now);

 private:
  void Loop();

  pg::Pool& pool_;
  absl::Duration interval_;
  std::atomic<bool> stop_{false};
  absl::Notification stopped_;
  std::thread thread_;
};

}  // namespace pasar::order
