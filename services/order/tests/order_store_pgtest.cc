// The store, the ticket sweeper and the event handler against a real PostgreSQL
// (PASAR_TEST_PG; a fresh database per test).
#include <catch2/catch.hpp>

#include <algorithm>
#include <atomic>
#include <thread>

#include "app/convert.h"
#include "consumers/dispatch_events.h"
#include "pasar/events/v1/events.pb.h"
#include "pasar/order/v1/order.pb.h"
#include "pasar/service/purge.h"
#include "pasar/testkit/testkit.h"
#include "seed.h"
#include "workers/ticket_sweeper.h"

namespace {

using namespace pasar;
using namespace pasar::order;
namespace d = pasar::order::domain;
namespace ev = pasar::events::v1;

constexpr pg::Query kOutboxTypes{"test_outbox_types",
                                 "SELECT type FROM outbox WHERE aggregate_id = $1 ORDER BY id"};
constexpr pg::Query kCountType{"test_count_type", "SELECT count(*) FROM outbox WHERE type = $1"};
constexpr pg::Query kSnapshotVersions{
    "test_snapshot_versions",
    "SELECT version, status FROM order_snapshots WHERE order_id = $1 ORDER BY version"};

std::vector<std::string> OutboxTypes(pg::Pool& pool, const std::string& order_id) {
  const pg::Result r = pg::Exec(pool, kOutboxTypes, order_id);
  std::vector<std::string> out;
  for (int i = 0; i < r.size(); ++i)
    out.push_back(r.Str(i, 0));
  return out;
}

d::Order Load(pg::Pool& pool, const std::string& id) {
  pg::Transaction tx(pool, "test_load");
  auto o = store::LoadOrder(tx, id, false);
  REQUIRE(o.has_value());
  return *o;
}

struct Fixture {
  testkit::TempDatabase db;
  pg::Pool pool{{.conninfo = db.conninfo(), .search_path = "orders", .size = 8}};
  Fixture() { testing::MigrateAll(pool); }
};

void Apply(pg::Pool& pool, const ev::Envelope& e) {
  events::Delivery delivery;
  delivery.event_id = e.event_id();
  delivery.type = e.type();
  delivery.payload = e.SerializeAsString();
  delivery.stream = "events.dispatch";
  pg::Transaction tx(pool, "test_apply");
  HandleEvent(tx, delivery);
  tx.Commit();
}

ev::Envelope Envelope(std::string type) {
  ev::Envelope e;
  e.set_event_id(RandomUuid());
  e.set_type(std::move(type));
  e.set_producer("dispatch");
  return e;
}

// Every ticket of a seeded order accepted as ordered: CONFIRMED.
void Confirm(pg::Pool& pool, const std::string& order_id) {
  pg::Transaction tx(pool, "test_confirm");
  auto o = store::LoadOrder(tx, order_id, true);
  REQUIRE(o);
  const absl::Time now = absl::Now();
  std::vector<d::Change> changes;
  for (size_t i = 0; i < o->tickets.size(); ++i) {
    const d::Outcome out = d::AcceptTicket(*o, static_cast<int>(i), {}, now);
    REQUIRE(out.ok());
    changes.insert(changes.end(), out.changes.begin(), out.changes.end());
  }
  RecordChanges(tx, *o, changes, {d::OrderState::kPlaced, now});
  tx.Commit();
}

ev::Envelope Assigned(const std::string& order_id, const std::string& courier, absl::Time at) {
  ev::Envelope e = Envelope("CourierAssigned");
  SetTime(e.mutable_occurred_at(), at);
  e.mutable_courier_assigned()->set_order_id(order_id);
  e.mutable_courier_assigned()->set_courier_id(courier);
  e.mutable_courier_assigned()->set_courier_name("courier " + courier);
  return e;
}

ev::Envelope Unassigned(const std::string& order_id, const std::string& courier, absl::Time at) {
  ev::Envelope e = Envelope("CourierUnassigned");
  SetTime(e.mutable_occurred_at(), at);
  e.mutable_courier_unassigned()->set_order_id(order_id);
  e.mutable_courier_unassigned()->set_courier_id(courier);
  return e;
}

}  // namespace

TEST_CASE("an order round-trips through the store - saving bumps versions and snapshots") {
  Fixture f;
  const d::Order placed = testing::SeedOrder(
      f.pool, "cust-1",
      {{.lines = {{10, 6000, true}, {3, 2000, false}}}, {.lines = {{20, 1500, false}}}});
  d::Order o = Load(f.pool, placed.id);
  CHECK(o.status == d::OrderState::kPlaced);
  CHECK(o.version == 1);
  CHECK(o.customer == "cust-1");
  CHECK(o.delivery_pin == placed.delivery_pin);
  REQUIRE(o.tickets.size() == 2);
  CHECK(o.tickets[0].id == placed.tickets[0].id);
  CHECK(o.tickets[0].pickup_code == placed.tickets[0].pickup_code);
  REQUIRE(o.tickets[0].lines.size() == 2);
  CHECK(o.tickets[0].lines[0].weighed);
  CHECK(o.tickets[0].lines[0].ordered_quantity == 10);
  CHECK(o.tickets[0].total_idr == 66000);
  CHECK(o.totals.goods_total_idr == 96000);
  CHECK(absl::AbsDuration(o.tickets[0].decide_by - placed.tickets[0].decide_by) <
        absl::Microseconds(2));
  CHECK(OutboxTypes(f.pool, o.id) == std::vector<std::string>{"OrderPlaced", "OrderStatusChanged"});

  {
    pg::Transaction tx(f.pool, "test_accept");
    auto locked = store::LoadOrder(tx, o.id, true);
    REQUIRE(locked);
    const std::vector<d::LineDecision> ds = {
        {locked->tickets[0].lines[0].product_id, false, 0, 0, 57000}};
    const auto out = d::AcceptTicket(*locked, 0, ds, absl::Now());
    REQUIRE(out.ok());
    RecordChanges(tx, *locked, out.changes, {d::OrderState::kPlaced, absl::Now()});
    tx.Commit();
  }
  o = Load(f.pool, placed.id);
  CHECK(o.version == 2);
  CHECK(o.tickets[0].version == 2);
  CHECK(o.tickets[1].version == 1);
  CHECK(o.tickets[0].status == d::TicketState::kAccepted);
  CHECK(o.tickets[0].lines[0].line_total_idr == 57000);
  CHECK(o.tickets[0].lines[0].status == d::LineStatus::kAccepted);
  CHECK(o.tickets[0].total_idr == 63000);
  CHECK(OutboxTypes(f.pool, o.id) == std::vector<std::string>{"OrderPlaced", "OrderStatusChanged",
                                                              "TicketAccepted",
                                                              "OrderStatusChanged"});
  const pg::Result snaps = pg::Exec(f.pool, kSnapshotVersions, o.id);
  REQUIRE(snaps.size() == 2);
  CHECK(snaps.Int(1, 0) == 2);
  const auto after = store::SnapshotsAfter(f.pool, o.id, 1, 10);
  REQUIRE(after.size() == 1);
  v1::Order view;
  REQUIRE(view.ParseFromString(after[0].bytes));
  CHECK(view.version() == 2);
  CHECK(view.delivery_pin() == o.delivery_pin);  // the customer's view
  CHECK(view.tickets(0).pickup_code().empty());  // never the pickup code
}

TEST_CASE("the sweeper expires due tickets and settles the order") {
  Fixture f;
  const d::Order a = testing::SeedOrder(
      f.pool, "c", {{.decide_within = -absl::Seconds(1)}, {.decide_within = absl::Hours(1)}});
  const d::Order b = testing::SeedOrder(f.pool, "c", {{.decide_within = -absl::Seconds(1)}});
  TicketSweeper sweeper(f.pool, absl::Seconds(1));
  CHECK(sweeper.RunOnce(absl::Now()) == 2);
  CHECK(sweeper.RunOnce(absl::Now()) == 0);  // nothing left due

  const d::Order ao = Load(f.pool, a.id);
  CHECK(ao.status == d::OrderState::kPlaced);
  CHECK(ao.tickets[0].status == d::TicketState::kExpired);
  CHECK(ao.tickets[1].status == d::TicketState::kPending);
  const d::Order bo = Load(f.pool, b.id);
  CHECK(bo.status == d::OrderState::kCancelled);
  CHECK(bo.cancel_reason == d::CancelReason::kTraderTimeout);
  CHECK(OutboxTypes(f.pool, b.id) == std::vector<std::string>{"OrderPlaced", "OrderStatusChanged",
                                                              "TicketExpired", "OrderCancelled",
                                                              "OrderStatusChanged"});
}

TEST_CASE("two sweepers at once expire each ticket exactly once") {
  Fixture f;
  constexpr int kOrders = 30;
  for (int i = 0; i < kOrders; ++i) {
    testing::SeedOrder(f.pool, "c", {{.decide_within = -absl::Seconds(1)}});
  }
  TicketSweeper s1(f.pool, absl::Seconds(1)), s2(f.pool, absl::Seconds(1));
  std::atomic<int> changed{0};
  const absl::Time now = absl::Now();
  std::thread t1([&] { changed += s1.RunOnce(now); });
  std::thread t2([&] { changed += s2.RunOnce(now); });
  t1.join();
  t2.join();
  CHECK(changed.load() == kOrders);
  CHECK(pg::Exec(f.pool, kCountType, "TicketExpired").Int(0, 0) == kOrders);
  CHECK(pg::Exec(f.pool, kCountType, "OrderCancelled").Int(0, 0) == kOrders);
}

TEST_CASE("dispatch facts follow the state machine - early ones retry - stale ones are ignored") {
  Fixture f;
  const d::Order placed = testing::SeedOrder(f.pool, "c", {{}, {}});
  {
    pg::Transaction tx(f.pool, "test_confirm");
    auto o = store::LoadOrder(tx, placed.id, true);
    auto out = d::AcceptTicket(*o, 0, {}, absl::Now());
    RecordChanges(tx, *o, out.changes, {d::OrderState::kPlaced, absl::Now()});
    d::Outcome out2 = d::AcceptTicket(*o, 1, {}, absl::Now());
    for (auto& c : out2.changes)
      out.changes.push_back(c);
    RecordChanges(tx, *o, out2.changes, {d::OrderState::kPlaced, absl::Now()});
    tx.Commit();
  }
  REQUIRE(Load(f.pool, placed.id).status == d::OrderState::kConfirmed);

  // A pickup before the assignment was applied arrived early: refused (left pending, so the
  // consumer retries it), nothing changes.
  ev::Envelope early = Envelope("PickupConfirmed");
  early.mutable_pickup_confirmed()->set_order_id(placed.id);
  early.mutable_pickup_confirmed()->set_ticket_id(placed.tickets[0].id);
  early.mutable_pickup_confirmed()->set_paid_to_trader_idr(1000);
  CHECK_THROWS(Apply(f.pool, early));
  CHECK(Load(f.pool, placed.id).status == d::OrderState::kConfirmed);

  ev::Envelope assigned = Envelope("CourierAssigned");
  auto* ca = assigned.mutable_courier_assigned();
  ca->set_order_id(placed.id);
  ca->set_courier_id("courier-1");
  ca->set_courier_name("Budi");
  ca->set_vehicle_plate("N 1234 AB");
  ca->set_eta_seconds(240);
  Apply(f.pool, assigned);
  d::Order o = Load(f.pool, placed.id);
  CHECK(o.status == d::OrderState::kCourierAssigned);
  REQUIRE(o.courier.has_value());
  CHECK(o.courier->plate == "N 1234 AB");
  CHECK(o.courier->eta_seconds == 240);

  for (const auto& t : placed.tickets) {
    ev::Envelope pickup = Envelope("PickupConfirmed");
    auto* p = pickup.mutable_pickup_confirmed();
    p->set_order_id(placed.id);
    p->set_ticket_id(t.id);
    p->set_courier_id("courier-1");
    p->set_paid_to_trader_idr(t.total_idr);
    Apply(f.pool, pickup);
  }
  o = Load(f.pool, placed.id);
  CHECK(o.status == d::OrderState::kPickedUp);
  CHECK(o.ledger.size() == 4);

  ev::Envelope delivered = Envelope("DeliveryConfirmed");
  delivered.mutable_delivery_confirmed()->set_order_id(placed.id);
  delivered.mutable_delivery_confirmed()->set_courier_id("courier-1");
  delivered.mutable_delivery_confirmed()->set_cash_collected_idr(o.totals.total_idr());
  Apply(f.pool, delivered);
  o = Load(f.pool, placed.id);
  CHECK(o.status == d::OrderState::kDelivered);
  CHECK(d::Balanced(o.ledger));
  // The courier's net is the delivery fee SeedOrder set (8,000), not what the order now says.
  const auto balances = d::Balances(o.ledger);
  const auto courier = std::find_if(balances.begin(), balances.end(), [](const d::Balance& b) {
    return b.party == d::Party::kCourier;
  });
  REQUIRE(courier != balances.end());
  CHECK(courier->party_id == "courier-1");
  CHECK(courier->net_idr == 8000);
  const int64_t version = o.version;

  // Stale facts after delivery change nothing.
  ev::Envelope unassigned = Envelope("CourierUnassigned");
  unassigned.mutable_courier_unassigned()->set_order_id(placed.id);
  Apply(f.pool, unassigned);
  ev::Envelope unknown = Envelope("DispatchFailed");
  unknown.mutable_dispatch_failed()->set_order_id("not-a-uuid");
  Apply(f.pool, unknown);
  CHECK(Load(f.pool, placed.id).version == version);
}

TEST_CASE("DispatchFailed cancels NO_COURIER with OrderCancelled for inventory and dispatch") {
  Fixture f;
  const d::Order placed = testing::SeedOrder(f.pool, "c", {{}});
  {
    pg::Transaction tx(f.pool, "test_confirm");
    auto o = store::LoadOrder(tx, placed.id, true);
    const auto out = d::AcceptTicket(*o, 0, {}, absl::Now());
    RecordChanges(tx, *o, out.changes, {d::OrderState::kPlaced, absl::Now()});
    tx.Commit();
  }
  ev::Envelope failed = Envelope("DispatchFailed");
  failed.mutable_dispatch_failed()->set_order_id(placed.id);
  Apply(f.pool, failed);
  const d::Order o = Load(f.pool, placed.id);
  CHECK(o.status == d::OrderState::kCancelled);
  CHECK(o.cancel_reason == d::CancelReason::kNoCourier);
  const auto types = OutboxTypes(f.pool, placed.id);
  CHECK(std::count(types.begin(), types.end(), "OrderConfirmed") == 1);
  CHECK(std::count(types.begin(), types.end(), "OrderCancelled") == 1);
}

TEST_CASE("an expired reservation cancels a PLACED order and is ignored afterwards") {
  Fixture f;
  const d::Order placed = testing::SeedOrder(f.pool, "c", {{}});
  ev::Envelope expired = Envelope("ReservationExpired");
  expired.set_producer("inventory");
  expired.mutable_reservation_expired()->set_order_id(placed.id);
  expired.mutable_reservation_expired()->set_reservation_id(placed.reservation_id);
  Apply(f.pool, expired);
  d::Order o = Load(f.pool, placed.id);
  CHECK(o.status == d::OrderState::kCancelled);
  CHECK(o.cancel_reason == d::CancelReason::kReservationExpired);
  CHECK(o.tickets[0].status == d::TicketState::kCancelled);
  const int64_t version = o.version;
  expired.set_event_id(RandomUuid());
  Apply(f.pool, expired);
  CHECK(Load(f.pool, placed.id).version == version);
}

TEST_CASE("a courier released and another assigned, handled out of order, ends with the new one") {
  Fixture f;
  const d::Order placed = testing::SeedOrder(f.pool, "c", {{}});
  Confirm(f.pool, placed.id);
  // Dispatch recorded: c1 assigned (t1), c1 released (t2), c2 assigned (t3), c2 picked up (t4).
  const absl::Time t1 = absl::Now(), t2 = t1 + absl::Seconds(1), t3 = t2 + absl::Seconds(1);
  ev::Envelope pickup = Envelope("PickupConfirmed");
  SetTime(pickup.mutable_occurred_at(), t3 + absl::Seconds(1));
  pickup.mutable_pickup_confirmed()->set_order_id(placed.id);
  pickup.mutable_pickup_confirmed()->set_ticket_id(placed.tickets[0].id);
  pickup.mutable_pickup_confirmed()->set_courier_id("c2");
  pickup.mutable_pickup_confirmed()->set_paid_to_trader_idr(placed.tickets[0].total_idr);

  Apply(f.pool, Assigned(placed.id, "c1", t1));
  // c2's assignment and pickup arrive before c1's release: early, retried later.
  CHECK_THROWS(Apply(f.pool, Assigned(placed.id, "c2", t3)));
  CHECK_THROWS(Apply(f.pool, pickup));
  d::Order o = Load(f.pool, placed.id);
  REQUIRE(o.courier);
  CHECK(o.courier->id == "c1");
  CHECK(absl::AbsDuration(o.courier->assigned_at - t1) < absl::Microseconds(1));  // dispatch's time

  Apply(f.pool, Unassigned(placed.id, "c1", t2));
  CHECK(Load(f.pool, placed.id).status == d::OrderState::kConfirmed);
  Apply(f.pool, Assigned(placed.id, "c2", t3));  // the retry
  o = Load(f.pool, placed.id);
  CHECK(o.status == d::OrderState::kCourierAssigned);
  REQUIRE(o.courier);
  CHECK(o.courier->id == "c2");
  const int64_t version = o.version;

  // Superseded facts about c1 (a late release, a late assignment) change nothing.
  Apply(f.pool, Unassigned(placed.id, "c1", t2));
  Apply(f.pool, Assigned(placed.id, "c1", t1));
  o = Load(f.pool, placed.id);
  CHECK(o.version == version);
  CHECK(o.courier->id == "c2");

  Apply(f.pool, pickup);  // the retry
  o = Load(f.pool, placed.id);
  CHECK(o.status == d::OrderState::kPickedUp);
  CHECK(o.tickets[0].status == d::TicketState::kPickedUp);
}

TEST_CASE("the expiry of another reservation of the same order id is ignored") {
  Fixture f;
  const d::Order placed = testing::SeedOrder(f.pool, "c", {{}});
  // A hold of an earlier, failed PlaceOrder attempt (its release failed) expires.
  ev::Envelope expired = Envelope("ReservationExpired");
  expired.set_producer("inventory");
  expired.mutable_reservation_expired()->set_order_id(placed.id);
  expired.mutable_reservation_expired()->set_reservation_id(RandomUuid());
  Apply(f.pool, expired);
  const d::Order o = Load(f.pool, placed.id);
  CHECK(o.status == d::OrderState::kPlaced);
  CHECK(o.version == 1);
}

TEST_CASE("housekeeping purges old snapshots, attempt counters and stored responses only") {
  Fixture f;
  const d::Order old_order = testing::SeedOrder(f.pool, "c", {{}});
  {
    pg::Transaction tx(f.pool, "test_attempt");
    store::NextPlaceAttempt(tx, old_order.id);
    tx.Commit();
  }
  {
    pg::Transaction tx(f.pool, "test_responses");
    store::StoreResponse(tx, "c", "CancelOrder", "old", "h", "r");
    tx.Commit();
  }
  constexpr pg::Query kAge{
      "test_age_rows",
      "WITH a AS (UPDATE order_snapshots SET created_at = now() - interval '4 days'), "
      "b AS (UPDATE place_attempts SET updated_at = now() - interval '4 days') "
      "UPDATE idempotency SET created_at = now() - interval '4 days'"};
  pg::Exec(f.pool, kAge);
  // Recent rows stay.
  const d::Order recent = testing::SeedOrder(f.pool, "c", {{}});
  {
    pg::Transaction tx(f.pool, "test_attempt");
    store::NextPlaceAttempt(tx, recent.id);
    tx.Commit();
  }
  {
    pg::Transaction tx(f.pool, "test_responses");
    store::StoreResponse(tx, "c", "CancelOrder", "recent", "h", "r");
    tx.Commit();
  }

  // The service's purge (main.cpp): each table in batches (of one here) past the retention.
  pasar::service::Purger purger({.retention = absl::Hours(72), .batch = 1},
                                {{"order_snapshots",
                                  [&](absl::Duration retention, int limit) {
                                    return store::PurgeSnapshots(f.pool, retention, limit);
                                  }},
                                 {"place_attempts",
                                  [&](absl::Duration retention, int limit) {
                                    return store::PurgeAttempts(f.pool, retention, limit);
                                  }},
                                 {"idempotency", [&](absl::Duration retention, int limit) {
                                    return store::PurgeResponses(f.pool, retention, limit);
                                  }}});
  CHECK(purger.RunOnce() == 3);
  CHECK(purger.RunOnce() == 0);
  constexpr pg::Query kCounts{"test_counts",
                              "SELECT (SELECT count(*) FROM order_snapshots), "
                              "(SELECT count(*) FROM place_attempts), "
                              "(SELECT count(*) FROM idempotency), (SELECT count(*) FROM orders)"};
  const pg::Result counts = pg::Exec(f.pool, kCounts);
  CHECK(counts.Int(0, 0) == 1);
  CHECK(counts.Int(0, 1) == 1);
  CHECK(counts.Int(0, 2) == 1);
  CHECK(counts.Int(0, 3) == 2);  // orders are never purged
  CHECK(store::SnapshotsAfter(f.pool, recent.id, 0, 10).size() == 1);
}

TEST_CASE("a stacked trip: the later order's stops before follow its mates, in any event order") {
  Fixture f;
  const d::Order first = testing::SeedOrder(f.pool, "cust-first", {{.lines = {{2, 3000, false}}}});
  const d::Order second =
      testing::SeedOrder(f.pool, "cust-second", {{.lines = {{3, 3000, false}}}});
  Confirm(f.pool, first.id);
  Confirm(f.pool, second.id);
  const absl::Time t0 = absl::Now();
  auto in_trip = [](ev::Envelope e, int position) {
    e.mutable_courier_assigned()->set_bundle_id("trip-1");
    e.mutable_courier_assigned()->set_bundle_position(position);
    return e;
  };
  // The last version's snapshot (what WatchOrder streams) agrees with the order's view.
  auto latest_snapshot = [&](const std::string& id) {
    const std::vector<store::Snapshot> snaps = store::SnapshotsAfter(f.pool, id, 0, 100);
    REQUIRE_FALSE(snaps.empty());
    pasar::order::v1::Order view;
    REQUIRE(view.ParseFromString(snaps.back().bytes));
    CHECK(view.version() == Load(f.pool, id).version);
    return view;
  };

  // The second drop-off's assignment arrives first: nothing known before it yet.
  Apply(f.pool, in_trip(Assigned(second.id, "courier-1", t0), 1));
  d::Order o = Load(f.pool, second.id);
  REQUIRE(o.courier);
  CHECK(o.courier->bundle_id == "trip-1");
  CHECK(o.courier->bundle_position == 1);
  CHECK(d::StopsBefore(o) == 0);
  const int64_t alone_version = o.version;

  // The first's arrives: the second gets a new version showing one stop before it.
  Apply(f.pool, in_trip(Assigned(first.id, "courier-1", t0), 0));
  o = Load(f.pool, second.id);
  CHECK(d::StopsBefore(o) == 1);
  CHECK(o.version == alone_version + 1);
  CHECK(o.status == d::OrderState::kCourierAssigned);
  CHECK(latest_snapshot(second.id).stops_before() == 1);
  CHECK(d::StopsBefore(Load(f.pool, first.id)) == 0);

  // The first leaves the trip (unassigned): none before the second any more; its own record of
  // the trip is cleared with the courier.
  Apply(f.pool, Unassigned(first.id, "courier-1", t0 + absl::Seconds(1)));
  CHECK_FALSE(Load(f.pool, first.id).courier);
  o = Load(f.pool, second.id);
  CHECK(d::StopsBefore(o) == 0);
  CHECK(o.version == alone_version + 2);
  CHECK(latest_snapshot(second.id).stops_before() == 0);

  // A repeated assignment of the second (stale against its own) changes nothing.
  const int64_t v = Load(f.pool, second.id).version;
  Apply(f.pool, in_trip(Assigned(second.id, "courier-1", t0), 1));
  CHECK(Load(f.pool, second.id).version == v);
}
