// What the reporting service learns from the other services' events (streams events.order,
// events.dispatch and events.inventory, one consumer group): every event becomes rows of its
// schema (store/), inside the events::Consumer's transaction that also records the event id.
// Each write is idempotent and commutes with the others (store/order_store.h), so the figures do
// not depend on delivery order, duplicates or replays.
#pragma once

#include <array>
#include <string_view>

#include "pasar/events/events.h"
#include "store/catalog_store.h"
#include "store/order_store.h"

namespace pasar::reporting {

inline constexpr std::array<std::string_view, 3> kStreams = {"events.order", "events.dispatch",
                                                             "events.inventory"};

// The event types the handler acts on (events::ConsumerConfig::types); keep in step with the
// dispatch on the payload in event_handler.cc. The others (OrderStatusChanged, TicketReady,
// DispatchFailed (an OrderCancelled follows it), offers, reservations, ...) are acknowledged
// without a transaction.
inline constexpr std::array<std::string_view, 15> kEventTypes = {
    "OrderPlaced",     "TicketAccepted",    "TicketRejected",  "TicketExpired",
    "OrderConfirmed",  "OrderCancelled",    "CourierAssigned", "CourierUnassigned",
    "PickupConfirmed", "DeliveryConfirmed", "DeliveryFailed",  "GoodsReturned",
    "MarketChanged",   "StallChanged",      "ProductChanged"};

// The handler for events::Consumer. An unreadable payload throws (redelivered, then
// dead-lettered).
events::Handler EventHandler(OrderStore& orders, CatalogStore& catalog);

}  // namespace pasar::reporting
