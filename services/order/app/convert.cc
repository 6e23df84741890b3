#include "app/convert.h"

#include <algorithm>

namespace pasar::order {
namespace d = domain;

bool Viewer::SeesPickupCode(const std::string& stall_id) const {
  return kind == Kind::kTrader && std::find(stalls.begin(), stalls.end(), stall_id) != stalls.end();
}

void SetTime(google::protobuf::Timestamp* out, absl::Time t) {
  const int64_t micros = absl::ToUnixMicros(t);
  int64_t seconds = micros / 1000000;
  int64_t rem = micros % 1000000;
  if (rem < 0) {
    rem += 1000000;
    --seconds;
  }
  out->set_seconds(seconds);
  out->set_nanos(static_cast<int32_t>(rem * 1000));
}

absl::Time FromProto(const google::protobuf::Timestamp& t) {
  return absl::FromUnixSeconds(t.seconds()) + absl::Nanoseconds(t.nanos());
}

v1::OrderStatus ToProto(d::OrderState state) {
  switch (state) {
    case d::OrderState::kPlaced:
      return v1::ORDER_STATUS_PLACED;
    case d::OrderState::kConfirmed:
      return v1::ORDER_STATUS_CONFIRMED;
    case d::OrderState::kCourierAssigned:
      return v1::ORDER_STATUS_COURIER_ASSIGNED;
    case d::OrderState::kPickedUp:
      return v1::ORDER_STATUS_PICKED_UP;
    case d::OrderState::kDelivered:
      return v1::ORDER_STATUS_DELIVERED;
    case d::OrderState::kCancelled:
      return v1::ORDER_STATUS_CANCELLED;
    case d::OrderState::kDeliveryFailed:
      return v1::ORDER_STATUS_DELIVERY_FAILED;
    case d::OrderState::kReturned:
      return v1::ORDER_STATUS_RETURNED;
  }
  return v1::ORDER_STATUS_UNSPECIFIED;
}

v1::TicketStatus ToProto(d::TicketState state) {
  switch (state) {
    case d::TicketState::kPending:
      return v1::TICKET_STATUS_PENDING;
    case d::TicketState::kAccepted:
      return v1::TICKET_STATUS_ACCEPTED;
    case d::TicketState::kReady:
      return v1::TICKET_STATUS_READY;
    case d::TicketState::kPickedUp:
      return v1::TICKET_STATUS_PICKED_UP;
    case d::TicketState::kRejected:
      return v1::TICKET_STATUS_REJECTED;
    case d::TicketState::kExpired:
      return v1::TICKET_STATUS_EXPIRED;
    case d::TicketState::kCancelled:
      return v1::TICKET_STATUS_CANCELLED;
    case d::TicketState::kReturned:
      return v1::TICKET_STATUS_RETURNED;
    case d::TicketState::kAtMarketOffice:
      return v1::TICKET_STATUS_AT_MARKET_OFFICE;
  }
  return v1::TICKET_STATUS_UNSPECIFIED;
}

v1::CancelReason ToProto(d::CancelReason reason) {
  switch (reason) {
    case d::CancelReason::kCustomer:
      return v1::CANCEL_REASON_CUSTOMER;
    case d::CancelReason::kAllRejected:
      return v1::CANCEL_REASON_ALL_REJECTED;
    case d::CancelReason::kTraderTimeout:
      return v1::CANCEL_REASON_TRADER_TIMEOUT;
    case d::CancelReason::kNoCourier:
      return v1::CANCEL_REASON_NO_COURIER;
    case d::CancelReason::kReservationExpired:
      return v1::CANCEL_REASON_RESERVATION_EXPIRED;
    case d::CancelReason::kOperator:
      return v1::CANCEL_REASON_OPERATOR;
  }
  return v1::CANCEL_REASON_UNSPECIFIED;
}

v1::CancellationState ToProto(d::CancellationState state) {
  switch (state) {
    case d::CancellationState::kRequested:
      return v1::CANCELLATION_STATE_REQUESTED;
    case d::CancellationState::kAccepted:
      return v1::CANCELLATION_STATE_ACCEPTED;
    case d::CancellationState::kRefused:
      return v1::CANCELLATION_STATE_REFUSED;
  }
  return v1::CANCELLATION_STATE_UNSPECIFIED;
}

std::optional<d::OrderState> FromProto(v1::OrderStatus status) {
  for (d::OrderState s : d::kAllOrderStates) {
    if (ToProto(s) == status) return s;
  }
  return std::nullopt;
}

std::optional<d::TicketState> FromProto(v1::TicketStatus status) {
  for (d::TicketState s : d::kAllTicketStates) {
    if (ToProto(s) == status) return s;
  }
  return std::nullopt;
}

namespace {

v1::LineStatus ToProto(d::LineStatus s) {
  switch (s) {
    case d::LineStatus::kPending:
      return v1::LINE_STATUS_PENDING;
    case d::LineStatus::kAccepted:
      return v1::LINE_STATUS_ACCEPTED;
    case d::LineStatus::kRejected:
      return v1::LINE_STATUS_REJECTED;
  }
  return v1::LINE_STATUS_UNSPECIFIED;
}

v1::LedgerParty ToProto(d::Party p) {
  switch (p) {
    case d::Party::kCustomer:
      return v1::LEDGER_PARTY_CUSTOMER;
    case d::Party::kTrader:
      return v1::LEDGER_PARTY_TRADER;
    case d::Party::kCourier:
      return v1::LEDGER_PARTY_COURIER;
    case d::Party::kPlatform:
      return v1::LEDGER_PARTY_PLATFORM;
    case d::Party::kProgramme:
      return v1::LEDGER_PARTY_PROGRAMME;
  }
  return v1::LEDGER_PARTY_UNSPECIFIED;
}

v1::LedgerEntryKind ToProto(d::EntryKind k) {
  switch (k) {
    case d::EntryKind::kTraderPaid:
      return v1::LEDGER_ENTRY_KIND_TRADER_PAID;
    case d::EntryKind::kCustomerPaid:
      return v1::LEDGER_ENTRY_KIND_CUSTOMER_PAID;
    case d::EntryKind::kServiceFee:
      return v1::LEDGER_ENTRY_KIND_SERVICE_FEE;
    case d::EntryKind::kProgrammeBenefit:
      return v1::LEDGER_ENTRY_KIND_PROGRAMME_BENEFIT;
    case d::EntryKind::kFailureFee:
      return v1::LEDGER_ENTRY_KIND_FAILURE_FEE;
    case d::EntryKind::kFailureCompensation:
      return v1::LEDGER_ENTRY_KIND_FAILURE_COMPENSATION;
    case d::EntryKind::kGoodsReturned:
      return v1::LEDGER_ENTRY_KIND_GOODS_RETURNED;
    case d::EntryKind::kGoodsAtOffice:
      return v1::LEDGER_ENTRY_KIND_GOODS_AT_OFFICE;
  }
  return v1::LEDGER_ENTRY_KIND_UNSPECIFIED;
}

v1::RejectReason Reason(int value) {
  return v1::RejectReason_IsValid(value) ? static_cast<v1::RejectReason>(value)
                                         : v1::REJECT_REASON_UNSPECIFIED;
}

void CourierToProto(const d::Courier& c, v1::CourierInfo* out) {
  out->set_courier_id(c.id);
  out->set_name(c.name);
  out->set_vehicle_plate(c.plate);
  out->set_phone(c.phone);
  out->set_eta_seconds(c.eta_seconds);
  SetTime(out->mutable_assigned_at(), c.assigned_at);
}

}  // namespace

void ToProto(const d::Ticket& t, const d::Order& order, const Viewer& viewer, v1::Ticket* out) {
  out->set_id(t.id);
  out->set_order_id(order.id);
  out->set_stall_id(t.stall_id);
  out->set_stall_name(t.stall_name);
  out->set_market_id(order.market_id);
  out->set_status(ToProto(t.status));
  for (const d::Line& l : t.lines) {
    v1::TicketLine* pl = out->add_lines();
    pl->set_product_id(l.product_id);
    pl->set_name(l.name);
    pl->set_unit(l.unit);
    pl->set_weighed(l.weighed);
    pl->set_ordered_quantity(l.ordered_quantity);
    pl->set_price_idr(l.price_idr);
    pl->set_status(ToProto(l.status));
    pl->set_final_quantity(l.final_quantity);
    pl->set_line_total_idr(l.line_total_idr);
    pl->set_reject_reason(Reason(l.reject_reason));
  }
  out->set_total_idr(t.total_idr);
  if (viewer.SeesPickupCode(t.stall_id)) out->set_pickup_code(t.pickup_code);
  SetTime(out->mutable_decide_by(), t.decide_by);
  out->set_reject_reason(Reason(t.reject_reason));
  out->set_reject_note(t.reject_note);
  SetTime(out->mutable_created_at(), t.created_at);
  if (t.decided_at) SetTime(out->mutable_decided_at(), *t.decided_at);
  if (t.ready_at) SetTime(out->mutable_ready_at(), *t.ready_at);
  if (t.picked_up_at) SetTime(out->mutable_picked_up_at(), *t.picked_up_at);
  out->set_version(t.version);
}

void ToProto(const d::Order& o, const Viewer& viewer, v1::Order* out) {
  out->set_id(o.id);
  out->set_customer_subject(o.customer);
  out->set_market_id(o.market_id);
  out->set_market_name(o.market_name);
  out->set_status(ToProto(o.status));
  if (o.cancel_reason) out->set_cancel_reason(ToProto(*o.cancel_reason));
  out->set_cancel_note(o.cancel_note);
  out->mutable_drop_off()->set_lat(o.drop_off.lat);
  out->mutable_drop_off()->set_lng(o.drop_off.lng);
  out->set_drop_off_address(o.drop_off_address);
  out->set_drop_off_note(o.drop_off_note);
  for (const d::Ticket& t : o.tickets)
    ToProto(t, o, viewer, out->add_tickets());
  out->set_goods_total_idr(o.totals.goods_total_idr);
  out->set_delivery_fee_idr(o.totals.delivery_fee_idr);
  out->set_service_fee_idr(o.totals.service_fee_idr);
  out->set_total_idr(o.totals.total_idr());
  out->set_distance_meters(o.distance_meters);
  if (viewer.kind == Viewer::Kind::kCustomer) out->set_delivery_pin(o.delivery_pin);
  if (o.courier) CourierToProto(*o.courier, out->mutable_courier());
  v1::Ledger* ledger = out->mutable_ledger();
  for (const d::Posting& p : o.ledger) {
    v1::LedgerEntry* e = ledger->add_entries();
    e->set_kind(ToProto(p.kind));
    e->set_party(ToProto(p.party));
    e->set_party_id(p.party_id);
    e->set_amount_idr(p.amount_idr);
    e->set_description(p.description);
    SetTime(e->mutable_created_at(), p.created_at);
  }
  for (const d::Balance& b : d::Balances(o.ledger)) {
    v1::PartyBalance* pb = ledger->add_balances();
    pb->set_party(ToProto(b.party));
    pb->set_party_id(b.party_id);
    pb->set_net_idr(b.net_idr);
  }
  ledger->set_balanced(d::Balanced(o.ledger));
  out->set_version(o.version);
  out->set_reservation_id(o.reservation_id);
  SetTime(out->mutable_created_at(), o.created_at);
  SetTime(out->mutable_updated_at(), o.updated_at);
  if (o.confirmed_at) SetTime(out->mutable_confirmed_at(), *o.confirmed_at);
  if (o.picked_up_at) SetTime(out->mutable_picked_up_at(), *o.picked_up_at);
  if (o.delivered_at) SetTime(out->mutable_delivered_at(), *o.delivered_at);
  if (o.cancelled_at) SetTime(out->mutable_cancelled_at(), *o.cancelled_at);
  out->set_delivery_attempts(o.delivery_attempts);
  out->set_last_attempt_outcome(o.last_attempt_outcome);
  if (o.delivery_failed_at) SetTime(out->mutable_delivery_failed_at(), *o.delivery_failed_at);
  out->set_stops_before(d::StopsBefore(o));
  if (o.cancellation) {
    v1::Cancellation* c = out->mutable_cancellation();
    c->set_state(ToProto(o.cancellation->state));
    c->set_reason(ToProto(o.cancellation->reason));
    c->set_note(o.cancellation->note);
    SetTime(c->mutable_requested_at(), o.cancellation->requested_at);
    if (o.cancellation->settled_at) SetTime(c->mutable_settled_at(), *o.cancellation->settled_at);
    c->set_refusal(o.cancellation->refusal);
  }
  if (o.benefit) BenefitToProto(*o.benefit, out->mutable_benefit());
  out->set_amount_due_idr(o.AmountDue());
}

void BenefitToProto(const d::AppliedBenefit& b, v1::OrderBenefit* out) {
  out->set_programme_id(b.programme_id);
  out->set_delivery_subsidy_idr(b.delivery_subsidy_idr);
  out->set_voucher_idr(b.voucher_idr);
  out->set_amount_idr(b.amount_idr());
  switch (b.state) {
    case d::BenefitState::kHeld:
      out->set_state(v1::BENEFIT_STATE_HELD);
      break;
    case d::BenefitState::kSpent:
      out->set_state(v1::BENEFIT_STATE_SPENT);
      break;
    case d::BenefitState::kReleased:
      out->set_state(v1::BENEFIT_STATE_RELEASED);
      break;
  }
}

void ToSummary(const d::Order& o, v1::TicketOrderSummary* out) {
  out->set_order_id(o.id);
  out->set_status(ToProto(o.status));
  if (o.courier) CourierToProto(*o.courier, out->mutable_courier());
  SetTime(out->mutable_created_at(), o.created_at);
}

}  // namespace pasar::order
