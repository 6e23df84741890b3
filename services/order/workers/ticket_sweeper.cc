#include "workers/ticket_sweeper.h"

#include <string>

#include "app/changes.h"
#include "pasar/log/log.h"
#include "store/order_store.h"

namespace pasar::order {
namespace {
constexpr int kMaxOrdersPerRound = 200;
constexpr absl::Duration kMaxBackoff = absl::Seconds(30);
constexpr absl::Duration kPurgeEvery = absl::Minutes(10);
constexpr int kPurgeBatch = 1000;
constexpr int kMaxPurgeBatches = 20;  // per pass: the rest waits for the next one
}  // namespace

TicketSweeper::TicketSweeper(pg::Pool& pool, absl::Duration interval, absl::Duration retention)
    : pool_(pool),
      retention_(retention),
      worker_("ticket sweeper", interval, kMaxBackoff, [this] { Round(); }) {}

TicketSweeper::~TicketSweeper() {
  Stop();
}

int TicketSweeper::RunOnce(absl::Time now) {
  int changed = 0;
  for (int i = 0; i < kMaxOrdersPerRound; ++i) {
    const bool claimed = pg::WithTransaction(pool_, "expire_tickets", [&](pg::Transaction& tx) {
      const auto order_id = store::ClaimOrderWithDueTicket(tx, now);
      if (!order_id) return false;
      auto order = store::LoadOrder(tx, *order_id, true);
      if (!order) return false;
      const domain::OrderState previous = order->status;
      const domain::Outcome out = domain::ExpireDueTickets(*order, now);
      if (out.changed()) RecordChanges(tx, *order, out.changes, {previous, now});
      tx.Commit();
      if (out.changed()) {
        ++changed;
        log::Log("info", "tickets expired", {{"correlation_id", order->id}});
      }
      return true;
    });
    if (!claimed) break;
  }
  return changed;
}

int64_t TicketSweeper::Purge(absl::Time now) {
  if (retention_ <= absl::ZeroDuration()) return 0;
  int64_t total = 0;
  for (int i = 0; i < kMaxPurgeBatches && !worker_.stopping(); ++i) {
    const int64_t deleted = store::PurgeBefore(pool_, now - retention_, kPurgeBatch);
    total += deleted;
    if (deleted == 0) break;
  }
  if (total > 0) log::Log("info", "old rows purged", {{"rows", std::to_string(total)}});
  return total;
}

void TicketSweeper::Round() {
  const absl::Time now = absl::Now();
  RunOnce(now);
  if (now >= next_purge_) {
    next_purge_ = now + kPurgeEvery;
    Purge(now);
  }
}

}  // namespace pasar::order
