// Settles the stock holds PlaceOrder could not: each persisted compensation (a ReserveStock call
// whose outcome stayed unknown, store::PendingCompensation) is replayed until inventory answers,
// and the reservation is released if it is still HELD and no order uses it. Each compensation is
// claimed with FOR UPDATE SKIP LOCKED and settled or rescheduled (capped backoff) in that same
// transaction, so any number of instances can work together and a restart loses nothing.
#pragma once

#include "absl/time/time.h"
#include "app/compensation.h"
#include "clients/inventory_client.h"
#include "pasar/periodic/periodic.h"
#include "pasar/pg/pg.h"

namespace pasar::order {

class CompensationWorker final {
 public:
  // Rounds every `interval` (PASAR_COMPENSATION_INTERVAL_MS); each call to inventory is bounded
  // by `deadline` (PASAR_COMPENSATION_DEADLINE_MS). A compensation whose replay stays unknown is
  // retried after `interval`, doubling up to a minute.
  CompensationWorker(pg::Pool& pool, InventoryClient& inventory, absl::Duration interval,
                     absl::Duration deadline);
  ~CompensationWorker();  // Stop()
  CompensationWorker(const CompensationWorker&) = delete;
  CompensationWorker& operator=(const CompensationWorker&) = delete;

  void Start() { worker_.Start(); }
  void Stop() { worker_.Stop(); }
  // One round on the calling thread: works through the compensations due at `now` (until one
  // finds inventory still out of reach); returns the number settled.
  int RunOnce(absl::Time now);

 private:
  enum class Step { kNone, kSettled, kRescheduled };
  // Claims one due compensation and settles or reschedules it, in one transaction.
  Step CompensateOne(absl::Time now);

  pg::Pool& pool_;
  HoldReleaser holds_;
  absl::Duration interval_;
  periodic::Worker worker_;  // last: stopped before the rest is destroyed
};

}  // namespace pasar::order
