#include "domain/order.h"

#include <algorithm>
#include <utility>

namespace pasar::order::domain {

Ticket* Order::FindTicket(std::string_view ticket_id) {
  for (Ticket& t : tickets) {
    if (t.id == ticket_id) return &t;
  }
  return nullptr;
}

std::vector<TicketState> Order::TicketStates() const {
  std::vector<TicketState> states;
  states.reserve(tickets.size());
  for (const Ticket& t : tickets)
    states.push_back(t.status);
  return states;
}

int64_t Order::AmountDue() const {
  const bool held = benefit && benefit->state != BenefitState::kReleased;
  return totals.total_idr() - (held ? benefit->amount_idr() : 0);
}

namespace {

Outcome Invalid(std::string message) {
  Outcome o;
  o.refusal = Refusal::kInvalidTransition;
  o.message = std::move(message);
  return o;
}

Outcome InvalidTicket(const Ticket& t, TicketEvent e) {
  return Invalid("cannot " + std::string(Name(e)) + " a " + std::string(Name(t.status)) +
                 " ticket");
}

Outcome InvalidOrder(const Order& o, OrderEvent e) {
  return Invalid("cannot apply '" + std::string(Name(e)) + "' to a " + std::string(Name(o.status)) +
                 " order");
}

Outcome DeadlinePassed() {
  return Invalid("the response deadline of this ticket has passed");
}

void Touch(Order& order, absl::Time now) {
  order.updated_at = now;
}

void SetTicket(Ticket& t, TicketState next) {
  t.status = next;
  t.dirty = true;
}

// Moves every line of a dropped ticket to REJECTED with zero amounts.
void DropLines(Ticket& t) {
  for (Line& l : t.lines) {
    if (l.status == LineStatus::kRejected) continue;
    l.status = LineStatus::kRejected;
    l.final_quantity = 0;
    l.line_total_idr = 0;
  }
  t.lines_dirty = true;
}

// Cancels the order (tickets not yet final are CANCELLED) with `reason`.
void Cancel(Order& order, CancelReason reason, std::string note, absl::Time now, Outcome& out) {
  for (size_t i = 0; i < order.tickets.size(); ++i) {
    Ticket& t = order.tickets[i];
    const auto next = NextTicketState(t.status, TicketEvent::kCancel);
    if (!next) continue;  // already rejected / expired / cancelled
    SetTicket(t, *next);
    out.changes.push_back({Happening::kTicketCancelled, static_cast<int>(i)});
  }
  order.status = OrderState::kCancelled;
  order.cancel_reason = reason;
  order.cancel_note = std::move(note);
  order.cancelled_at = now;
  Touch(order, now);
  out.changes.push_back({Happening::kOrderCancelled});
}

// After a ticket decision: confirm or cancel the order when every ticket is decided.
void Settle(Order& order, absl::Time now, Outcome& out) {
  if (order.status != OrderState::kPlaced) return;
  const std::vector<TicketState> states = order.TicketStates();
  switch (DecideOrder(states)) {
    case Decision::kWaiting:
      return;
    case Decision::kConfirm: {
      int64_t goods = 0;
      for (const Ticket& t : order.tickets) {
        if (!IsDropped(t.status)) goods += t.total_idr;
      }
      order.totals = RecomputeTotals(order.totals, goods);
      order.status = *NextOrderState(order.status, OrderEvent::kConfirm);
      order.confirmed_at = now;
      Touch(order, now);
      out.changes.push_back({Happening::kOrderConfirmed});
      return;
    }
    case Decision::kAllRejected:
      Cancel(order, CancelReason::kAllRejected, "every stall rejected the order", now, out);
      return;
    case Decision::kTraderTimeout:
      Cancel(order, CancelReason::kTraderTimeout, "no stall accepted in time", now, out);
      return;
  }
}

}  // namespace

Outcome AcceptTicket(Order& order, int t, std::span<const LineDecision> decisions, absl::Time now) {
  Ticket& ticket = order.tickets.at(static_cast<size_t>(t));
  const auto next = NextTicketState(ticket.status, TicketEvent::kAccept);
  if (!next || order.status != OrderState::kPlaced) {
    return InvalidTicket(ticket, TicketEvent::kAccept);
  }
  if (ticket.decide_by <= now) return DeadlinePassed();
  std::vector<OrderedLine> ordered;
  for (const Line& l : ticket.lines) {
    ordered.push_back({l.product_id, l.ordered_quantity, l.price_idr, l.weighed});
  }
  const DecisionResult r = ApplyDecisions(ordered, decisions, order.weighed_tolerance_percent);
  if (r.error != DecisionError::kNone) {
    Outcome o;
    o.refusal = r.error == DecisionError::kToleranceExceeded ? Refusal::kToleranceExceeded
                                                             : Refusal::kBadDecision;
    o.decision_error = r.error;
    o.decision_index = r.error_index;
    return o;
  }
  for (size_t i = 0; i < ticket.lines.size(); ++i) {
    Line& l = ticket.lines[i];
    const DecidedLine& d = r.lines[i];
    l.status = d.rejected ? LineStatus::kRejected : LineStatus::kAccepted;
    l.final_quantity = d.final_quantity;
    l.line_total_idr = d.final_total_idr;
    if (d.rejected) {
      const auto it = std::find_if(decisions.begin(), decisions.end(), [&](const LineDecision& x) {
        return x.product_id == l.product_id;
      });
      l.reject_reason = it != decisions.end() ? it->reject_reason : 0;
    }
  }
  ticket.lines_dirty = true;
  ticket.total_idr = r.ticket_total_idr;
  ticket.decided_at = now;
  SetTicket(ticket, *next);
  Touch(order, now);
  Outcome out;
  out.changes.push_back({Happening::kTicketAccepted, t});
  Settle(order, now, out);
  return out;
}

Outcome RejectTicket(Order& order, int t, int reason, std::string note, absl::Time now) {
  Ticket& ticket = order.tickets.at(static_cast<size_t>(t));
  const auto next = NextTicketState(ticket.status, TicketEvent::kReject);
  if (!next || order.status != OrderState::kPlaced) {
    return InvalidTicket(ticket, TicketEvent::kReject);
  }
  if (ticket.decide_by <= now) return DeadlinePassed();
  ticket.reject_reason = reason;
  ticket.reject_note = std::move(note);
  ticket.decided_at = now;
  ticket.total_idr = 0;
  for (Line& l : ticket.lines)
    l.reject_reason = reason;
  DropLines(ticket);
  SetTicket(ticket, *next);
  Touch(order, now);
  Outcome out;
  out.changes.push_back({Happening::kTicketRejected, t});
  Settle(order, now, out);
  return out;
}

Outcome MarkTicketReady(Order& order, int t, absl::Time now) {
  Ticket& ticket = order.tickets.at(static_cast<size_t>(t));
  if (ticket.status == TicketState::kReady) return {};
  const auto next = NextTicketState(ticket.status, TicketEvent::kMarkReady);
  if (!next) return InvalidTicket(ticket, TicketEvent::kMarkReady);
  ticket.ready_at = now;
  SetTicket(ticket, *next);
  Touch(order, now);
  Outcome out;
  out.changes.push_back({Happening::kTicketReady, t});
  return out;
}

Outcome ExpireDueTickets(Order& order, absl::Time now) {
  Outcome out;
  if (order.status != OrderState::kPlaced) return out;
  for (size_t i = 0; i < order.tickets.size(); ++i) {
    Ticket& t = order.tickets[i];
    if (t.status != TicketState::kPending || t.decide_by > now) continue;
    t.decided_at = now;
    t.total_idr = 0;
    DropLines(t);
    SetTicket(t, *NextTicketState(t.status, TicketEvent::kExpire));
    out.changes.push_back({Happening::kTicketExpired, static_cast<int>(i)});
  }
  if (out.changed()) {
    Touch(order, now);
    Settle(order, now, out);
  }
  return out;
}

namespace {

// A cancel someone asked for (customer or operator): one rule for both, only the reason differs.
Outcome RequestedCancel(Order& order, OrderEvent event, CancelReason reason, std::string note,
                        std::string cancellation_id, absl::Time now) {
  if (order.status == OrderState::kCancelled) return {};
  for (const Ticket& t : order.tickets) {
    if (t.status == TicketState::kPickedUp) {
      return Invalid("cannot cancel: goods were already picked up");
    }
  }
  if (NextOrderState(order.status, event)) {  // PLACED: nothing was handed to dispatch yet
    Outcome out;
    Cancel(order, reason, std::move(note), now, out);
    return out;
  }
  if (!NextOrderState(order.status, OrderEvent::kCancellationAccepted)) {
    return InvalidOrder(order, event);
  }
  if (order.cancellation && order.cancellation->state == CancellationState::kRequested) {
    return {};  // dispatch has not answered the pending request yet
  }
  order.cancellation = Cancellation{};
  Cancellation& c = *order.cancellation;
  c.id = std::move(cancellation_id);
  c.reason = reason;
  c.note = std::move(note);
  c.requested_at = now;
  Touch(order, now);
  Outcome out;
  out.changes.push_back({Happening::kCancellationRequested});
  return out;
}

}  // namespace

Outcome CustomerCancel(Order& order, std::string note, std::string cancellation_id,
                       absl::Time now) {
  return RequestedCancel(order, OrderEvent::kCustomerCancel, CancelReason::kCustomer,
                         std::move(note), std::move(cancellation_id), now);
}

Outcome OperatorCancel(Order& order, std::string note, std::string cancellation_id,
                       absl::Time now) {
  return RequestedCancel(order, OrderEvent::kOperatorCancel, CancelReason::kOperator,
                         std::move(note), std::move(cancellation_id), now);
}

Outcome CancellationSettled(Order& order, const std::string& cancellation_id, bool accepted,
                            std::string refusal, absl::Time now) {
  Cancellation* c = order.cancellation ? &*order.cancellation : nullptr;
  if (IsFinal(order.status) || c == nullptr || c->id != cancellation_id ||
      c->state != CancellationState::kRequested) {
    return {};  // settled already, superseded, or the order ended another way meanwhile
  }
  c->settled_at = now;
  if (!accepted) {
    c->state = CancellationState::kRefused;
    c->refusal = std::move(refusal);
    Touch(order, now);
    Outcome out;
    out.changes.push_back({Happening::kCancellationRefused});
    return out;
  }
  if (!NextOrderState(order.status, OrderEvent::kCancellationAccepted)) {
    return InvalidOrder(order, OrderEvent::kCancellationAccepted);
  }
  for (const Ticket& t : order.tickets) {
    if (t.status == TicketState::kPickedUp) {  // dispatch accepts only before any pickup
      return Invalid("cancellation accepted, but a ticket was picked up");
    }
  }
  c->state = CancellationState::kAccepted;
  Outcome out;
  Cancel(order, c->reason, c->note, now, out);
  return out;
}

Outcome CourierAssigned(Order& order, Courier courier, absl::Time now) {
  const auto next = NextOrderState(order.status, OrderEvent::kCourierAssigned);
  if (!next) return InvalidOrder(order, OrderEvent::kCourierAssigned);
  order.courier = std::move(courier);
  order.status = *next;
  Touch(order, now);
  Outcome out;
  out.changes.push_back({Happening::kCourierAssigned});
  return out;
}

Outcome CourierUnassigned(Order& order, absl::Time now) {
  const auto next = NextOrderState(order.status, OrderEvent::kCourierUnassigned);
  if (!next) return InvalidOrder(order, OrderEvent::kCourierUnassigned);
  for (const Ticket& t : order.tickets) {
    if (t.status == TicketState::kPickedUp) {
      return Invalid("cannot unassign the courier: goods were already picked up");
    }
  }
  order.courier.reset();
  order.status = *next;
  Touch(order, now);
  Outcome out;
  out.changes.push_back({Happening::kCourierUnassigned});
  return out;
}

Outcome PickupConfirmed(Order& order, int t, const std::string& courier_id, int64_t paid_idr,
                        absl::Time now) {
  Ticket& ticket = order.tickets.at(static_cast<size_t>(t));
  if (order.status != OrderState::kCourierAssigned) {
    return Invalid("cannot pick up a ticket of a " + std::string(Name(order.status)) + " order");
  }
  Outcome out;
  // The verified pickup code proves the hand-over of packed goods: a ticket the trader forgot
  // to mark ready becomes READY first (both transitions are in the lifecycle).
  if (ticket.status == TicketState::kAccepted) {
    ticket.ready_at = now;
    SetTicket(ticket, *NextTicketState(ticket.status, TicketEvent::kMarkReady));
    out.changes.push_back({Happening::kTicketReady, t});
  }
  const auto next = NextTicketState(ticket.status, TicketEvent::kPickUp);
  if (!next) return InvalidTicket(ticket, TicketEvent::kPickUp);
  ticket.paid_idr = paid_idr;
  ticket.picked_up_at = now;
  SetTicket(ticket, *next);
  for (Posting& p : TraderPaid(courier_id, ticket.stall_id, ticket.stall_name, paid_idr)) {
    order.new_postings.push_back(std::move(p));
  }
  Touch(order, now);
  out.changes.push_back({Happening::kTicketPickedUp, t});
  const std::vector<TicketState> states = order.TicketStates();
  if (AllPickedUp(states)) {
    order.status = *NextOrderState(order.status, OrderEvent::kAllPickedUp);
    order.picked_up_at = now;
    out.changes.push_back({Happening::kOrderPickedUp});
  }
  return out;
}

Outcome DeliveryConfirmed(Order& order, const std::string& courier_id, absl::Time now) {
  const auto next = NextOrderState(order.status, OrderEvent::kDelivered);
  if (!next) return InvalidOrder(order, OrderEvent::kDelivered);
  const bool benefit = order.benefit && order.benefit->state != BenefitState::kReleased;
  for (Posting& p :
       Delivered(order.customer, courier_id, order.market_id, order.totals.total_idr(),
                 order.totals.service_fee_idr, benefit ? order.benefit->programme_id : "",
                 benefit ? order.benefit->amount_idr() : 0)) {
    order.new_postings.push_back(std::move(p));
  }
  order.status = *next;
  order.delivered_at = now;
  Touch(order, now);
  Outcome out;
  out.changes.push_back({Happening::kOrderDelivered});
  return out;
}

Outcome DeliveryAttempted(Order& order, int32_t attempt, std::string outcome, absl::Time now) {
  // Only news while the courier is at the door; a late or repeated one changes nothing.
  if (order.status != OrderState::kPickedUp || attempt <= order.delivery_attempts) return {};
  order.delivery_attempts = attempt;
  order.last_attempt_outcome = std::move(outcome);
  Touch(order, now);
  Outcome out;
  out.changes.push_back({Happening::kDeliveryAttempted});
  return out;
}

Outcome DeliveryFailed(Order& order, const std::string& courier_id, int64_t failure_fee_idr,
                       int64_t compensation_idr, absl::Time now) {
  const auto next = NextOrderState(order.status, OrderEvent::kDeliveryFailed);
  if (!next) return InvalidOrder(order, OrderEvent::kDeliveryFailed);
  if (failure_fee_idr < 0 || compensation_idr < 0) return Invalid("negative failure money");
  for (Posting& p : domain::DeliveryFailed(order.customer, courier_id, order.market_id,
                                           failure_fee_idr, compensation_idr)) {
    order.new_postings.push_back(std::move(p));
  }
  order.status = *next;
  order.delivery_failed_at = now;
  Touch(order, now);
  Outcome out;
  out.changes.push_back({Happening::kDeliveryFailed});
  return out;
}

Outcome GoodsReturned(Order& order, int t, const std::string& courier_id, bool to_office,
                      int64_t amount_idr, absl::Time now) {
  if (order.status != OrderState::kDeliveryFailed) {
    return InvalidOrder(order, OrderEvent::kGoodsReturned);
  }
  Ticket& ticket = order.tickets.at(static_cast<size_t>(t));
  const TicketEvent back = to_office ? TicketEvent::kHandToOffice : TicketEvent::kReturnToStall;
  const auto ticket_next = NextTicketState(ticket.status, back);
  if (!ticket_next) return InvalidTicket(ticket, back);
  if (amount_idr < 0) return Invalid("negative amount returned");
  SetTicket(ticket, *ticket_next);
  for (Posting& p : GoodsBack(courier_id, ticket.stall_id, ticket.stall_name, order.market_id,
                              to_office, amount_idr)) {
    order.new_postings.push_back(std::move(p));
  }
  Touch(order, now);
  Outcome out;
  out.changes.push_back({Happening::kTicketReturned, t});
  // RETURNED once no ticket is left with the courier, whatever order the returns arrive in.
  const bool left = std::any_of(order.tickets.begin(), order.tickets.end(),
                                [](const Ticket& x) { return x.status == TicketState::kPickedUp; });
  order.status =
      *NextOrderState(order.status, left ? OrderEvent::kGoodsReturned : OrderEvent::kAllReturned);
  if (!left) out.changes.push_back({Happening::kOrderReturned});
  return out;
}

Outcome DispatchFailed(Order& order, absl::Time now) {
  if (!NextOrderState(order.status, OrderEvent::kDispatchFailed)) {
    return InvalidOrder(order, OrderEvent::kDispatchFailed);
  }
  for (const Ticket& t : order.tickets) {
    if (t.status == TicketState::kPickedUp) {
      return Invalid("cannot fail dispatch: goods were already picked up");
    }
  }
  Outcome out;
  Cancel(order, CancelReason::kNoCourier, "no courier took the job in time", now, out);
  return out;
}

Outcome TripChanged(Order& order, absl::Time now) {
  Touch(order, now);
  Outcome out;
  out.changes.push_back({Happening::kTripChanged});
  return out;
}

std::optional<TripStop> TripStopOf(const Order& order) {
  if (!order.courier || order.courier->bundle_id.empty()) return std::nullopt;
  return TripStop{.bundle_id = order.courier->bundle_id,
                  .position = order.courier->bundle_position,
                  .courier_id = order.courier->id,
                  .status = order.status};
}

int StopsBefore(const Order& order) {
  const std::optional<TripStop> stop = TripStopOf(order);
  return stop ? StopsBefore(*stop, order.trip_mates) : 0;
}

Outcome ReservationExpired(Order& order, absl::Time now) {
  if (!NextOrderState(order.status, OrderEvent::kReservationExpired)) {
    return InvalidOrder(order, OrderEvent::kReservationExpired);
  }
  Outcome out;
  Cancel(order, CancelReason::kReservationExpired, "the stock hold expired", now, out);
  return out;
}

FactTiming TimeCourierFact(const Order& order, OrderEvent event, std::string_view courier_id,
                           absl::Time occurred_at) {
  if (order.status != OrderState::kCourierAssigned || !order.courier) return FactTiming::kNow;
  const Courier& current = *order.courier;
  const bool same = courier_id.empty() || courier_id == current.id;
  switch (event) {
    case OrderEvent::kCourierAssigned:
      // A later assignment waits for the release of the current one; an earlier one is over.
      return occurred_at > current.assigned_at ? FactTiming::kEarly : FactTiming::kStale;
    case OrderEvent::kCourierUnassigned:
      return same && occurred_at >= current.assigned_at ? FactTiming::kNow : FactTiming::kStale;
    case OrderEvent::kAllPickedUp:
      if (same) return FactTiming::kNow;
      return occurred_at > current.assigned_at ? FactTiming::kEarly : FactTiming::kStale;
    default:
      return FactTiming::kNow;
  }
}

PlacementDeadlines PlaceDeadlines(absl::Duration trader_timeout, absl::Duration configured_ttl) {
  PlacementDeadlines d;
  d.trader_timeout = std::min(trader_timeout, kMaxReservationTtl - kReservationMargin);
  d.reservation_ttl =
      std::min(kMaxReservationTtl, std::max(configured_ttl, d.trader_timeout + kReservationMargin));
  return d;
}

std::string_view Name(CancellationState state) {
  switch (state) {
    case CancellationState::kRequested:
      return "REQUESTED";
    case CancellationState::kAccepted:
      return "ACCEPTED";
    case CancellationState::kRefused:
      return "REFUSED";
  }
  return "UNKNOWN";
}

std::optional<CancellationState> ParseCancellationState(std::string_view name) {
  for (CancellationState s :
       {CancellationState::kRequested, CancellationState::kAccepted, CancellationState::kRefused}) {
    if (Name(s) == name) return s;
  }
  return std::nullopt;
}

std::string_view Name(LineStatus status) {
  switch (status) {
    case LineStatus::kPending:
      return "PENDING";
    case LineStatus::kAccepted:
      return "ACCEPTED";
    case LineStatus::kRejected:
      return "REJECTED";
  }
  return "UNKNOWN";
}

std::optional<LineStatus> ParseLineStatus(std::string_view name) {
  for (LineStatus s : {LineStatus::kPending, LineStatus::kAccepted, LineStatus::kRejected}) {
    if (Name(s) == name) return s;
  }
  return std::nullopt;
}

std::vector<CommitLine> CommitQuantities(const Order& order) {
  std::vector<CommitLine> out;
  for (const Ticket& t : order.tickets) {
    const bool dropped = IsDropped(t.status);
    for (const Line& l : t.lines) {
      const int64_t q = dropped || l.status == LineStatus::kRejected
                            ? 0
                            : std::min(l.final_quantity, l.ordered_quantity);
      out.push_back({l.product_id, q});
    }
  }
  return out;
}

}  // namespace pasar::order::domain
