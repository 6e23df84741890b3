// The sweeper's use cases: the persisted deadlines applied. Rows are claimed with FOR UPDATE
// SKIP LOCKED, so every instance may run them at once; each call is one transaction.
#pragma once

#include "absl/time/time.h"
#include "app/outcome.h"
#include "pasar/pg/pg.h"

namespace pasar::dispatch::app {

class SweeperCases final {
 public:
  SweeperCases(pg::Pool& pool, Timers timers) : pool_(pool), timers_(timers) {}

  // Pending offers past their expiry (domain::ExpireOffer); the number expired.
  int ExpireOffers(int limit);
  // Unmatched jobs past their dispatch deadline (domain::FailOverdueJob); the number failed.
  int FailOverdueJobs(int limit);
  // Assigned couriers without a fix for `stale_after` before pickup are released (and excluded
  // from the job); the job is matched again in a fresh dispatch window (now + its timeout).
  int ReleaseSilentCouriers(absl::Duration stale_after, int limit);

 private:
  // Expires every pending offer of a stacked trip as one (ExpireOffers); false when the trip is
  // not all due and free in this sweep.
  bool ExpireTrip(pg::Transaction& tx, const std::string& bundle_id);

  pg::Pool& pool_;
  const Timers timers_;
};

}  // namespace pasar::dispatch::app
