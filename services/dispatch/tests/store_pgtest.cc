// The use cases and the store against a real PostgreSQL: batched fixes (newest wins,
// seq-ordered reads), matchers and sweepers run by several instances at once (each offer made
// and each deadline applied exactly once), the fresh dispatch window of a job whose courier is
// released, concurrent pickups of one job, the matcher fence, the purges of idempotency keys and
// packed tickets.
#include <catch2/catch.hpp>

#include <atomic>
#include <thread>
#include <tuple>

#include "app/courier_cases.h"
#include "app/matcher_cases.h"
#include "app/operator_cases.h"
#include "app/order_event_cases.h"
#include "app/sweeper_cases.h"
#include "google/protobuf/util/time_util.h"
#include "pasar/events/events.h"
#include "pasar/pg/migrate.h"
#include "pasar/testkit/testkit.h"
#include "store/idempotency.h"
#include "store/jobs.h"
#include "store/locations.h"
#include "store/matching.h"

namespace pasar::dispatch {
std::vector<pg::Migration> Migrations();
}

namespace pasar::dispatch {
namespace {

namespace v1 = ::pasar::dispatch::v1;

constexpr pg::Query kCountOutbox{"t_count_outbox", "SELECT count(*) FROM outbox WHERE type = $1"};
constexpr pg::Query kCourierRow{"t_courier_row",
                                "SELECT state, consecutive_timeouts FROM couriers WHERE id = $1"};
constexpr pg::Query kJobStatusOf{"t_job_status", "SELECT status FROM jobs WHERE id = $1"};
// Status and milliseconds left until the dispatch deadline (negative once past).
constexpr pg::Query kJobWindow{
    "t_job_window",
    "SELECT status, (extract(epoch from dispatch_deadline - now()) * 1000)::bigint "
    "FROM jobs WHERE id = $1"};
constexpr pg::Query kDeadlinePassed{
    "t_deadline_passed",
    "UPDATE jobs SET dispatch_deadline = now() - interval '1 second' WHERE id = $1"};
constexpr pg::Query kPendingOfferOf{
    "t_pending_offer_of",
    "SELECT id::text FROM offers WHERE courier_id = $1 AND status = 'PENDING'"};

struct Db {
  testkit::TempDatabase db;
  pg::Pool pool{pg::PoolConfig{.conninfo = db.conninfo(), .search_path = "dispatch", .size = 8}};
  Db() {
    pg::Migrate(pool, "dispatch", "events", events::Migrations());
    pg::Migrate(pool, "dispatch", "dispatch", Migrations());
  }
};

// The use cases over one pool, as the service wires them.
struct Dispatch {
  explicit Dispatch(pg::Pool& pool, app::Timers timers = {})
      : couriers(pool, timers), operators(pool), matcher(pool, timers), sweeper(pool, timers) {}
  app::CourierCases couriers;
  app::OperatorCases operators;
  app::OrderEventCases order_events;
  app::MatcherCases matcher;
  app::SweeperCases sweeper;
};

std::string OnShiftCourier(Dispatch& dsp, const std::string& subject) {
  v1::CreateCourierRequest create;
  create.set_subject(subject);
  create.set_name("Budi");
  create.set_vehicle_plate("N 1 A");
  create.set_home_market_id("m-1");
  v1::CreateCourierResponse created;
  REQUIRE(
      dsp.operators.CreateCourier({"op", "CreateCourier", "r-" + subject, "x"}, create, &created)
          .ok());
  v1::StartShiftRequest shift;
  shift.set_cash_on_hand_idr(100'000);
  v1::StartShiftResponse started;
  REQUIRE(
      dsp.couriers.StartShift({subject, "StartShift", "s-" + subject, "y"}, shift, &started).ok());
  REQUIRE(started.courier().state() == v1::COURIER_STATE_IDLE);
  return created.courier().id();
}

TEST_CASE("fixes: one batch upsert, newest wins, read back in seq order", "[pg]") {
  Db d;
  Dispatch dsp(d.pool);
  const std::string a = OnShiftCourier(dsp, "a");
  const std::string b = OnShiftCourier(dsp, "b");
  store::FlushFixes(
      d.pool, {{a, Fix{{-8.1, 113.2}, 2000}},
               {b, Fix{{-8.2, 113.3}, 2000}},
               {"00000000-0000-4000-8000-000000000000", Fix{{1, 1}, 1}}});  // unknown: skipped
  std::vector<std::pair<std::string, Fix>> seen;
  const auto collect = [&](const std::string& id, const Fix& f) { seen.emplace_back(id, f); };
  const int64_t seq = store::ReadFixesSince(d.pool, 0, collect);
  REQUIRE(seen.size() == 2);
  store::FlushFixes(d.pool, {{a, Fix{{-9, 114}, 1000}}});  // older than the stored one: ignored
  seen.clear();
  REQUIRE(store::ReadFixesSince(d.pool, seq, collect) == seq);
  REQUIRE(seen.empty());
  store::FlushFixes(d.pool, {{a, Fix{{-8.11, 113.21}, 3000}}});
  REQUIRE(store::ReadFixesSince(d.pool, seq, collect) > seq);
  REQUIRE(seen.size() == 1);
  REQUIRE(seen[0].first == a);
  REQUIRE(seen[0].second.recorded_at_ms == 3000);
}

events::v1::Envelope Confirmed(const std::string& order_id) {
  events::v1::Envelope env;
  auto* oc = env.mutable_order_confirmed();
  oc->set_order_id(order_id);
  oc->set_market_id("m-1");
  oc->mutable_pickup()->set_lat(-8.1);
  oc->mutable_pickup()->set_lng(113.2);
  oc->mutable_drop_off()->set_lat(-8.11);
  oc->mutable_drop_off()->set_lng(113.21);
  oc->set_delivery_pin("1234");
  oc->set_goods_total_idr(50'000);
  oc->set_cash_to_collect_idr(62'000);
  auto* t = oc->add_tickets();
  t->set_ticket_id("t-" + order_id);
  t->set_stall_id("s-1");
  t->set_total_idr(50'000);
  t->set_pickup_code("1111");
  return env;
}

TEST_CASE("concurrent matchers never offer one courier or one job twice", "[pg]") {
  Db d;
  Dispatch dsp(d.pool);
  constexpr int kN = 6;
  std::vector<std::string> couriers;
  {
    pg::Transaction tx(d.pool, "confirm");
    for (int i = 0; i < kN; ++i)
      dsp.order_events.ApplyOrderConfirmed(tx, Confirmed("order-" + std::to_string(i)));
    tx.Commit();
  }
  for (int i = 0; i < kN; ++i)
    couriers.push_back(OnShiftCourier(dsp, "c" + std::to_string(i)));

  // Every thread proposes courier 0 for a different job at the same moment.
  const store::MatcherFence fence = dsp.matcher.ClaimMatcherFence("m-1", "instance-1");
  std::atomic<int> made{0};
  std::vector<std::thread> threads;
  for (int i = 0; i < kN; ++i) {
    threads.emplace_back([&, i] {
      const Proposal p{"order-" + std::to_string(i), couriers[0], 500, 94, 94};
      made += dsp.matcher.MakeOffer(fence, p) ? 1 : 0;
    });
  }
  for (auto& t : threads)
    t.join();
  REQUIRE(made.load() == 1);
  REQUIRE(pg::Exec(d.pool, kCourierRow, couriers[0]).Str(0, 0) == "OFFERED");

  // Every instance proposes a different courier for one still pending job.
  std::string pending;
  for (int i = 0; i < kN && pending.empty(); ++i) {
    const std::string id = "order-" + std::to_string(i);
    if (pg::Exec(d.pool, kJobStatusOf, id).Str(0, 0) == "PENDING") pending = id;
  }
  REQUIRE_FALSE(pending.empty());
  made = 0;
  threads.clear();
  for (int i = 1; i < kN; ++i) {
    threads.emplace_back([&, i] {
      made += dsp.matcher.MakeOffer(fence, Proposal{pending, couriers[i], 500, 94, 94}) ? 1 : 0;
    });
  }
  for (auto& t : threads)
    t.join();
  REQUIRE(made.load() == 1);
  REQUIRE(pg::Exec(d.pool, kJobStatusOf, pending).Str(0, 0) == "OFFERED");
  REQUIRE(pg::Exec(d.pool, kCountOutbox, "OfferMade").Int(0, 0) == 2);
}

TEST_CASE("concurrent sweepers expire an offer exactly once", "[pg]") {
  Db d;
  app::Timers timers;
  timers.offer_ttl = absl::ZeroDuration();  // due at once
  Dispatch dsp(d.pool, timers);
  const std::string courier = OnShiftCourier(dsp, "c");
  {
    pg::Transaction tx(d.pool, "confirm");
    const events::v1::Envelope env = Confirmed("order-1");
    dsp.order_events.ApplyOrderConfirmed(tx, env);
    dsp.order_events.ApplyOrderConfirmed(tx, env);  // a duplicate delivery changes nothing
    tx.Commit();
  }
  REQUIRE(dsp.matcher.MarketsWithPendingJobs() == std::vector<std::string>{"m-1"});
  const store::MatcherFence fence = dsp.matcher.ClaimMatcherFence("m-1", "instance-1");
  REQUIRE(dsp.matcher.MakeOffer(fence, Proposal{"order-1", courier, 500, 94, 94}));
  REQUIRE_FALSE(dsp.matcher.MakeOffer(fence, Proposal{"order-1", courier, 500, 94, 94}));

  std::atomic<int> expired{0};
  std::vector<std::thread> sweepers;
  for (int i = 0; i < 4; ++i) {
    sweepers.emplace_back([&] { expired += dsp.sweeper.ExpireOffers(100); });
  }
  for (auto& t : sweepers)
    t.join();
  REQUIRE(expired.load() == 1);
  const pg::Result row = pg::Exec(d.pool, kCourierRow, courier);
  REQUIRE(row.Str(0, 0) == "IDLE");
  REQUIRE(row.Int(0, 1) == 1);
  REQUIRE(pg::Exec(d.pool, kJobStatusOf, "order-1").Str(0, 0) == "PENDING");
  REQUIRE(pg::Exec(d.pool, kCountOutbox, "OfferResolved").Int(0, 0) == 1);
  // The courier who let it expire is never offered that job again.
  const auto jobs = dsp.matcher.PendingJobs("m-1", 10);
  REQUIRE(jobs.size() == 1);
  REQUIRE(jobs[0].job.excluded.contains(courier));
  REQUIRE_FALSE(dsp.matcher.MakeOffer(fence, Proposal{"order-1", courier, 500, 94, 94}));
}

TEST_CASE("a courier released after the dispatch deadline leaves the job a fresh window", "[pg]") {
  using google::protobuf::util::TimeUtil;
  Db d;
  Dispatch dsp(d.pool);
  const std::string silent = OnShiftCourier(dsp, "silent");
  const std::string backup = OnShiftCourier(dsp, "backup");
  events::v1::Envelope env = Confirmed("order-1");
  env.mutable_order_confirmed()->set_dispatch_timeout_seconds(600);
  *env.mutable_order_confirmed()->mutable_dispatch_deadline() =
      TimeUtil::GetCurrentTime() + TimeUtil::SecondsToDuration(600);
  {
    pg::Transaction tx(d.pool, "confirm");
    dsp.order_events.ApplyOrderConfirmed(tx, env);
    tx.Commit();
  }
  const store::MatcherFence fence = dsp.matcher.ClaimMatcherFence("m-1", "instance-1");
  REQUIRE(dsp.matcher.MakeOffer(fence, Proposal{"order-1", silent, 500, 94, 94}));
  const std::string offer_id = pg::Exec(d.pool, kPendingOfferOf, silent).Str(0, 0);
  v1::AcceptOfferResponse accepted;
  REQUIRE(
      dsp.couriers.AcceptOffer({"silent", "AcceptOffer", "a-1", "z"}, offer_id, &accepted).ok());

  // The deadline passes while the courier holds the job (moved back rather than waited for):
  // nothing fails an assigned job.
  pg::Exec(d.pool, kDeadlinePassed, "order-1");
  REQUIRE(pg::Exec(d.pool, kJobWindow, "order-1").Int(0, 1) < 0);
  REQUIRE(dsp.sweeper.FailOverdueJobs(100) == 0);

  // The courier (who never sent a fix) is released: the job is matched again in a new window.
  REQUIRE(dsp.sweeper.ReleaseSilentCouriers(absl::ZeroDuration(), 100) == 1);
  const pg::Result job = pg::Exec(d.pool, kJobWindow, "order-1");
  REQUIRE(job.Str(0, 0) == "PENDING");
  REQUIRE(job.Int(0, 1) > 590'000);
  REQUIRE(dsp.sweeper.FailOverdueJobs(100) == 0);
  const auto pending = dsp.matcher.PendingJobs("m-1", 10);
  REQUIRE(pending.size() == 1);
  REQUIRE(pending[0].job.excluded.contains(silent));
  REQUIRE_FALSE(dsp.matcher.MakeOffer(fence, Proposal{"order-1", silent, 500, 94, 94}));
  REQUIRE(dsp.matcher.MakeOffer(fence, Proposal{"order-1", backup, 500, 94, 94}));
  REQUIRE(pg::Exec(d.pool, kJobStatusOf, "order-1").Str(0, 0) == "OFFERED");
  REQUIRE(pg::Exec(d.pool, kCountOutbox, "CourierUnassigned").Int(0, 0) == 1);
  REQUIRE(pg::Exec(d.pool, kCountOutbox, "DispatchFailed").Int(0, 0) == 0);
}

TEST_CASE("two tickets picked up at once: the last pickup, whichever it is, starts delivery",
          "[pg]") {
  Db d;
  Dispatch dsp(d.pool);
  const std::string courier = OnShiftCourier(dsp, "c");  // 100,000 on hand
  const store::MatcherFence fence = dsp.matcher.ClaimMatcherFence("m-1", "instance-1");
  for (int round = 0; round < 4; ++round) {
    const std::string order = "order-" + std::to_string(round);
    events::v1::Envelope env = Confirmed(order);
    auto* oc = env.mutable_order_confirmed();
    oc->mutable_tickets(0)->set_total_idr(20'000);
    auto* second = oc->add_tickets();
    second->set_ticket_id("u-" + order);
    second->set_stall_id("s-2");
    second->set_total_idr(30'000);
    second->set_pickup_code("2222");
    {
      pg::Transaction tx(d.pool, "confirm");
      dsp.order_events.ApplyOrderConfirmed(tx, env);
      tx.Commit();
    }
    REQUIRE(dsp.matcher.MakeOffer(fence, Proposal{order, courier, 500, 94, 94}));
    const std::string offer_id = pg::Exec(d.pool, kPendingOfferOf, courier).Str(0, 0);
    v1::AcceptOfferResponse accepted;
    REQUIRE(dsp.couriers.AcceptOffer({"c", "AcceptOffer", "a-" + order, "z"}, offer_id, &accepted)
                .ok());

    // Both pickups wait for the job's lock; the one that takes it second must see the first.
    std::atomic<int> ok{0};
    std::vector<std::thread> pickups;
    for (const auto& [ticket, code, paid] :
         {std::tuple{"t-" + order, "1111", 20'000}, std::tuple{"u-" + order, "2222", 30'000}}) {
      pickups.emplace_back([&, ticket, code, paid] {
        v1::ConfirmPickupRequest req;
        req.set_job_id(order);
        req.set_ticket_id(ticket);
        req.set_pickup_code(code);
        req.set_paid_to_trader_idr(paid);
        v1::ConfirmPickupResponse resp;
        ok += dsp.couriers.ConfirmPickup({"c", "ConfirmPickup", "p-" + ticket, ticket}, req, &resp)
                  .ok();
      });
    }
    for (auto& t : pickups)
      t.join();
    REQUIRE(ok.load() == 2);
    REQUIRE(pg::Exec(d.pool, kJobStatusOf, order).Str(0, 0) == "DELIVERING");
    const pg::Result row = pg::Exec(d.pool, kCourierRow, courier);
    REQUIRE(row.Str(0, 0) == "DELIVERING");

    v1::ConfirmDeliveryRequest delivery;
    delivery.set_job_id(order);
    delivery.set_delivery_pin("1234");
    delivery.set_cash_collected_idr(62'000);
    v1::ConfirmDeliveryResponse delivered;
    REQUIRE(dsp.couriers
                .ConfirmDelivery({"c", "ConfirmDelivery", "d-" + order, "w"}, delivery, &delivered)
                .ok());
    // Paid 50,000 to the traders, collected 62,000 from the customer.
    CHECK(delivered.courier().cash_on_hand_idr() == 100'000 + (round + 1) * 12'000);
    CHECK(delivered.courier().state() == v1::COURIER_STATE_IDLE);
  }
  CHECK(pg::Exec(d.pool, kCountOutbox, "PickupConfirmed").Int(0, 0) == 8);
  CHECK(pg::Exec(d.pool, kCountOutbox, "DeliveryConfirmed").Int(0, 0) == 4);
}

TEST_CASE("a matcher whose market was claimed by another instance makes no offer", "[pg]") {
  Db d;
  Dispatch dsp(d.pool);
  const std::string courier = OnShiftCourier(dsp, "c");
  {
    pg::Transaction tx(d.pool, "confirm");
    dsp.order_events.ApplyOrderConfirmed(tx, Confirmed("order-1"));
    dsp.order_events.ApplyOrderConfirmed(tx, Confirmed("order-2"));
    tx.Commit();
  }
  // Instance A took the market's lease; it is paused past its TTL and B takes the market.
  const store::MatcherFence a = dsp.matcher.ClaimMatcherFence("m-1", "instance-a");
  const store::MatcherFence b = dsp.matcher.ClaimMatcherFence("m-1", "instance-b");
  REQUIRE(b.token == a.token + 1);
  // A resumes and acts on the lease it lost: refused, and told why.
  bool fenced = false;
  REQUIRE_FALSE(dsp.matcher.MakeOffer(a, Proposal{"order-1", courier, 500, 94, 94}, &fenced));
  CHECK(fenced);
  CHECK(pg::Exec(d.pool, kJobStatusOf, "order-1").Str(0, 0) == "PENDING");
  CHECK(pg::Exec(d.pool, kCourierRow, courier).Str(0, 0) == "IDLE");
  CHECK(pg::Exec(d.pool, kCountOutbox, "OfferMade").Int(0, 0) == 0);
  // The current holder offers; a refusal for another reason is not a fence.
  REQUIRE(dsp.matcher.MakeOffer(b, Proposal{"order-1", courier, 500, 94, 94}, &fenced));
  CHECK_FALSE(fenced);
  REQUIRE_FALSE(dsp.matcher.MakeOffer(b, Proposal{"order-2", courier, 500, 94, 94}, &fenced));
  CHECK_FALSE(fenced);
  // Another market's fence is its own.
  const store::MatcherFence other = dsp.matcher.ClaimMatcherFence("m-2", "instance-a");
  CHECK(other.token == 1);
}

TEST_CASE("idempotency keys older than the retention are purged, newer ones kept", "[pg]") {
  Db d;
  for (const std::string id : {"old-1", "old-2", "old-3", "new-1"}) {
    pg::Transaction tx(d.pool, "t_claim");
    std::string response;
    REQUIRE(store::ClaimKey(tx, {"courier-1", "AcceptOffer", id, "fp"}, &response) ==
            store::KeyClaim::kNew);
    store::SaveKeyResponse(tx, {"courier-1", "AcceptOffer", id, "fp"}, "resp");
    tx.Commit();
  }
  constexpr pg::Query kAge{"t_age_keys",
                           "UPDATE idempotency_keys SET created_at = now() - interval '73 hours' "
                           "WHERE request_id LIKE 'old-%'"};
  constexpr pg::Query kKeys{"t_keys", "SELECT request_id FROM idempotency_keys"};
  pg::Exec(d.pool, kAge);
  CHECK(store::PurgeKeys(d.pool, absl::Hours(72), 2) == 2);  // bounded batch
  CHECK(store::PurgeKeys(d.pool, absl::Hours(72), 2) == 1);
  CHECK(store::PurgeKeys(d.pool, absl::Hours(72), 2) == 0);
  const pg::Result kept = pg::Exec(d.pool, kKeys);
  REQUIRE(kept.size() == 1);
  CHECK(kept.Text(0, 0) == "new-1");
}

TEST_CASE("packed tickets older than the retention are purged in bounded batches, newer kept",
          "[pg]") {
  Db d;
  {
    pg::Transaction tx(d.pool, "t_packed");
    for (const std::string id : {"old-1", "old-2", "old-3", "new-1"}) {
      store::RememberPackedTicket(tx, id);
    }
    store::RememberPackedTicket(tx, "new-1");  // a TicketReady delivered twice: one row
    tx.Commit();
  }
  constexpr pg::Query kAge{"t_age_packed",
                           "UPDATE packed_tickets SET packed_at = now() - interval '73 hours' "
                           "WHERE ticket_id LIKE 'old-%'"};
  constexpr pg::Query kPacked{"t_packed_rows", "SELECT ticket_id FROM packed_tickets"};
  pg::Exec(d.pool, kAge);
  CHECK(store::PurgePackedTickets(d.pool, absl::Hours(72), 2) == 2);  // bounded batch
  CHECK(store::PurgePackedTickets(d.pool, absl::Hours(72), 2) == 1);
  CHECK(store::PurgePackedTickets(d.pool, absl::Hours(72), 2) == 0);
  const pg::Result kept = pg::Exec(d.pool, kPacked);
  REQUIRE(kept.size() == 1);
  CHECK(kept.Text(0, 0) == "new-1");
}

}  // namespace
}  // namespace pasar::dispatch
