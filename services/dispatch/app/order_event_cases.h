// What dispatch does with the order service's events, inside the consumer's transaction (which
// also records the event id): OrderConfirmed creates the job, OrderCancelled takes it back,
// OrderCancellationRequested is settled (accepted before pickup, refused after).
#pragma once

#include "pasar/events/v1/events.pb.h"
#include "pasar/pg/pg.h"

namespace pasar::dispatch::app {

class OrderEventCases final {
 public:
  // A PENDING job with its stops (pickup codes) and the delivery PIN; ignored when known, or
  // when the order was cancelled before.
  void ApplyOrderConfirmed(pg::Transaction& tx, const ::pasar::events::v1::Envelope& env);
  // The order is remembered as cancelled; its job, before pickup, is CANCELLED (offer
  // withdrawn, courier released). A job with goods on board goes on (logged as an error).
  void ApplyOrderCancelled(pg::Transaction& tx, const ::pasar::events::v1::Envelope& env);
  // Settles a cancellation the order service was asked for once the order was CONFIRMED:
  // accepted while no ticket was picked up (the job CANCELLED, a pending offer withdrawn, the
  // courier released; with no job yet, a later OrderConfirmed is ignored), refused once a ticket
  // was picked up or the order delivered. Emits CancellationSettled either way.
  void ApplyCancellationRequested(pg::Transaction& tx, const ::pasar::events::v1::Envelope& env);
  // The ticket is remembered as packed (its job may not exist yet): a job is bundled into a
  // stacked trip only once every ticket of it is packed.
  void ApplyTicketReady(pg::Transaction& tx, const ::pasar::events::v1::Envelope& env);
};

}  // namespace pasar::dispatch::app
