#include "workers/compensation_worker.h"

#include <algorithm>
#include <string>

#include "pasar/log/log.h"
#include "store/order_store.h"

namespace pasar::order {
namespace {
constexpr int kMaxPerRound = 100;
constexpr absl::Duration kMaxRetryWait = absl::Minutes(1);
constexpr absl::Duration kMaxRoundBackoff = absl::Seconds(30);
// Past the hold's TTL plus this, inventory's expiry has returned the stock by itself.
constexpr absl::Duration kExpiryMargin = absl::Minutes(5);

// interval, 2 x interval, 4 x interval ... up to kMaxRetryWait, after `attempts` replays.
absl::Duration RetryWait(absl::Duration interval, int attempts) {
  absl::Duration wait = interval;
  for (int i = 1; i < attempts && wait < kMaxRetryWait; ++i)
    wait *= 2;
  return std::min(wait, std::max(interval, kMaxRetryWait));
}

}  // namespace

CompensationWorker::CompensationWorker(pg::Pool& pool, InventoryClient& inventory,
                                       absl::Duration interval, absl::Duration deadline)
    : pool_(pool),
      holds_(inventory, deadline),
      interval_(interval),
      worker_("compensation worker", interval, kMaxRoundBackoff, [this] { RunOnce(absl::Now()); }) {
}

CompensationWorker::~CompensationWorker() {
  Stop();
}

int CompensationWorker::RunOnce(absl::Time now) {
  int settled = 0;
  for (int i = 0; i < kMaxPerRound && !worker_.stopping(); ++i) {
    // Nothing due, or inventory is still out of reach: the rest waits for the next round
    // rather than each costing a full deadline now.
    if (CompensateOne(now) != Step::kSettled) break;
    ++settled;
  }
  return settled;
}

CompensationWorker::Step CompensationWorker::CompensateOne(absl::Time now) {
  // A plain transaction, not pg::WithTransaction: its work calls inventory, which a retry of
  // the whole function would repeat. The claim's row lock is held while inventory is asked, so
  // no other instance replays the same request meanwhile.
  pg::Transaction tx(pool_, "compensate_hold");
  const auto c = store::ClaimDueCompensation(tx, now);
  if (!c) return Step::kNone;

  inv::ReserveStockRequest request;
  if (!request.ParseFromString(c->request)) {
    log::Log("error", "compensation: unreadable request dropped",
             {{"correlation_id", c->order_id}, {"request_id", c->request_id}});
    store::DeleteCompensation(tx, c->request_id);
    tx.Commit();
    return Step::kSettled;
  }
  // Once the TTL asked for has passed (plus a margin for inventory's expiry sweep), the hold the
  // original call may have made has expired by itself and the stock is back. (A hold one of the
  // replays made, if the original never arrived, expires at its own TTL likewise.)
  if (now - c->created_at > absl::Seconds(request.ttl_seconds()) + kExpiryMargin) {
    log::Log("warn", "compensation: dropped after the hold's TTL, any hold has expired",
             {{"correlation_id", c->order_id},
              {"request_id", c->request_id},
              {"attempts", std::to_string(c->attempts)}});
    store::DeleteCompensation(tx, c->request_id);
    tx.Commit();
    return Step::kSettled;
  }

  // Releases only a hold no order uses. If the placement transaction that recorded this
  // compensation never committed, its attempt count went with it and the client's retry
  // reserved under this same key, so it may have placed its order on this very hold. Counting
  // an attempt takes the count's row lock (as PlaceOrder does), so a placement under this key
  // has either finished or waits until this transaction ends, and later ones reserve under the
  // next key; a committed order on the hold is then visible here.
  const auto in_use = [&](const std::string& reservation_id) {
    store::NextPlaceAttempt(tx, c->order_id);
    const auto order = store::LoadOrder(tx, c->order_id, false);
    return order && order->reservation_id == reservation_id;
  };
  if (holds_.ReplayAndRelease(request, kReserveOutcomeUnknown, in_use) ==
      HoldReleaser::Outcome::kUnknown) {
    const int attempts = c->attempts + 1;
    store::RescheduleCompensation(tx, c->request_id, absl::Now() + RetryWait(interval_, attempts));
    tx.Commit();
    return Step::kRescheduled;
  }
  store::DeleteCompensation(tx, c->request_id);
  tx.Commit();
  log::Log("info", "compensation: settled",
           {{"correlation_id", c->order_id},
            {"request_id", c->request_id},
            {"attempts", std::to_string(c->attempts + 1)}});
  return Step::kSettled;
}

}  // namespace pasar::order
