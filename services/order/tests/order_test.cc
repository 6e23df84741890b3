// The order aggregate through its lifecycle (pure; no I/O).
#include <catch2/catch.hpp>

#include <algorithm>
#include <vector>

#include "domain/order.h"

namespace d = pasar::order::domain;
using d::Happening;
using d::OrderState;
using d::TicketState;

namespace {

const absl::Time kT0 = absl::FromUnixSeconds(1'700'000'000);

d::Line MakeLine(std::string product, int64_t qty, int64_t price, bool weighed = false) {
  d::Line l;
  l.product_id = std::move(product);
  l.ordered_quantity = qty;
  l.price_idr = price;
  l.weighed = weighed;
  l.final_quantity = qty;
  l.line_total_idr = qty * price;
  return l;
}

// Two stalls: s1 (cabai weighed 10 x 6,000 + bayam 3 x 2,000 = 66,000), s2 (telur 20 x 1,500).
d::Order MakeOrder() {
  d::Order o;
  o.id = "o1";
  o.customer = "cust";
  o.market_id = "m1";
  o.weighed_tolerance_percent = 10;
  o.totals = {96000, 9000, 1000};
  d::Ticket a;
  a.id = "t1";
  a.stall_id = "s1";
  a.stall_name = "Sayur Bu Sri";
  a.decide_by = kT0 + absl::Minutes(5);
  a.lines = {MakeLine("cabai", 10, 6000, true), MakeLine("bayam", 3, 2000)};
  a.total_idr = 66000;
  d::Ticket b;
  b.id = "t2";
  b.stall_id = "s2";
  b.stall_name = "Telur Pak Man";
  b.decide_by = kT0 + absl::Minutes(2);
  b.lines = {MakeLine("telur", 20, 1500)};
  b.total_idr = 30000;
  o.tickets = {a, b};
  return o;
}

bool Has(const d::Outcome& o, Happening h) {
  return std::any_of(o.changes.begin(), o.changes.end(),
                     [&](const d::Change& c) { return c.what == h; });
}

}  // namespace

TEST_CASE("both tickets accepted: confirmed with recomputed totals then delivered") {
  d::Order o = MakeOrder();
  const std::vector<d::LineDecision> weighed = {{"cabai", false, 0, 0, 57000}};
  auto r = d::AcceptTicket(o, 0, weighed, kT0);
  REQUIRE(r.ok());
  CHECK(o.status == OrderState::kPlaced);
  CHECK(o.tickets[0].total_idr == 63000);
  CHECK(o.tickets[0].lines[0].line_total_idr == 57000);
  CHECK(o.tickets[0].dirty);

  r = d::AcceptTicket(o, 1, {}, kT0);
  REQUIRE(r.ok());
  CHECK(Has(r, Happening::kOrderConfirmed));
  CHECK(o.status == OrderState::kConfirmed);
  CHECK(o.totals.goods_total_idr == 93000);
  CHECK(o.totals.total_idr() == 103000);
  REQUIRE(o.confirmed_at.has_value());

  const auto commit = d::CommitQuantities(o);
  REQUIRE(commit.size() == 3);
  CHECK(commit[0].quantity == 10);
  CHECK(commit[2].quantity == 20);

  REQUIRE(d::CourierAssigned(o, {"c1", "Budi", "N 1234 AB", "", 300, kT0, "", 0}, kT0).ok());
  CHECK(o.status == OrderState::kCourierAssigned);
  // The trader never marked t1 ready: pickup still applies (READY then PICKED_UP).
  r = d::PickupConfirmed(o, 0, "c1", 63000, kT0);
  REQUIRE(r.ok());
  CHECK(Has(r, Happening::kTicketReady));
  CHECK(o.tickets[0].status == TicketState::kPickedUp);
  CHECK(o.status == OrderState::kCourierAssigned);
  REQUIRE(d::MarkTicketReady(o, 1, kT0).ok());
  r = d::PickupConfirmed(o, 1, "c1", 30000, kT0);
  REQUIRE(r.ok());
  CHECK(Has(r, Happening::kOrderPickedUp));
  CHECK(o.status == OrderState::kPickedUp);
  // No cancelling after pickup.
  CHECK(d::CustomerCancel(o, "", "c-1", kT0).refusal == d::Refusal::kInvalidTransition);
  CHECK(d::OperatorCancel(o, "", "c-1", kT0).refusal == d::Refusal::kInvalidTransition);
  REQUIRE(d::DeliveryConfirmed(o, "c1", kT0).ok());
  CHECK(d::OperatorCancel(o, "", "c-1", kT0).refusal == d::Refusal::kInvalidTransition);
  CHECK(o.status == OrderState::kDelivered);
  CHECK(o.new_postings.size() == 8);
  CHECK(d::Balanced(o.new_postings));
  // The courier's net is the delivery fee (9,000).
  const auto balances = d::Balances(o.new_postings);
  const auto courier = std::find_if(balances.begin(), balances.end(), [](const d::Balance& b) {
    return b.party == d::Party::kCourier;
  });
  REQUIRE(courier != balances.end());
  CHECK(courier->party_id == "c1");
  CHECK(courier->net_idr == 9000);
  // A duplicate delivery fact is a refused transition (the consumer logs and ignores it).
  CHECK_FALSE(d::DeliveryConfirmed(o, "c1", kT0).ok());
}

TEST_CASE("partial acceptance: one ticket rejected") {
  d::Order o = MakeOrder();
  REQUIRE(d::RejectTicket(o, 1, 1, "habis", kT0).ok());
  CHECK(o.tickets[1].status == TicketState::kRejected);
  CHECK(o.tickets[1].lines[0].status == d::LineStatus::kRejected);
  const auto r = d::AcceptTicket(o, 0, {}, kT0);
  REQUIRE(r.ok());
  CHECK(o.status == OrderState::kConfirmed);
  CHECK(o.totals.goods_total_idr == 66000);
  const auto commit = d::CommitQuantities(o);
  CHECK(commit[2].product_id == "telur");
  CHECK(commit[2].quantity == 0);
}

TEST_CASE("weighed line beyond tolerance changes nothing") {
  d::Order o = MakeOrder();
  const std::vector<d::LineDecision> ds = {{"cabai", false, 0, 0, 70000}};
  const auto r = d::AcceptTicket(o, 0, ds, kT0);
  CHECK(r.refusal == d::Refusal::kToleranceExceeded);
  CHECK(o.tickets[0].status == TicketState::kPending);
  CHECK(o.tickets[0].total_idr == 66000);
  CHECK_FALSE(o.tickets[0].dirty);
}

TEST_CASE("all rejected: cancelled ALL_REJECTED") {
  d::Order o = MakeOrder();
  REQUIRE(d::RejectTicket(o, 0, 1, "", kT0).ok());
  const auto r = d::RejectTicket(o, 1, 2, "", kT0);
  REQUIRE(r.ok());
  CHECK(Has(r, Happening::kOrderCancelled));
  CHECK(o.status == OrderState::kCancelled);
  CHECK(o.cancel_reason == d::CancelReason::kAllRejected);
  // A decided ticket cannot be decided again.
  CHECK(d::AcceptTicket(o, 0, {}, kT0).refusal == d::Refusal::kInvalidTransition);
}

TEST_CASE("trader timeout: due tickets expire - none accepted cancels TRADER_TIMEOUT") {
  d::Order o = MakeOrder();
  auto r = d::ExpireDueTickets(o, kT0 + absl::Minutes(1));
  CHECK_FALSE(r.changed());
  r = d::ExpireDueTickets(o, kT0 + absl::Minutes(3));
  REQUIRE(r.changed());
  CHECK(o.tickets[1].status == TicketState::kExpired);
  CHECK(o.tickets[0].status == TicketState::kPending);
  CHECK(o.status == OrderState::kPlaced);
  REQUIRE(d::RejectTicket(o, 0, 4, "", kT0).ok());
  CHECK(o.status == OrderState::kCancelled);
  CHECK(o.cancel_reason == d::CancelReason::kTraderTimeout);
}

TEST_CASE("an expired ticket beside an accepted one still confirms") {
  d::Order o = MakeOrder();
  REQUIRE(d::AcceptTicket(o, 0, {}, kT0).ok());
  const auto r = d::ExpireDueTickets(o, kT0 + absl::Minutes(3));
  CHECK(Has(r, Happening::kTicketExpired));
  CHECK(Has(r, Happening::kOrderConfirmed));
  CHECK(o.totals.goods_total_idr == 66000);
}

TEST_CASE("customer cancel cancels open tickets - cancelling again is a no-op") {
  d::Order o = MakeOrder();
  REQUIRE(d::AcceptTicket(o, 0, {}, kT0).ok());
  auto r = d::CustomerCancel(o, "changed my mind", "c-1", kT0);
  REQUIRE(r.ok());
  CHECK(o.status == OrderState::kCancelled);
  CHECK(o.cancel_reason == d::CancelReason::kCustomer);
  CHECK(o.tickets[0].status == TicketState::kCancelled);
  CHECK(o.tickets[1].status == TicketState::kCancelled);
  r = d::CustomerCancel(o, "", "c-1", kT0);
  CHECK(r.ok());
  CHECK_FALSE(r.changed());
}

TEST_CASE("operator cancel: same rule as the customer's, reason OPERATOR with the note") {
  d::Order o = MakeOrder();
  REQUIRE(d::AcceptTicket(o, 0, {}, kT0).ok());
  auto r = d::OperatorCancel(o, "stall closed", "c-1", kT0);
  REQUIRE(r.ok());
  CHECK(Has(r, Happening::kOrderCancelled));
  CHECK(o.status == OrderState::kCancelled);
  CHECK(o.cancel_reason == d::CancelReason::kOperator);
  CHECK(o.cancel_note == "stall closed");
  CHECK(o.tickets[0].status == TicketState::kCancelled);
  CHECK(o.tickets[1].status == TicketState::kCancelled);
  // Cancelled already (by anyone): a no-op that keeps the first reason.
  r = d::OperatorCancel(o, "again", "c-1", kT0);
  CHECK(r.ok());
  CHECK_FALSE(r.changed());
  r = d::CustomerCancel(o, "", "c-1", kT0);
  CHECK(r.ok());
  CHECK_FALSE(r.changed());
  CHECK(o.cancel_reason == d::CancelReason::kOperator);
}

TEST_CASE("courier unassigned goes back to CONFIRMED - dispatch failure cancels NO_COURIER") {
  d::Order o = MakeOrder();
  REQUIRE(d::AcceptTicket(o, 0, {}, kT0).ok());
  REQUIRE(d::AcceptTicket(o, 1, {}, kT0).ok());
  CHECK_FALSE(d::CourierUnassigned(o, kT0).ok());
  REQUIRE(d::CourierAssigned(o, {"c1", "Budi", "N 1", "", 60, kT0, "", 0}, kT0).ok());
  REQUIRE(d::CourierUnassigned(o, kT0).ok());
  CHECK(o.status == OrderState::kConfirmed);
  CHECK_FALSE(o.courier.has_value());
  REQUIRE(d::DispatchFailed(o, kT0).ok());
  CHECK(o.status == OrderState::kCancelled);
  CHECK(o.cancel_reason == d::CancelReason::kNoCourier);
  CHECK(o.tickets[0].status == TicketState::kCancelled);
}

TEST_CASE("pickup before assignment or of a dropped ticket is refused") {
  d::Order o = MakeOrder();
  CHECK_FALSE(d::PickupConfirmed(o, 0, "c1", 1, kT0).ok());
  REQUIRE(d::RejectTicket(o, 1, 1, "", kT0).ok());
  REQUIRE(d::AcceptTicket(o, 0, {}, kT0).ok());
  REQUIRE(d::CourierAssigned(o, {"c1", "Budi", "N 1", "", 60, kT0, "", 0}, kT0).ok());
  CHECK_FALSE(d::PickupConfirmed(o, 1, "c1", 1, kT0).ok());
  CHECK(d::PickupConfirmed(o, 0, "c1", 66000, kT0).ok());
  CHECK(o.status == OrderState::kPickedUp);  // the rejected ticket does not count
}

TEST_CASE("a ticket past its response deadline can no longer be decided") {
  d::Order o = MakeOrder();  // t2 is due at kT0 + 2 min
  const absl::Time due = o.tickets[1].decide_by;
  d::Outcome r = d::AcceptTicket(o, 1, {}, due);
  CHECK(r.refusal == d::Refusal::kInvalidTransition);
  r = d::RejectTicket(o, 1, 1, "", due + absl::Seconds(1));
  CHECK(r.refusal == d::Refusal::kInvalidTransition);
  CHECK(o.tickets[1].status == TicketState::kPending);
  CHECK_FALSE(o.tickets[1].decided_at.has_value());
  // Just before the deadline it still can; the sweeper expires what is left.
  REQUIRE(d::AcceptTicket(o, 0, {}, due - absl::Seconds(1)).ok());
  REQUIRE(d::ExpireDueTickets(o, due).ok());
  CHECK(o.tickets[1].status == TicketState::kExpired);
  CHECK(o.status == OrderState::kConfirmed);
}

TEST_CASE("courier facts out of order: early ones wait, superseded ones are stale") {
  d::Order o = MakeOrder();
  const absl::Time t1 = kT0 + absl::Minutes(10);
  const absl::Time t2 = t1 + absl::Minutes(1), t3 = t2 + absl::Minutes(1);
  // Before any assignment everything is left to the state machine.
  CHECK(d::TimeCourierFact(o, d::OrderEvent::kCourierUnassigned, "c1", t2) == d::FactTiming::kNow);
  REQUIRE(d::AcceptTicket(o, 0, {}, kT0).ok());
  REQUIRE(d::AcceptTicket(o, 1, {}, kT0).ok());
  REQUIRE(d::CourierAssigned(o, {"c1", "Budi", "N 1", "", 60, t1, "", 0}, t1).ok());

  using d::FactTiming;
  using d::OrderEvent;
  // c1 released at t2, c2 assigned at t3: the new assignment waits for the release...
  CHECK(d::TimeCourierFact(o, OrderEvent::kCourierAssigned, "c2", t3) == FactTiming::kEarly);
  CHECK(d::TimeCourierFact(o, OrderEvent::kAllPickedUp, "c2", t3) == FactTiming::kEarly);
  // ... the same courier assigned again after a release too; the current assignment is stale.
  CHECK(d::TimeCourierFact(o, OrderEvent::kCourierAssigned, "c1", t3) == FactTiming::kEarly);
  CHECK(d::TimeCourierFact(o, OrderEvent::kCourierAssigned, "c1", t1) == FactTiming::kStale);
  CHECK(d::TimeCourierFact(o, OrderEvent::kCourierUnassigned, "c1", t2) == FactTiming::kNow);
  CHECK(d::TimeCourierFact(o, OrderEvent::kAllPickedUp, "c1", t2) == FactTiming::kNow);
  CHECK(d::TimeCourierFact(o, OrderEvent::kDelivered, "c2", t3) == FactTiming::kNow);

  // Once c2 (assigned at t3) is current, c1's release and an earlier assignment are stale.
  REQUIRE(d::CourierUnassigned(o, t2).ok());
  REQUIRE(d::CourierAssigned(o, {"c2", "Sari", "N 2", "", 60, t3, "", 0}, t3).ok());
  CHECK(d::TimeCourierFact(o, OrderEvent::kCourierUnassigned, "c1", t2) == FactTiming::kStale);
  CHECK(d::TimeCourierFact(o, OrderEvent::kCourierUnassigned, "c2", t2) == FactTiming::kStale);
  CHECK(d::TimeCourierFact(o, OrderEvent::kCourierAssigned, "c1", t1) == FactTiming::kStale);
  CHECK(d::TimeCourierFact(o, OrderEvent::kAllPickedUp, "c1", t2) == FactTiming::kStale);
  CHECK(d::TimeCourierFact(o, OrderEvent::kAllPickedUp, "", t2) == FactTiming::kNow);
}

TEST_CASE("the stock hold outlives the trader response deadline by the margin") {
  using d::kReservationMargin;
  // The configured TTL when it is longer.
  d::PlacementDeadlines p = d::PlaceDeadlines(absl::Minutes(5), absl::Minutes(30));
  CHECK(p.trader_timeout == absl::Minutes(5));
  CHECK(p.reservation_ttl == absl::Minutes(30));
  // Else the timeout plus the margin.
  p = d::PlaceDeadlines(absl::Minutes(60), absl::Minutes(30));
  CHECK(p.reservation_ttl == absl::Minutes(60) + kReservationMargin);
  // A timeout near inventory's limit is capped so the hold still outlives it.
  p = d::PlaceDeadlines(absl::Hours(24), absl::Minutes(30));
  CHECK(p.reservation_ttl == d::kMaxReservationTtl);
  CHECK(p.trader_timeout == d::kMaxReservationTtl - kReservationMargin);
  for (absl::Duration t : {absl::Seconds(1), absl::Minutes(25), absl::Hours(23), absl::Hours(30)}) {
    p = d::PlaceDeadlines(t, absl::Seconds(10));
    CHECK(p.reservation_ttl >= p.trader_timeout + kReservationMargin);
    CHECK(p.reservation_ttl <= d::kMaxReservationTtl);
  }
}

TEST_CASE("once confirmed, a cancel is a request that dispatch settles: accepted cancels") {
  d::Order o = MakeOrder();
  REQUIRE(d::AcceptTicket(o, 0, {}, kT0).ok());
  REQUIRE(d::AcceptTicket(o, 1, {}, kT0).ok());
  REQUIRE(o.status == OrderState::kConfirmed);
  REQUIRE(d::CourierAssigned(o, {"c1", "Budi", "N 1234 AB", "", 300, kT0, "", 0}, kT0).ok());

  auto r = d::CustomerCancel(o, "salah alamat", "req-1", kT0);
  REQUIRE(r.ok());
  CHECK(Has(r, Happening::kCancellationRequested));
  CHECK_FALSE(Has(r, Happening::kOrderCancelled));
  CHECK(o.status == OrderState::kCourierAssigned);
  REQUIRE(o.cancellation.has_value());
  CHECK(o.cancellation->id == "req-1");
  CHECK(o.cancellation->state == d::CancellationState::kRequested);
  CHECK(o.cancellation->reason == d::CancelReason::kCustomer);
  // Asking again while dispatch has not answered changes nothing (an operator too).
  r = d::OperatorCancel(o, "again", "req-2", kT0);
  CHECK(r.ok());
  CHECK_FALSE(r.changed());
  CHECK(o.cancellation->id == "req-1");
  // An answer to another request is ignored.
  r = d::CancellationSettled(o, "req-2", true, "", kT0);
  CHECK(r.ok());
  CHECK_FALSE(r.changed());
  CHECK(o.status == OrderState::kCourierAssigned);

  r = d::CancellationSettled(o, "req-1", true, "", kT0 + absl::Seconds(2));
  REQUIRE(r.ok());
  CHECK(Has(r, Happening::kOrderCancelled));
  CHECK(o.status == OrderState::kCancelled);
  CHECK(o.cancel_reason == d::CancelReason::kCustomer);
  CHECK(o.cancel_note == "salah alamat");
  CHECK(o.cancellation->state == d::CancellationState::kAccepted);
  CHECK(o.cancellation->settled_at == kT0 + absl::Seconds(2));
  CHECK(o.tickets[0].status == TicketState::kCancelled);
  CHECK(o.tickets[1].status == TicketState::kCancelled);
  // A redelivered answer is a no-op.
  r = d::CancellationSettled(o, "req-1", true, "", kT0);
  CHECK(r.ok());
  CHECK_FALSE(r.changed());
}

TEST_CASE("a cancel request refused after pickup: the order goes on to delivery") {
  d::Order o = MakeOrder();
  REQUIRE(d::AcceptTicket(o, 0, {}, kT0).ok());
  REQUIRE(d::AcceptTicket(o, 1, {}, kT0).ok());
  // Asked while CONFIRMED (dispatch may already have a courier on the way).
  REQUIRE(d::OperatorCancel(o, "pasar tutup", "req-9", kT0).changed());
  CHECK(o.cancellation->reason == d::CancelReason::kOperator);
  // Dispatch's facts reach the order meanwhile: assigned, then both pickups.
  REQUIRE(d::CourierAssigned(o, {"c1", "Budi", "N 1234 AB", "", 300, kT0, "", 0}, kT0).ok());
  REQUIRE(d::PickupConfirmed(o, 0, "c1", 66000, kT0).ok());
  // With goods on the bike the order itself refuses a new cancel at once.
  CHECK(d::CustomerCancel(o, "", "req-10", kT0).refusal == d::Refusal::kInvalidTransition);
  REQUIRE(d::PickupConfirmed(o, 1, "c1", 30000, kT0).ok());
  REQUIRE(o.status == OrderState::kPickedUp);

  auto r = d::CancellationSettled(o, "req-9", false, "PICKED_UP", kT0);
  REQUIRE(r.ok());
  CHECK(Has(r, Happening::kCancellationRefused));
  CHECK(o.status == OrderState::kPickedUp);
  CHECK(o.cancellation->state == d::CancellationState::kRefused);
  CHECK(o.cancellation->refusal == "PICKED_UP");
  REQUIRE(d::DeliveryConfirmed(o, "c1", kT0).ok());
  CHECK(o.status == OrderState::kDelivered);
  CHECK(d::Balanced(o.new_postings));
}

TEST_CASE("after a refusal the customer may ask again while nothing is picked up") {
  d::Order o = MakeOrder();
  REQUIRE(d::AcceptTicket(o, 0, {}, kT0).ok());
  REQUIRE(d::AcceptTicket(o, 1, {}, kT0).ok());
  REQUIRE(d::CustomerCancel(o, "", "req-1", kT0).changed());
  REQUIRE(d::CancellationSettled(o, "req-1", false, "PICKED_UP", kT0).changed());
  auto r = d::CustomerCancel(o, "lagi", "req-2", kT0);
  REQUIRE(r.changed());
  CHECK(o.cancellation->id == "req-2");
  CHECK(o.cancellation->state == d::CancellationState::kRequested);
  // Dispatch gave up on the job meanwhile: the order is cancelled NO_COURIER, and the pending
  // request's answer changes nothing.
  REQUIRE(d::DispatchFailed(o, kT0).changed());
  CHECK(o.cancel_reason == d::CancelReason::kNoCourier);
  r = d::CancellationSettled(o, "req-2", true, "", kT0);
  CHECK(r.ok());
  CHECK_FALSE(r.changed());
  CHECK(o.cancel_reason == d::CancelReason::kNoCourier);
}

TEST_CASE("a failed delivery: attempts seen live, the goods back ticket by ticket, balanced") {
  d::Order o = MakeOrder();
  REQUIRE(d::AcceptTicket(o, 0, {}, kT0).ok());
  REQUIRE(d::AcceptTicket(o, 1, {}, kT0).ok());
  // Before pickup neither an attempt nor a failure means anything.
  CHECK_FALSE(d::DeliveryAttempted(o, 1, "NO_ANSWER", kT0).changed());
  CHECK_FALSE(d::DeliveryFailed(o, "c1", 4000, 5000, kT0).ok());
  REQUIRE(d::CourierAssigned(o, {"c1", "Budi", "N 1", "", 60, kT0, "", 0}, kT0).ok());
  REQUIRE(d::PickupConfirmed(o, 0, "c1", 66000, kT0).ok());
  REQUIRE(d::PickupConfirmed(o, 1, "c1", 30000, kT0).ok());
  const d::Outcome attempt = d::DeliveryAttempted(o, 1, "NO_ANSWER", kT0);
  CHECK(Has(attempt, Happening::kDeliveryAttempted));
  CHECK(o.delivery_attempts == 1);
  CHECK(o.last_attempt_outcome == "NO_ANSWER");
  CHECK_FALSE(d::DeliveryAttempted(o, 1, "NO_ANSWER", kT0).changed());  // heard already
  // A return before the failure is refused (the consumer retries it later).
  CHECK_FALSE(d::GoodsReturned(o, 0, "c1", false, 66000, kT0).ok());

  const d::Outcome failed = d::DeliveryFailed(o, "c1", 4000, 5000, kT0);
  REQUIRE(failed.ok());
  CHECK(o.status == OrderState::kDeliveryFailed);
  CHECK(o.delivery_failed_at == kT0);
  CHECK_FALSE(d::DeliveryConfirmed(o, "c1", kT0).ok());
  CHECK_FALSE(d::CustomerCancel(o, "", "00000000-0000-4000-8000-000000000001", kT0).ok());
  CHECK_FALSE(d::DeliveryAttempted(o, 2, "REFUSED", kT0).changed());

  // The second ticket's goods come back first (to the office), then the first (its stall).
  const d::Outcome office = d::GoodsReturned(o, 1, "c1", true, 30000, kT0);
  REQUIRE(office.ok());
  CHECK(o.tickets[1].status == TicketState::kAtMarketOffice);
  CHECK(o.status == OrderState::kDeliveryFailed);
  CHECK_FALSE(Has(office, Happening::kOrderReturned));
  CHECK_FALSE(d::GoodsReturned(o, 1, "c1", true, 30000, kT0).ok());  // once
  const d::Outcome stall = d::GoodsReturned(o, 0, "c1", false, 66000, kT0);
  REQUIRE(stall.ok());
  CHECK(Has(stall, Happening::kOrderReturned));
  CHECK(o.status == OrderState::kReturned);
  CHECK(o.tickets[0].status == TicketState::kReturned);

  std::vector<d::Posting> all = o.new_postings;
  CHECK(d::Balanced(all));
  int64_t courier = 0, platform = 0, customer = 0, s1 = 0, s2 = 0;
  for (const d::Balance& b : d::Balances(all)) {
    if (b.party == d::Party::kCourier) courier = b.net_idr;
    if (b.party == d::Party::kPlatform) platform = b.net_idr;
    if (b.party == d::Party::kCustomer) customer = b.net_idr;
    if (b.party_id == "s1") s1 = b.net_idr;
    if (b.party_id == "s2") s2 = b.net_idr;
  }
  CHECK(courier == 9000);
  CHECK(customer == -4000);
  CHECK(platform == -(5000 + 30000));
  CHECK(s1 == 0);
  CHECK(s2 == 30000);
}
