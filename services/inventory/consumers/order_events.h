// Settles reservations from the order service's events (stream "events.order", group
// "inventory"): OrderConfirmed commits the reservation with the event's final quantities,
// OrderCancelled releases it. So an order whose gRPC commit/release never happened still
// settles. The ticket events keep each stall's count of tickets expired in a row: TicketExpired
// adds one (and pauses the stall when its market's auto_pause_after_expired_tickets is reached),
// TicketAccepted and TicketRejected start it again. Runs inside the events::Consumer's transaction,
// which also records the event id: the effect happens once however often the event is delivered,
// and the reservation's state makes a settlement already done by gRPC a no-op.
#pragma once

#include <array>
#include <string_view>

#include "pasar/events/events.h"
#include "store/store.h"

namespace pasar::inventory {

inline constexpr std::string_view kOrderStream = "events.order";
inline constexpr std::string_view kConsumerGroup = "inventory";

// The event types OrderEventHandler acts on, for events::ConsumerConfig::types: the consumer
// acknowledges the others (OrderPlaced, OrderStatusChanged, TicketReady, ...) without a
// transaction. Keep in step with the handler's dispatch on the payload (order_events.cc): a type
// missing here is never handled.
inline constexpr std::array<std::string_view, 5> kOrderEventTypes = {
    "OrderConfirmed", "OrderCancelled", "TicketExpired", "TicketAccepted", "TicketRejected"};

// The handler for events::Consumer. Events of other types are ignored. A refusal (the
// reservation is unknown, expired, or settled the other way) is logged and the event consumed:
// retrying could never succeed. An unreadable payload throws (redelivered, then dead-lettered).
events::Handler OrderEventHandler(Store& store);

}  // namespace pasar::inventory
