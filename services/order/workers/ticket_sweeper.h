// Expires tickets whose trader response deadline (tickets.decide_by, a persisted timer) has
// passed. Each round claims due orders one at a time with FOR UPDATE SKIP LOCKED and applies
// the expiry (and the order's confirmation or cancellation) in that same transaction, so any
// number of instances can sweep together and a restart loses nothing. (The service's
// housekeeping is its service::Purger, main.cpp.)
#pragma once

#include "absl/time/time.h"
#include "pasar/periodic/periodic.h"
#include "pasar/pg/pg.h"

namespace pasar::order {

class TicketSweeper final {
 public:
  TicketSweeper(pg::Pool& pool, absl::Duration interval);
  ~TicketSweeper();  // Stop()
  TicketSweeper(const TicketSweeper&) = delete;
  TicketSweeper& operator=(const TicketSweeper&) = delete;

  void Start() { worker_.Start(); }
  void Stop() { worker_.Stop(); }
  // One round on the calling thread: expires what is due at `now`; returns the number of
  // orders changed.
  int RunOnce(absl::Time now);

 private:
  pg::Pool& pool_;
  periodic::Worker worker_;  // last: stopped before the rest is destroyed
};

}  // namespace pasar::order
