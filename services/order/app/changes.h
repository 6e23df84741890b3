// Persisting an operation's effect on the order aggregate, in the caller's transaction: the
// rows (store::SaveOrder), the events of what happened (outbox, stream "events.order"), an
// OrderStatusChanged on EVERY change (the live hint WatchOrder/WatchTickets on any instance
// wake up on), and the customer's snapshot of the new version (what WatchOrder streams).
#pragma once

#include <span>

#include "absl/time/time.h"
#include "domain/order.h"
#include "pasar/pg/pg.h"

namespace pasar::order {

inline constexpr char kOrderStream[] = "events.order";
inline constexpr char kProducer[] = "order";

struct ChangeContext {
  domain::OrderState previous_status = domain::OrderState::kPlaced;
  absl::Time now;
};

// Saves the aggregate and publishes `changes`. Call once per transaction, only when the
// operation changed something.
void RecordChanges(pg::Transaction& tx, domain::Order& order,
                   std::span<const domain::Change> changes, const ChangeContext& context);

// For a newly inserted order (version 1): OrderPlaced, OrderStatusChanged and the snapshot.
void RecordPlaced(pg::Transaction& tx, const domain::Order& order, absl::Time now);

}  // namespace pasar::order
