#include "workers/ticket_sweeper.h"

#include <string>

#include "app/changes.h"
#include "pasar/log/log.h"
#include "store/order_store.h"

namespace pasar::order {
namespace {
constexpr int kMaxOrdersPerRound = 200;
constexpr absl::Duration kMaxBackoff = absl::Seconds(30);
}  // namespace

TicketSweeper::TicketSweeper(pg::Pool& pool, absl::Duration interval)
    : pool_(pool),
      worker_("ticket sweeper", interval, kMaxBackoff, [this] { RunOnce(absl::Now()); }) {}

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

}  // namespace pasar::order
