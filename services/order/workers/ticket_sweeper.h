// Expires tickets whose trader response deadline (tickets.decide_by, a persisted timer) has
// passed. Each round claims due orders one at a time with FOR UPDATE SKIP LOCKED and applies
// the expiry (and the order's confirmation or cancellation) in that same transaction, so any
// number of instances can sweep together and a restart loses nothing.
//
// It also does the service's housekeeping: every few minutes, rows older than `retention` that
// are only needed for a while (store::PurgeBefore) are deleted in bounded batches.
#pragma once

#include <cstdint>

#include "absl/time/time.h"
#include "pasar/periodic/periodic.h"
#include "pasar/pg/pg.h"

namespace pasar::order {

class TicketSweeper final {
 public:
  // `retention` zero: nothing is purged.
  TicketSweeper(pg::Pool& pool, absl::Duration interval,
                absl::Duration retention = absl::ZeroDuration());
  ~TicketSweeper();  // Stop()
  TicketSweeper(const TicketSweeper&) = delete;
  TicketSweeper& operator=(const TicketSweeper&) = delete;

  void Start() { worker_.Start(); }
  void Stop() { worker_.Stop(); }
  // One round on the calling thread: expires what is due at `now`; returns the number of
  // orders changed.
  int RunOnce(absl::Time now);
  // One housekeeping pass on the calling thread: purges rows older than now - retention in
  // bounded batches (fewer once Stop was called); returns the number of rows deleted.
  int64_t Purge(absl::Time now);

 private:
  void Round();  // RunOnce, and Purge every few minutes

  pg::Pool& pool_;
  absl::Duration retention_;
  absl::Time next_purge_ = absl::InfinitePast();  // used by the sweeper thread only
  periodic::Worker worker_;                       // last: stopped before the rest is destroyed
};

}  // namespace pasar::order
