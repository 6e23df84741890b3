// The order service's event handler (consumer group "order") for the dispatch service's stream
// (CourierAssigned, CourierUnassigned, PickupConfirmed, DeliveryConfirmed, DispatchFailed) and
// the inventory service's stream (ReservationExpired). Run by events::Consumer inside the
// transaction that records the event id, so each event is applied once however often it is
// delivered. Every fact goes through the order state machine (and, for courier facts, is placed
// against the current assignment, domain::TimeCourierFact): a stale event is logged and ignored
// (recorded as consumed); an early one (an event it depends on is still pending elsewhere) is
// refused by throwing, so it stays pending and is retried after the claim interval.
#pragma once

#include "pasar/events/events.h"
#include "pasar/pg/pg.h"

namespace pasar::order {

inline constexpr char kConsumerGroup[] = "order";
inline constexpr char kDispatchStream[] = "events.dispatch";
inline constexpr char kInventoryStream[] = "events.inventory";

void HandleEvent(pg::Transaction& tx, const events::Delivery& delivery);

}  // namespace pasar::order
