// The order service's event handler (consumer group "order") for the dispatch service's stream
// (CourierAssigned, CourierUnassigned, PickupConfirmed, DeliveryConfirmed, DispatchFailed) and
// the inventory service's stream (ReservationExpired). Run by events::Consumer inside the
// transaction that records the event id, so each event is applied once however often it is
// delivered. Every fact goes through the order state machine: a stale or out-of-order event is
// logged and ignored (recorded as consumed), never retried in a loop.
#pragma once

#include "pasar/events/events.h"
#include "pasar/pg/pg.h"

namespace pasar::order {

inline constexpr char kConsumerGroup[] = "order";
inline constexpr char kDispatchStream[] = "events.dispatch";
inline constexpr char kInventoryStream[] = "events.inventory";

void HandleEvent(pg::Transaction& tx, const events::Delivery& delivery);

}  // namespace pasar::order
