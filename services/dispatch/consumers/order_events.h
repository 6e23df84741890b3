// Consumer of the order service's events (stream events.order, group "dispatch"):
// OrderConfirmed creates the job, OrderCancelled withdraws it. Other events are ignored.
#pragma once

#include "pasar/events/events.h"
#include "store/store.h"

namespace pasar::dispatch::consumers {

// The handler runs inside the consumer's transaction (which records the event id).
events::Handler OrderEventsHandler(store::Store& store);

}  // namespace pasar::dispatch::consumers
