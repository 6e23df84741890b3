#include "app/changes.h"

#include <string>
#include <vector>

#include "app/convert.h"
#include "app/ids.h"
#include "app/programmes.h"
#include "pasar/events/events.h"
#include "pasar/events/v1/events.pb.h"
#include "store/order_store.h"

namespace pasar::order {
namespace {

namespace d = domain;
namespace ev = pasar::events::v1;

ev::Envelope NewEnvelope(const d::Order& order, absl::Time now) {
  ev::Envelope e;
  e.set_event_id(RandomUuid());
  SetTime(e.mutable_occurred_at(), now);
  e.set_producer(kProducer);
  e.set_aggregate_id(order.id);
  e.set_correlation_id(order.id);
  return e;
}

// The events of one transaction, appended to the outbox together (one statement) at its end.
using Outbox = std::vector<events::OutboxEvent>;

void Append(Outbox& out, ev::Envelope& e, const std::string& type) {
  e.set_type(type);
  out.push_back({e.event_id(), kOrderStream, type, e.aggregate_id(), e.SerializeAsString()});
}

void StatusChanged(Outbox& out, const d::Order& order, absl::Time now) {
  ev::Envelope e = NewEnvelope(order, now);
  ev::OrderStatusChanged* p = e.mutable_order_status_changed();
  p->set_order_id(order.id);
  p->set_status(ToProto(order.status));
  p->set_version(order.version);
  p->set_customer_subject(order.customer);
  for (const d::Ticket& t : order.tickets)
    p->add_stall_ids(t.stall_id);
  Append(out, e, "OrderStatusChanged");
}

void Snapshot(pg::Transaction& tx, const d::Order& order) {
  v1::Order view;
  ToProto(order, Viewer::Customer(), &view);
  store::InsertSnapshot(tx, order.id, order.version, d::Name(order.status),
                        view.SerializeAsString());
}

void SetLatLng(pasar::common::v1::LatLng* out, geo::LatLng p) {
  out->set_lat(p.lat);
  out->set_lng(p.lng);
}

void Confirmed(Outbox& out, const d::Order& o, absl::Time now) {
  ev::Envelope e = NewEnvelope(o, now);
  ev::OrderConfirmed* p = e.mutable_order_confirmed();
  p->set_order_id(o.id);
  p->set_market_id(o.market_id);
  p->set_market_name(o.market_name);
  p->set_customer_subject(o.customer);
  SetLatLng(p->mutable_pickup(), o.market_location);
  SetLatLng(p->mutable_drop_off(), o.drop_off);
  p->set_drop_off_address(o.drop_off_address);
  p->set_drop_off_note(o.drop_off_note);
  for (const d::Ticket& t : o.tickets) {
    if (d::IsDropped(t.status)) continue;
    ev::ConfirmedTicket* ct = p->add_tickets();
    ct->set_ticket_id(t.id);
    ct->set_stall_id(t.stall_id);
    ct->set_stall_name(t.stall_name);
    ct->set_total_idr(t.total_idr);
    ct->set_pickup_code(t.pickup_code);
  }
  p->set_delivery_pin(o.delivery_pin);
  p->set_goods_total_idr(o.totals.goods_total_idr);
  p->set_delivery_fee_idr(o.totals.delivery_fee_idr);
  p->set_service_fee_idr(o.totals.service_fee_idr);
  p->set_cash_to_collect_idr(o.AmountDue());
  p->set_distance_meters(o.distance_meters);
  p->set_reservation_id(o.reservation_id);
  for (const d::CommitLine& c : d::CommitQuantities(o)) {
    ev::ProductQuantity* q = p->add_final_quantities();
    q->set_product_id(c.product_id);
    q->set_quantity(c.quantity);
  }
  p->set_dispatch_timeout_seconds(o.dispatch_timeout_seconds);
  SetTime(p->mutable_dispatch_deadline(), now + absl::Seconds(o.dispatch_timeout_seconds));
  Append(out, e, "OrderConfirmed");
}

void Cancelled(Outbox& out, const d::Order& o, d::OrderState previous, absl::Time now) {
  ev::Envelope e = NewEnvelope(o, now);
  ev::OrderCancelled* p = e.mutable_order_cancelled();
  p->set_order_id(o.id);
  p->set_market_id(o.market_id);
  if (o.cancel_reason) p->set_reason(ToProto(*o.cancel_reason));
  p->set_note(o.cancel_note);
  p->set_reservation_id(o.reservation_id);
  p->set_previous_status(ToProto(previous));
  p->set_job_may_exist(previous != d::OrderState::kPlaced);
  Append(out, e, "OrderCancelled");
}

void CancellationRequested(Outbox& out, const d::Order& o, absl::Time now) {
  const d::Cancellation& c = *o.cancellation;
  ev::Envelope e = NewEnvelope(o, now);
  ev::OrderCancellationRequested* p = e.mutable_order_cancellation_requested();
  p->set_order_id(o.id);
  p->set_market_id(o.market_id);
  p->set_cancellation_id(c.id);
  p->set_reason(ToProto(c.reason));
  p->set_note(c.note);
  Append(out, e, "OrderCancellationRequested");
}

void TicketEvent(Outbox& out, const d::Order& o, const d::Change& c, absl::Time now) {
  const d::Ticket& t = o.tickets.at(static_cast<size_t>(c.ticket));
  ev::Envelope e = NewEnvelope(o, now);
  switch (c.what) {
    case d::Happening::kTicketAccepted: {
      ev::TicketAccepted* p = e.mutable_ticket_accepted();
      p->set_order_id(o.id);
      p->set_ticket_id(t.id);
      p->set_stall_id(t.stall_id);
      for (const d::Line& l : t.lines) {
        ev::FinalLine* fl = p->add_lines();
        fl->set_product_id(l.product_id);
        fl->set_accepted(l.status == d::LineStatus::kAccepted);
        fl->set_final_quantity(l.final_quantity);
        fl->set_line_total_idr(l.line_total_idr);
        if (v1::RejectReason_IsValid(l.reject_reason)) {
          fl->set_reject_reason(static_cast<v1::RejectReason>(l.reject_reason));
        }
      }
      p->set_total_idr(t.total_idr);
      Append(out, e, "TicketAccepted");
      return;
    }
    case d::Happening::kTicketRejected: {
      ev::TicketRejected* p = e.mutable_ticket_rejected();
      p->set_order_id(o.id);
      p->set_ticket_id(t.id);
      p->set_stall_id(t.stall_id);
      if (v1::RejectReason_IsValid(t.reject_reason)) {
        p->set_reason(static_cast<v1::RejectReason>(t.reject_reason));
      }
      p->set_note(t.reject_note);
      Append(out, e, "TicketRejected");
      return;
    }
    case d::Happening::kTicketExpired: {
      ev::TicketExpired* p = e.mutable_ticket_expired();
      p->set_order_id(o.id);
      p->set_ticket_id(t.id);
      p->set_stall_id(t.stall_id);
      SetTime(p->mutable_decide_by(), t.decide_by);
      Append(out, e, "TicketExpired");
      return;
    }
    case d::Happening::kTicketReady: {
      ev::TicketReady* p = e.mutable_ticket_ready();
      p->set_order_id(o.id);
      p->set_ticket_id(t.id);
      p->set_stall_id(t.stall_id);
      Append(out, e, "TicketReady");
      return;
    }
    default:
      return;  // pickups and cancellations travel in OrderStatusChanged / OrderCancelled
  }
}

}  // namespace

void RecordChanges(pg::Transaction& tx, d::Order& order, std::span<const d::Change> changes,
                   const ChangeContext& context) {
  ProgrammeFollowsOrder(tx, order, changes, context.now);
  store::SaveOrder(tx, order);
  Outbox out;
  for (const d::Change& c : changes) {
    switch (c.what) {
      case d::Happening::kOrderConfirmed:
        Confirmed(out, order, context.now);
        break;
      case d::Happening::kOrderCancelled:
        Cancelled(out, order, context.previous_status, context.now);
        break;
      case d::Happening::kCancellationRequested:
        CancellationRequested(out, order, context.now);
        break;
      case d::Happening::kTicketAccepted:
      case d::Happening::kTicketRejected:
      case d::Happening::kTicketExpired:
      case d::Happening::kTicketReady:
        TicketEvent(out, order, c, context.now);
        break;
      default:
        break;
    }
  }
  StatusChanged(out, order, context.now);
  events::AppendToOutbox(tx, out);
  Snapshot(tx, order);
}

void RecordPlaced(pg::Transaction& tx, const d::Order& o, absl::Time now) {
  Outbox out;
  ev::Envelope e = NewEnvelope(o, now);
  ev::OrderPlaced* p = e.mutable_order_placed();
  p->set_order_id(o.id);
  p->set_market_id(o.market_id);
  p->set_customer_subject(o.customer);
  p->set_reservation_id(o.reservation_id);
  for (const d::Ticket& t : o.tickets) {
    ev::PlacedTicket* pt = p->add_tickets();
    pt->set_ticket_id(t.id);
    pt->set_stall_id(t.stall_id);
    pt->set_stall_name(t.stall_name);
    for (const d::Line& l : t.lines) {
      ev::PlacedLine* pl = pt->add_lines();
      pl->set_product_id(l.product_id);
      pl->set_quantity(l.ordered_quantity);
      pl->set_price_idr(l.price_idr);
      pl->set_weighed(l.weighed);
    }
    pt->set_total_idr(t.total_idr);
    SetTime(pt->mutable_decide_by(), t.decide_by);
  }
  p->set_goods_total_idr(o.totals.goods_total_idr);
  p->set_delivery_fee_idr(o.totals.delivery_fee_idr);
  p->set_service_fee_idr(o.totals.service_fee_idr);
  p->set_total_idr(o.totals.total_idr());
  SetLatLng(p->mutable_drop_off(), o.drop_off);
  p->set_distance_meters(o.distance_meters);
  Append(out, e, "OrderPlaced");
  StatusChanged(out, o, now);
  events::AppendToOutbox(tx, out);
  Snapshot(tx, o);
}

}  // namespace pasar::order
