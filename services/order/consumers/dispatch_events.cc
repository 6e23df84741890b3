#include "consumers/dispatch_events.h"

#include <stdexcept>
#include <string>

#include "api/changes.h"
#include "api/convert.h"
#include "api/ids.h"
#include "pasar/events/v1/events.pb.h"
#include "pasar/rpc/log.h"
#include "store/order_store.h"

namespace pasar::order {
namespace {

namespace d = domain;
namespace ev = pasar::events::v1;

void Ignore(const events::Delivery& delivery, const std::string& order_id, std::string_view why) {
  rpc::Log("warn", "event ignored",
           {{"type", delivery.type},
            {"event_id", delivery.event_id},
            {"correlation_id", order_id},
            {"reason", std::string(why)}});
}

}  // namespace

void HandleEvent(pg::Transaction& tx, const events::Delivery& delivery) {
  ev::Envelope e;
  if (!e.ParseFromString(delivery.payload)) {
    Ignore(delivery, "", "payload is not a pasar.events.v1.Envelope");
    return;
  }
  std::string order_id;
  switch (e.payload_case()) {  // the cases are the types of kHandledEventTypes
    case ev::Envelope::kCourierAssigned:
      order_id = e.courier_assigned().order_id();
      break;
    case ev::Envelope::kCourierUnassigned:
      order_id = e.courier_unassigned().order_id();
      break;
    case ev::Envelope::kPickupConfirmed:
      order_id = e.pickup_confirmed().order_id();
      break;
    case ev::Envelope::kDeliveryConfirmed:
      order_id = e.delivery_confirmed().order_id();
      break;
    case ev::Envelope::kDispatchFailed:
      order_id = e.dispatch_failed().order_id();
      break;
    case ev::Envelope::kCancellationSettled:
      order_id = e.cancellation_settled().order_id();
      break;
    case ev::Envelope::kReservationExpired:
      order_id = e.reservation_expired().order_id();
      if (order_id.empty()) return;  // not one of ours
      break;
    default:
      return;  // events the order service does not act on
  }
  std::optional<d::Order> order;
  if (IsUuid(order_id)) order = store::LoadOrder(tx, order_id, true);
  if (!order) return Ignore(delivery, order_id, "unknown order");

  const absl::Time now = absl::Now();
  // When dispatch recorded the fact (to the microsecond, as stored); `now` for producers that
  // leave it unset.
  const absl::Time occurred = absl::FromUnixMicros(
      absl::ToUnixMicros(e.has_occurred_at() ? FromProto(e.occurred_at()) : now));
  const d::OrderState previous = order->status;
  d::Outcome out;
  d::OrderEvent fact = d::OrderEvent::kDispatchFailed;
  d::FactTiming timing = d::FactTiming::kNow;
  switch (e.payload_case()) {
    case ev::Envelope::kCourierAssigned: {
      const ev::CourierAssigned& p = e.courier_assigned();
      fact = d::OrderEvent::kCourierAssigned;
      timing = d::TimeCourierFact(*order, fact, p.courier_id(), occurred);
      if (timing != d::FactTiming::kNow) break;
      out = d::CourierAssigned(*order,
                               {p.courier_id(), p.courier_name(), p.vehicle_plate(), p.phone(),
                                p.eta_seconds(), occurred},
                               now);
      break;
    }
    case ev::Envelope::kCourierUnassigned:
      fact = d::OrderEvent::kCourierUnassigned;
      timing = d::TimeCourierFact(*order, fact, e.courier_unassigned().courier_id(), occurred);
      if (timing != d::FactTiming::kNow) break;
      out = d::CourierUnassigned(*order, now);
      break;
    case ev::Envelope::kPickupConfirmed: {
      const ev::PickupConfirmed& p = e.pickup_confirmed();
      const d::Ticket* t = order->FindTicket(p.ticket_id());
      if (t == nullptr) return Ignore(delivery, order_id, "unknown ticket");
      const int index = static_cast<int>(t - order->tickets.data());
      fact = d::OrderEvent::kAllPickedUp;
      timing = d::TimeCourierFact(*order, fact, p.courier_id(), occurred);
      if (timing != d::FactTiming::kNow) break;
      out = d::PickupConfirmed(*order, index, p.courier_id(), p.paid_to_trader_idr(), now);
      break;
    }
    case ev::Envelope::kDeliveryConfirmed:
      fact = d::OrderEvent::kDelivered;
      out = d::DeliveryConfirmed(*order, e.delivery_confirmed().courier_id(), now);
      break;
    case ev::Envelope::kDispatchFailed:
      out = d::DispatchFailed(*order, now);
      break;
    case ev::Envelope::kCancellationSettled: {
      const ev::CancellationSettled& p = e.cancellation_settled();
      fact = d::OrderEvent::kCancellationAccepted;
      out = d::CancellationSettled(*order, p.cancellation_id(), p.accepted(), p.refusal(), now);
      break;
    }
    case ev::Envelope::kReservationExpired: {
      const std::string& reservation = e.reservation_expired().reservation_id();
      // A hold of an earlier, failed PlaceOrder attempt for the same order id is not the order's.
      if (!reservation.empty() && reservation != order->reservation_id) {
        return Ignore(delivery, order_id, "not the order's reservation");
      }
      if (order->status != d::OrderState::kPlaced) return;  // committed or already over
      fact = d::OrderEvent::kReservationExpired;
      out = d::ReservationExpired(*order, now);
      break;
    }
    default:
      return;
  }
  if (timing == d::FactTiming::kStale) {
    return Ignore(delivery, order_id, "superseded by the current courier assignment");
  }
  if (timing == d::FactTiming::kEarly || (!out.ok() && d::MayApplyLater(order->status, fact))) {
    // Arrived before an earlier event of the same order (handled by another consumer, or
    // pending after a crash): refuse, so it stays pending and is retried after the claim
    // interval (for Settings::consumer_retry_window, which outlasts any legitimate delay).
    throw std::runtime_error("early " + delivery.type + " for a " +
                             std::string(d::Name(order->status)) + " order; will retry");
  }
  if (!out.ok()) return Ignore(delivery, order_id, out.message);
  if (!out.changed()) return;
  RecordChanges(tx, *order, out.changes, {previous, now});
  rpc::Log("info", "event applied",
           {{"type", delivery.type},
            {"correlation_id", order_id},
            {"status", std::string(d::Name(order->status))}});
}

}  // namespace pasar::order
