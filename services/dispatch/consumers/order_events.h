// Consumer of the order service's events (stream events.order, group "dispatch"):
// OrderConfirmed creates the job, OrderCancelled withdraws it, OrderCancellationRequested is
// settled (accepted before pickup, refused after), TicketReady marks a ticket packed (stacked
// trips carry packed orders only). Other events are ignored.
#pragma once

#include <array>
#include <string_view>

#include "app/order_event_cases.h"
#include "pasar/events/events.h"

namespace pasar::dispatch::consumers {

// The event types OrderEventsHandler acts on, for events::ConsumerConfig::types: the consumer
// acknowledges the others (OrderPlaced, OrderStatusChanged, the other Ticket*) without a
// transaction. Keep in step with the handler's switch on the payload (order_events.cc): a type
// missing here is never handled.
inline constexpr std::array<std::string_view, 4> kOrderEventTypes = {
    "OrderConfirmed", "OrderCancelled", "OrderCancellationRequested", "TicketReady"};

// The handler runs inside the consumer's transaction (which records the event id); the
// changes are app::OrderEventCases'.
events::Handler OrderEventsHandler(app::OrderEventCases& cases);

}  // namespace pasar::dispatch::consumers
