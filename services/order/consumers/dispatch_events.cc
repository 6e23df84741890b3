#include "consumers/dispatch_events.h"

#include <algorithm>
#include <optional>
#include <stdexcept>
#include <string>

#include "app/changes.h"
#include "app/convert.h"
#include "app/ids.h"
#include "pasar/events/v1/events.pb.h"
#include "pasar/log/log.h"
#include "store/order_store.h"

namespace pasar::order {
namespace {

namespace d = domain;
namespace ev = pasar::events::v1;

void Ignore(const events::Delivery& delivery, const std::string& order_id, std::string_view why) {
  log::Log("warn", "event ignored",
           {{"type", delivery.type},
            {"event_id", delivery.event_id},
            {"correlation_id", order_id},
            {"reason", std::string(why)}});
}

// The order an event is about ("" when it names none); nullopt for events the order service
// does not act on.
std::optional<std::string> OrderIdOf(const ev::Envelope& e) {
  switch (e.payload_case()) {  // the cases are the types of kHandledEventTypes
    case ev::Envelope::kCourierAssigned:
      return e.courier_assigned().order_id();
    case ev::Envelope::kCourierUnassigned:
      return e.courier_unassigned().order_id();
    case ev::Envelope::kPickupConfirmed:
      return e.pickup_confirmed().order_id();
    case ev::Envelope::kDeliveryConfirmed:
      return e.delivery_confirmed().order_id();
    case ev::Envelope::kDispatchFailed:
      return e.dispatch_failed().order_id();
    case ev::Envelope::kCancellationSettled:
      return e.cancellation_settled().order_id();
    case ev::Envelope::kDeliveryAttempted:
      return e.delivery_attempted().order_id();
    case ev::Envelope::kDeliveryFailed:
      return e.delivery_failed().order_id();
    case ev::Envelope::kGoodsReturned:
      return e.goods_returned().order_id();
    case ev::Envelope::kReservationExpired:
      if (e.reservation_expired().order_id().empty()) return std::nullopt;  // not one of ours
      return e.reservation_expired().order_id();
    default:
      return std::nullopt;  // events the order service does not act on
  }
}

// What an event does to its order: the domain's outcome, or why it is ignored (logged), or
// nothing at all (skip).
struct Applied {
  d::Outcome out;
  d::OrderEvent fact = d::OrderEvent::kDispatchFailed;
  d::FactTiming timing = d::FactTiming::kNow;
  std::optional<std::string> ignore;
  bool skip = false;
};

// A failed delivery's facts: the courier's attempts, the failure, each ticket's goods back.
void ApplyFailedDelivery(const ev::Envelope& e, d::Order& order, absl::Time now, Applied& a) {
  switch (e.payload_case()) {
    case ev::Envelope::kDeliveryAttempted: {
      const ev::DeliveryAttempted& p = e.delivery_attempted();
      const std::string& full = pasar::dispatch::v1::DeliveryAttemptOutcome_Name(p.outcome());
      constexpr std::string_view kPrefix = "DELIVERY_ATTEMPT_OUTCOME_";
      a.out = d::DeliveryAttempted(order, p.attempt(),
                                   full.substr(std::min(full.size(), kPrefix.size())), now);
      return;
    }
    case ev::Envelope::kDeliveryFailed: {
      const ev::DeliveryFailed& p = e.delivery_failed();
      a.fact = d::OrderEvent::kDeliveryFailed;
      a.out =
          d::DeliveryFailed(order, p.courier_id(), p.failure_fee_idr(), p.compensation_idr(), now);
      return;
    }
    case ev::Envelope::kGoodsReturned: {
      const ev::GoodsReturned& p = e.goods_returned();
      const d::Ticket* t = order.FindTicket(p.ticket_id());
      if (t == nullptr) {
        a.ignore = "unknown ticket";
        break;
      }
      a.fact = d::OrderEvent::kGoodsReturned;
      a.out =
          d::GoodsReturned(order, static_cast<int>(t - order.tickets.data()), p.courier_id(),
                           p.destination() == pasar::dispatch::v1::RETURN_DESTINATION_MARKET_OFFICE,
                           p.amount_idr(), now);
      return;
    }
    default:
      return;
  }
}

Applied Apply(const ev::Envelope& e, d::Order& order, absl::Time occurred, absl::Time now) {
  Applied a;
  switch (e.payload_case()) {
    case ev::Envelope::kCourierAssigned: {
      const ev::CourierAssigned& p = e.courier_assigned();
      a.fact = d::OrderEvent::kCourierAssigned;
      a.timing = d::TimeCourierFact(order, a.fact, p.courier_id(), occurred);
      if (a.timing != d::FactTiming::kNow) break;
      // Events without a bundle (a solo job, or a producer before stacked trips): alone.
      a.out = d::CourierAssigned(order,
                                 {.id = p.courier_id(),
                                  .name = p.courier_name(),
                                  .plate = p.vehicle_plate(),
                                  .phone = p.phone(),
                                  .eta_seconds = p.eta_seconds(),
                                  .assigned_at = occurred,
                                  .bundle_id = p.bundle_id(),
                                  .bundle_position = std::max(0, p.bundle_position())},
                                 now);
      break;
    }
    case ev::Envelope::kCourierUnassigned:
      a.fact = d::OrderEvent::kCourierUnassigned;
      a.timing = d::TimeCourierFact(order, a.fact, e.courier_unassigned().courier_id(), occurred);
      if (a.timing != d::FactTiming::kNow) break;
      a.out = d::CourierUnassigned(order, now);
      break;
    case ev::Envelope::kPickupConfirmed: {
      const ev::PickupConfirmed& p = e.pickup_confirmed();
      const d::Ticket* t = order.FindTicket(p.ticket_id());
      if (t == nullptr) {
        a.ignore = "unknown ticket";
        break;
      }
      const int index = static_cast<int>(t - order.tickets.data());
      a.fact = d::OrderEvent::kAllPickedUp;
      a.timing = d::TimeCourierFact(order, a.fact, p.courier_id(), occurred);
      if (a.timing != d::FactTiming::kNow) break;
      a.out = d::PickupConfirmed(order, index, p.courier_id(), p.paid_to_trader_idr(), now);
      break;
    }
    case ev::Envelope::kDeliveryConfirmed:
      a.fact = d::OrderEvent::kDelivered;
      a.out = d::DeliveryConfirmed(order, e.delivery_confirmed().courier_id(), now);
      break;
    case ev::Envelope::kDispatchFailed:
      a.out = d::DispatchFailed(order, now);
      break;
    case ev::Envelope::kCancellationSettled: {
      const ev::CancellationSettled& p = e.cancellation_settled();
      a.fact = d::OrderEvent::kCancellationAccepted;
      a.out = d::CancellationSettled(order, p.cancellation_id(), p.accepted(), p.refusal(), now);
      break;
    }
    case ev::Envelope::kDeliveryAttempted:
    case ev::Envelope::kDeliveryFailed:
    case ev::Envelope::kGoodsReturned:
      ApplyFailedDelivery(e, order, now, a);
      break;
    case ev::Envelope::kReservationExpired: {
      const std::string& reservation = e.reservation_expired().reservation_id();
      // A hold of an earlier, failed PlaceOrder attempt for the same order id is not the order's.
      if (!reservation.empty() && reservation != order.reservation_id) {
        a.ignore = "not the order's reservation";
        break;
      }
      if (order.status != d::OrderState::kPlaced) {  // committed or already over
        a.skip = true;
        break;
      }
      a.fact = d::OrderEvent::kReservationExpired;
      a.out = d::ReservationExpired(order, now);
      break;
    }
    default:
      a.skip = true;
      break;
  }
  return a;
}

// The order's drop-off entered or left its courier's trip (delivered, failed, cancelled,
// unassigned, or assigned after a later one): the later orders of the trip still to be dropped
// off show a new stops_before, so each gets a new version (snapshot and live hint for
// WatchOrder). Locks only later positions of one trip, so two orders of a trip never wait on
// each other in a cycle.
void FollowTrip(pg::Transaction& tx, const std::optional<d::TripStop>& before,
                const std::optional<d::TripStop>& after, const std::string& order_id,
                absl::Time now) {
  if (!d::MovesInTrip(before, after)) return;
  const std::string bundle = before ? before->bundle_id : after->bundle_id;
  std::vector<store::TripMate> mates = store::TripMates(tx, bundle, order_id);
  if (after && !after->bundle_id.empty() && after->bundle_id != bundle) {
    for (store::TripMate& m : store::TripMates(tx, after->bundle_id, order_id))
      mates.push_back(std::move(m));
  }
  std::vector<d::TripStop> stops;
  for (const store::TripMate& m : mates)
    stops.push_back(m.stop);
  for (const size_t i : d::MatesAffected(before, after, stops)) {
    std::optional<d::Order> mate = store::LoadOrder(tx, mates[i].order_id, true);
    if (!mate) continue;
    const d::OrderState status = mate->status;
    const d::Outcome out = d::TripChanged(*mate, now);
    RecordChanges(tx, *mate, out.changes, {status, now});
  }
}

}  // namespace

void HandleEvent(pg::Transaction& tx, const events::Delivery& delivery) {
  ev::Envelope e;
  if (!e.ParseFromString(delivery.payload)) {
    Ignore(delivery, "", "payload is not a pasar.events.v1.Envelope");
    return;
  }
  const std::optional<std::string> about = OrderIdOf(e);
  if (!about) return;
  const std::string& order_id = *about;
  std::optional<d::Order> order;
  if (IsUuid(order_id)) order = store::LoadOrder(tx, order_id, true);
  if (!order) return Ignore(delivery, order_id, "unknown order");

  const absl::Time now = absl::Now();
  // When dispatch recorded the fact (to the microsecond, as stored); `now` for producers that
  // leave it unset.
  const absl::Time occurred = absl::FromUnixMicros(
      absl::ToUnixMicros(e.has_occurred_at() ? FromProto(e.occurred_at()) : now));
  const d::OrderState previous = order->status;
  const std::optional<d::TripStop> stop_before = d::TripStopOf(*order);
  const Applied a = Apply(e, *order, occurred, now);
  if (a.ignore) return Ignore(delivery, order_id, *a.ignore);
  if (a.skip) return;
  if (a.timing == d::FactTiming::kStale) {
    return Ignore(delivery, order_id, "superseded by the current courier assignment");
  }
  if (a.timing == d::FactTiming::kEarly ||
      (!a.out.ok() && d::MayApplyLater(order->status, a.fact))) {
    // Arrived before an earlier event of the same order (handled by another consumer, or
    // pending after a crash): refuse, so it stays pending and is retried after the claim
    // interval (for Settings::consumer_retry_window, which outlasts any legitimate delay).
    throw std::runtime_error("early " + delivery.type + " for a " +
                             std::string(d::Name(order->status)) + " order; will retry");
  }
  if (!a.out.ok()) return Ignore(delivery, order_id, a.out.message);
  if (!a.out.changed()) return;
  const std::optional<d::TripStop> stop_after = d::TripStopOf(*order);
  if (stop_after && (!stop_before || stop_before->bundle_id != stop_after->bundle_id)) {
    order->trip_mates.clear();  // loaded for the order as it was: joined a trip now
    for (store::TripMate& m : store::TripMates(tx, stop_after->bundle_id, order_id))
      order->trip_mates.push_back(std::move(m.stop));
  }
  RecordChanges(tx, *order, a.out.changes, {previous, now});
  FollowTrip(tx, stop_before, stop_after, order_id, now);
  log::Log("info", "event applied",
           {{"type", delivery.type},
            {"correlation_id", order_id},
            {"status", std::string(d::Name(order->status))}});
}

}  // namespace pasar::order
