// The order service's event handler (consumer group "order") for the dispatch service's stream
// (CourierAssigned, CourierUnassigned, PickupConfirmed, DeliveryConfirmed, DispatchFailed,
// CancellationSettled) and
// the inventory service's stream (ReservationExpired). Run by events::Consumer inside the
// transaction that records the event id, so each event is applied once however often it is
// delivered. Every fact goes through the order state machine (and, for courier facts, is placed
// against the current assignment, domain::TimeCourierFact): a stale event is logged and ignored
// (recorded as consumed); an early one (an event it depends on is still pending elsewhere) is
// refused by throwing, so it stays pending and is retried after the claim interval.
#pragma once

#include <array>
#include <string_view>

#include "pasar/events/events.h"
#include "pasar/pg/pg.h"

namespace pasar::order {

inline constexpr char kConsumerGroup[] = "order";
inline constexpr char kDispatchStream[] = "events.dispatch";
inline constexpr char kInventoryStream[] = "events.inventory";

// The event types HandleEvent acts on, for events::ConsumerConfig::types: the consumer
// acknowledges the others (offers, ReservationCommitted, ReservationReleased) without a
// transaction. Keep in step with HandleEvent's switch on the payload (dispatch_events.cc): a type
// missing here is never handled.
inline constexpr std::array<std::string_view, 10> kHandledEventTypes = {
    "CourierAssigned", "CourierUnassigned",   "PickupConfirmed",    "DeliveryConfirmed",
    "DispatchFailed",  "CancellationSettled", "ReservationExpired", "DeliveryAttempted",
    "DeliveryFailed",  "GoodsReturned"};

void HandleEvent(pg::Transaction& tx, const events::Delivery& delivery);

}  // namespace pasar::order
