// The inventory store against a real PostgreSQL (a fresh database per test): reservations all
// or nothing, settlement, idempotency, concurrent buyers, concurrent sweepers, the catalogue
// search and the ledger invariant.
#include <catch2/catch.hpp>

#include <algorithm>
#include <atomic>
#include <thread>

#include "app/catalog.h"
#include "app/page_cache.h"
#include "consumers/order_events.h"
#include "domain/validation.h"
#include "metrics.h"
#include "pasar/events/events.h"
#include "pasar/events/v1/events.pb.h"
#include "pasar/pg/migrate.h"
#include "pasar/request/status.h"
#include "pasar/testkit/testkit.h"
#include "store/store.h"
#include "workers/reservation_sweeper.h"

namespace pasar::inventory {
std::vector<pg::Migration> Migrations();
}

using namespace pasar;
using namespace pasar::inventory;

namespace {

// Test-only SQL (the service's own SQL lives in store/).
constexpr pg::Query kCountLedger{
    "test_count_ledger",
    "SELECT count(*) FROM stock_ledger WHERE reservation_id = $1::uuid AND reason = $2"};
constexpr pg::Query kCountOutbox{"test_count_outbox",
                                 "SELECT count(*) FROM outbox WHERE type = $1"};
constexpr pg::Query kCorrupt{"test_corrupt", "UPDATE products SET stock = stock + 1 WHERE id = $1"};
constexpr pg::Query kCountReservations{"test_count_reservations",
                                       "SELECT count(*) FROM reservations"};
constexpr pg::Query kOutboxOf{"test_outbox_of",
                              "SELECT payload FROM outbox WHERE aggregate_id = $1 ORDER BY id"};

class Fixture {
 public:
  Fixture() : pool_({.conninfo = db_.conninfo(), .search_path = "inventory", .size = 20}) {
    pg::Migrate(pool_, "inventory", "events", events::Migrations());
    pg::Migrate(pool_, "inventory", "inventory", Migrations());
  }

  // Runs f in a transaction and commits when it returns a value or an OK status.
  template <class F>
  auto Tx(std::string_view name, F&& f) {
    pg::Transaction tx(pool_, name);
    auto result = f(tx);
    if constexpr (requires { result.ok(); }) {
      if (result.ok()) tx.Commit();
    } else {
      tx.Commit();
    }
    return result;
  }

  Store& store() { return store_; }
  pg::Pool& pool() { return pool_; }

  // A market open all week (every minute of every day) unless `hours` says otherwise.
  pb::Market Market(bool open_all_week = true) {
    pb::Market m;
    m.set_name("Pasar Baru Lumajang");
    m.mutable_location()->set_lat(-8.1335);
    m.mutable_location()->set_lng(113.2248);
    m.set_time_zone("Asia/Jakarta");
    if (open_all_week) {
      for (int d = 1; d <= 7; ++d) {
        pb::OpeningInterval* iv = m.mutable_opening_hours()->add_intervals();
        iv->set_weekday(static_cast<pb::Weekday>(d));
        iv->set_open_minute(0);
        iv->set_close_minute(1440);
      }
    }
    m.mutable_fee_scheme()->set_kind(pb::FEE_KIND_FLAT);
    m.mutable_fee_scheme()->set_flat_fee_idr(8000);
    m.mutable_fee_scheme()->set_road_factor_permille(1300);
    m.set_max_delivery_distance_meters(10000);
    m.set_weighed_tolerance_percent(10);
    m.set_trader_response_timeout_seconds(300);
    m.set_dispatch_timeout_seconds(900);
    return Tx("market", [&](pg::Transaction& tx) { return store_.InsertMarket(tx, m); });
  }

  pb::Stall Stall(const std::string& market_id, bool open = true,
                  std::string name = "Sayur Bu Sri") {
    pb::Stall s;
    s.set_market_id(market_id);
    s.set_trader_subject("trader-1");
    s.set_name(std::move(name));
    s.set_category(pb::CATEGORY_SAYUR);
    s.set_open(open);
    s.set_preparation_minutes(10);
    return Tx("stall", [&](pg::Transaction& tx) { return store_.InsertStall(tx, s); });
  }

  pb::Product Product(const pb::Stall& stall, const std::string& name, int64_t stock,
                      int64_t price = 5000, pb::Category category = pb::CATEGORY_SAYUR) {
    pb::Product p;
    p.set_stall_id(stall.id());
    p.set_market_id(stall.market_id());
    p.set_name(name);
    p.set_category(category);
    p.set_unit("kg");
    p.set_price_idr(price);
    p.set_weighed(true);
    p.set_stock(stock);
    return Tx("product",
              [&](pg::Transaction& tx) { return store_.InsertProduct(tx, p, "trader-1"); });
  }

  absl::StatusOr<pb::Reservation> Reserve(const std::string& market_id,
                                          std::vector<RequestedLine> lines,
                                          absl::Duration ttl = absl::Minutes(15)) {
    ReserveInput in{.market_id = market_id,
                    .order_id = "order-1",
                    .lines = std::move(lines),
                    .ttl = ttl,
                    .actor = "order"};
    return Tx("reserve", [&](pg::Transaction& tx) { return store_.Reserve(tx, in, absl::Now()); });
  }

  absl::StatusOr<pb::Reservation> Commit(const std::string& id, std::vector<FinalQuantity> f) {
    return Tx("commit", [&](pg::Transaction& tx) {
      return store_.Commit(tx, id, f, "lines", "final_quantity", "order");
    });
  }

  absl::StatusOr<pb::Reservation> Release(const std::string& id) {
    return Tx("release",
              [&](pg::Transaction& tx) { return store_.Release(tx, id, "test", "order"); });
  }

  int64_t Count(const pg::Query& q, const std::string& a, const std::string& b) {
    return pg::Exec(pool_, q, a, b).Int(0, 0);
  }

 private:
  testkit::TempDatabase db_;
  pg::Pool pool_;
  Store store_{pool_};
};

std::string Reason(const absl::Status& s) {
  return pasar::request::RefusalReason(s).value_or("");
}

}  // namespace

TEST_CASE("ReserveStock holds every line or nothing and refuses with a reason", "[store]") {
  Fixture f;
  const pb::Market market = f.Market();
  const pb::Stall stall = f.Stall(market.id());
  const pb::Stall other_stall = f.Stall(market.id(), true, "Bumbu Pak Budi");
  const pb::Product cabai = f.Product(stall, "Cabai rawit merah", 10, 60000);
  const pb::Product bawang = f.Product(other_stall, "Bawang merah", 3, 40000);

  SECTION("a reservation across two stalls returns the price snapshot of each line") {
    auto v = f.Reserve(market.id(), {{cabai.id(), 4}, {bawang.id(), 3}});
    REQUIRE(v.ok());
    CHECK(v->state() == pb::RESERVATION_STATE_HELD);
    REQUIRE(v->lines_size() == 2);
    CHECK(v->lines(0).price_idr() == 60000);
    CHECK(v->lines(0).stall_id() == stall.id());
    CHECK(v->lines(0).name() == "Cabai rawit merah");
    CHECK(v->lines(0).unit() == "kg");
    CHECK(v->lines(0).weighed());
    CHECK(v->lines(1).stall_name() == "Bumbu Pak Budi");
    CHECK(f.store().GetProduct(cabai.id())->stock() == 6);
    CHECK(f.store().GetProduct(cabai.id())->reserved() == 4);
    CHECK(f.store().GetProduct(bawang.id())->stock() == 0);
    CHECK_FALSE(f.store().GetProduct(bawang.id())->available());
  }
  SECTION("one short line refuses the whole reservation, naming the short lines") {
    auto v = f.Reserve(market.id(), {{cabai.id(), 4}, {bawang.id(), 5}});
    REQUIRE_FALSE(v.ok());
    CHECK(v.status().code() == absl::StatusCode::kFailedPrecondition);
    CHECK(Reason(v.status()) == "INSUFFICIENT_STOCK");
    CHECK(std::string(v.status().message()) == bawang.id() + " (requested 5, available 3)");
    CHECK(f.store().GetProduct(cabai.id())->stock() == 10);  // nothing held
    CHECK(pg::Exec(f.pool(), kCountReservations).Int(0, 0) == 0);

    prometheus::Registry registry;  // how ReserveStock counts the outcome
    InventoryMetrics metrics(registry);
    metrics.CountReservation(v.status());
    metrics.CountReservation(f.Reserve(market.id(), {{cabai.id(), 1}}).status());
    CHECK(metrics.Reservations("insufficient_stock") == 1);
    CHECK(metrics.Reservations("held") == 1);
    CHECK(metrics.Reservations("market_closed") == 0);
  }
  SECTION("a closed stall, an inactive product, another market, a closed market") {
    const pb::Stall closed = f.Stall(market.id(), false, "Tutup");
    const pb::Product p = f.Product(closed, "Tomat", 5);
    CHECK(Reason(f.Reserve(market.id(), {{p.id(), 1}}).status()) == "STALL_CLOSED");

    pb::Product inactive = cabai;
    inactive.set_active(false);
    f.Tx("deactivate", [&](pg::Transaction& tx) { return f.store().SaveProduct(tx, inactive); });
    CHECK(Reason(f.Reserve(market.id(), {{cabai.id(), 1}}).status()) == "PRODUCT_UNAVAILABLE");
    CHECK(Reason(f.Reserve(market.id(), {{"00000000-0000-4000-8000-000000000000", 1}}).status()) ==
          "PRODUCT_UNAVAILABLE");

    const pb::Market elsewhere = f.Market();
    CHECK(Reason(f.Reserve(elsewhere.id(), {{bawang.id(), 1}}).status()) == "MIXED_MARKETS");

    const pb::Market never_open = f.Market(false);
    const pb::Product q = f.Product(f.Stall(never_open.id()), "Kangkung", 5);
    CHECK(Reason(f.Reserve(never_open.id(), {{q.id(), 1}}).status()) == "MARKET_CLOSED");
    CHECK(f.Reserve("00000000-0000-4000-8000-000000000000", {{q.id(), 1}}).status().code() ==
          absl::StatusCode::kNotFound);
  }
  CHECK(f.store().LedgerImbalances().empty());
}

TEST_CASE("commit sells final quantities and returns the rest while release returns all",
          "[store]") {
  Fixture f;
  const pb::Market market = f.Market();
  const pb::Stall stall = f.Stall(market.id());
  const pb::Product cabai = f.Product(stall, "Cabai rawit", 10);
  const pb::Product bawang = f.Product(stall, "Bawang merah", 10);

  auto v = f.Reserve(market.id(), {{cabai.id(), 4}, {bawang.id(), 2}});
  REQUIRE(v.ok());
  const std::string id = v->reservation_id();

  SECTION("commit") {
    CHECK(f.Commit(id, {{cabai.id(), 5}}).status().code() == absl::StatusCode::kInvalidArgument);
    auto c = f.Commit(id, {{cabai.id(), 3}});  // bawang not named: 0
    REQUIRE(c.ok());
    CHECK(c->state() == pb::RESERVATION_STATE_COMMITTED);
    CHECK(c->lines(0).committed_quantity() == 3);
    CHECK(c->lines(1).committed_quantity() == 0);
    CHECK(f.store().GetProduct(cabai.id())->stock() == 7);
    CHECK(f.store().GetProduct(cabai.id())->reserved() == 0);
    CHECK(f.store().GetProduct(bawang.id())->stock() == 10);
    // The same commit again is answered without change; another one is refused.
    CHECK(f.Commit(id, {{cabai.id(), 3}}).ok());
    CHECK(Reason(f.Commit(id, {{cabai.id(), 2}}).status()) == "INVALID_TRANSITION");
    CHECK(Reason(f.Release(id).status()) == "INVALID_TRANSITION");
    CHECK(f.Count(kCountLedger, id, "commit") == 2);
    CHECK(pg::Exec(f.pool(), kCountOutbox, std::string("ReservationCommitted")).Int(0, 0) == 1);
  }
  SECTION("release") {
    REQUIRE(f.Release(id).ok());
    CHECK(f.store().GetProduct(cabai.id())->stock() == 10);
    auto again = f.Release(id);
    REQUIRE(again.ok());
    CHECK(again->state() == pb::RESERVATION_STATE_RELEASED);
    CHECK(Reason(f.Commit(id, {}).status()) == "INVALID_TRANSITION");
    CHECK(f.Count(kCountLedger, id, "release") == 2);  // one per line, once
    CHECK(pg::Exec(f.pool(), kCountOutbox, std::string("ReservationReleased")).Int(0, 0) == 1);
  }
  CHECK(f.store().LedgerImbalances().empty());
}

TEST_CASE("RunIdempotent runs the work once and refuses a reused key", "[store]") {
  Fixture f;
  int runs = 0;
  auto work = [&](pg::Transaction&) -> absl::StatusOr<std::string> {
    ++runs;
    return std::string("response-") + std::to_string(runs);
  };
  auto first = f.store().RunIdempotent("trader-1", "SetStock", "r-1", "request-a", work);
  auto second = f.store().RunIdempotent("trader-1", "SetStock", "r-1", "request-a", work);
  REQUIRE(first.ok());
  REQUIRE(second.ok());
  CHECK(*first == "response-1");
  CHECK(*second == "response-1");
  CHECK(runs == 1);
  auto reused = f.store().RunIdempotent("trader-1", "SetStock", "r-1", "request-b", work);
  CHECK(Reason(reused.status()) == "IDEMPOTENCY_KEY_REUSED");
  // Another principal or rpc has its own keys.
  CHECK(*f.store().RunIdempotent("trader-2", "SetStock", "r-1", "request-b", work) == "response-2");
  // A failing work leaves the key free.
  auto fails = [&](pg::Transaction&) -> absl::StatusOr<std::string> {
    return absl::FailedPreconditionError("no");
  };
  CHECK_FALSE(f.store().RunIdempotent("trader-1", "SetStock", "r-2", "x", fails).ok());
  CHECK(*f.store().RunIdempotent("trader-1", "SetStock", "r-2", "x", work) == "response-3");
}

TEST_CASE("concurrent buyers never oversell and the ledger balances", "[store][concurrency]") {
  Fixture f;
  const pb::Market market = f.Market();
  const pb::Product hot = f.Product(f.Stall(market.id()), "Cabai rawit", 100);
  // Each buyer records its outcomes; they are asserted after the join (Catch2's assertions are
  // not thread-safe).
  constexpr int kBuyers = 16;
  std::vector<int64_t> held_by(kBuyers, 0);
  std::vector<std::vector<std::string>> refusals_by(kBuyers);
  std::vector<std::thread> buyers;
  for (int t = 0; t < kBuyers; ++t) {
    buyers.emplace_back([&, t] {
      for (int i = 0; i < 20; ++i) {
        const int64_t q = 1 + (t + i) % 3;
        auto v = f.Reserve(market.id(), {{hot.id(), q}});
        if (v.ok()) {
          held_by[t] += q;
        } else {
          refusals_by[t].push_back(Reason(v.status()));
        }
      }
    });
  }
  for (std::thread& b : buyers)
    b.join();
  int64_t held = 0;
  int refused = 0;
  for (int t = 0; t < kBuyers; ++t) {
    held += held_by[t];
    for (const std::string& reason : refusals_by[t]) {
      CHECK(reason == "INSUFFICIENT_STOCK");
      ++refused;
    }
  }
  const pb::Product after = *f.store().GetProduct(hot.id());
  CHECK(after.stock() >= 0);
  CHECK(after.stock() + after.reserved() == 100);
  CHECK(after.reserved() == held);
  CHECK(held >= 98);  // only a request larger than what is left can fail
  CHECK(refused > 0);
  CHECK(f.store().LedgerImbalances().empty());
}

TEST_CASE("two sweepers expire each due reservation exactly once", "[store][sweeper]") {
  Fixture f;
  const pb::Market market = f.Market();
  const pb::Stall stall = f.Stall(market.id());
  const pb::Product a = f.Product(stall, "Cabai rawit", 1000);
  const pb::Product b = f.Product(stall, "Bawang merah", 1000);
  std::vector<std::string> ids;
  for (int i = 0; i < 40; ++i) {
    auto v = f.Reserve(market.id(), {{a.id(), 2}, {b.id(), 1}}, absl::Milliseconds(1));
    REQUIRE(v.ok());
    ids.push_back(v->reservation_id());
  }
  auto kept = f.Reserve(market.id(), {{a.id(), 5}}, absl::Hours(1));  // not due
  REQUIRE(kept.ok());
  absl::SleepFor(absl::Milliseconds(20));  // let the 1 ms holds pass their expiry

  prometheus::Registry registry;
  InventoryMetrics metrics(registry);
  ReservationSweeper one(f.store(), absl::Milliseconds(5), &metrics, 3);
  ReservationSweeper two(f.store(), absl::Milliseconds(5), &metrics, 3);
  std::atomic<int> expired{0};
  std::thread t1([&] { expired += one.RunOnce(); });
  std::thread t2([&] { expired += two.RunOnce(); });
  t1.join();
  t2.join();
  CHECK(expired.load() == 40);
  CHECK(metrics.Expired() == 40);
  for (const std::string& id : ids) {
    CHECK(f.store().GetReservation(id)->state() == pb::RESERVATION_STATE_EXPIRED);
    CHECK(f.Count(kCountLedger, id, "expiry") == 2);  // one row per line, once
  }
  CHECK(f.store().GetReservation(kept->reservation_id())->state() == pb::RESERVATION_STATE_HELD);
  CHECK(f.store().GetProduct(a.id())->stock() == 995);
  CHECK(pg::Exec(f.pool(), kCountOutbox, std::string("ReservationExpired")).Int(0, 0) == 40);
  // An expired reservation cannot be committed; releasing it is a no-op.
  CHECK(Reason(f.Commit(ids[0], {}).status()) == "RESERVATION_EXPIRED");
  CHECK(f.Release(ids[0])->state() == pb::RESERVATION_STATE_EXPIRED);
  CHECK(f.store().LedgerImbalances().empty());
}

TEST_CASE("a due reservation not yet swept cannot be committed", "[store][sweeper]") {
  Fixture f;
  const pb::Market market = f.Market();
  const pb::Product a = f.Product(f.Stall(market.id()), "Cabai rawit", 10);
  auto v = f.Reserve(market.id(), {{a.id(), 2}}, absl::Milliseconds(1));
  REQUIRE(v.ok());
  absl::SleepFor(absl::Milliseconds(20));
  CHECK(Reason(f.Commit(v->reservation_id(), {{a.id(), 2}}).status()) == "RESERVATION_EXPIRED");
  CHECK(f.store().GetProduct(a.id())->reserved() == 2);  // still held until swept
}

TEST_CASE("the catalogue finds Indonesian product names and pages in a stable order",
          "[store][catalog]") {
  Fixture f;
  const pb::Market market = f.Market();
  const pb::Stall sayur = f.Stall(market.id(), true, "Sayur Bu Sri");
  const pb::Stall tutup = f.Stall(market.id(), false, "Tutup");
  f.Product(sayur, "Cabai rawit merah", 10);
  f.Product(sayur, "Cabai Rawit Hijau", 0);
  f.Product(sayur, "Bawang merah", 10, 40000, pb::CATEGORY_BUMBU);
  f.Product(sayur, "Bawang putih", 10, 40000, pb::CATEGORY_BUMBU);
  f.Product(tutup, "Cabai keriting", 10);
  for (int i = 0; i < 7; ++i)
    f.Product(sayur, "Tomat", 5);  // equal names: ordered by id

  ProductFilter filter;
  filter.market_id = market.id();
  filter.query = "cabai rawit";
  auto found = f.store().ListProducts(filter);
  REQUIRE(found.size() == 2);  // case-insensitive: "Cabai Rawit Hijau" too
  CHECK(found[0].name() == "Cabai Rawit Hijau");
  CHECK(found[1].name() == "Cabai rawit merah");
  filter.query = "bawang merah";
  found = f.store().ListProducts(filter);
  REQUIRE(found.size() == 1);
  CHECK(found[0].name() == "Bawang merah");

  filter.query = "cabai";
  filter.only_available = true;  // excludes out of stock and closed stall
  found = f.store().ListProducts(filter);
  REQUIRE(found.size() == 1);
  CHECK(found[0].name() == "Cabai rawit merah");

  filter = ProductFilter{};
  filter.market_id = market.id();
  filter.category = pb::CATEGORY_BUMBU;
  CHECK(f.store().ListProducts(filter).size() == 2);

  filter = ProductFilter{};
  filter.market_id = market.id();
  filter.stall_id = tutup.id();
  CHECK(f.store().ListProducts(filter).size() == 1);

  // A search pages too: the seven "Tomat" (equal names, ordered by id) in pages of 3.
  filter = ProductFilter{};
  filter.market_id = market.id();
  filter.query = "TOMAT";
  filter.limit = 3;
  std::vector<std::string> tomat;
  for (int page = 0; page < 5; ++page) {
    const std::vector<pb::Product> found_page = f.store().ListProducts(filter);
    for (const pb::Product& p : found_page) {
      CHECK(p.name() == "Tomat");
      tomat.push_back(p.id());
    }
    if (found_page.size() < 3) break;
    filter.cursor = PageCursor{found_page.back().name(), found_page.back().id()};
  }
  REQUIRE(tomat.size() == 7);
  CHECK(std::is_sorted(tomat.begin(), tomat.end()));
  CHECK(std::adjacent_find(tomat.begin(), tomat.end()) == tomat.end());
  // LIKE's wildcards in the text are literal.
  filter = ProductFilter{};
  filter.market_id = market.id();
  filter.query = "ca%ai";
  CHECK(f.store().ListProducts(filter).empty());

  // Keyset pages of 3 cover every product once, in the order of one full listing.
  filter = ProductFilter{};
  filter.market_id = market.id();
  filter.limit = 100;
  const std::vector<pb::Product> all = f.store().ListProducts(filter);
  REQUIRE(all.size() == 12);
  std::vector<std::string> paged;
  filter.limit = 3;
  for (;;) {
    const std::vector<pb::Product> page = f.store().ListProducts(filter);
    for (const pb::Product& p : page)
      paged.push_back(p.id());
    if (page.size() < 3) break;
    filter.cursor = PageCursor{page.back().name(), page.back().id()};
  }
  REQUIRE(paged.size() == all.size());
  for (size_t i = 0; i < all.size(); ++i)
    CHECK(paged[i] == all[i].id());
}

// One stock adjustment through `store` as the API makes it (RunIdempotent's transaction).
void AdjustThrough(Store& store, const std::string& product_id, int64_t delta,
                   const std::string& request_id) {
  auto done = store.RunIdempotent("trader-1", "AdjustStock", request_id, request_id,
                                  [&](pg::Transaction& tx) -> absl::StatusOr<std::string> {
                                    absl::StatusOr<pb::Product> p =
                                        store.AdjustStock(tx, product_id, delta, "test", "t");
                                    if (!p.ok()) return p.status();
                                    return std::string();
                                  });
  REQUIRE(done.ok());
}

TEST_CASE("a cached product page shows this instance's writes at once and others' within its age",
          "[store][catalog]") {
  Fixture f;
  const pb::Market market = f.Market();
  const pb::Stall stall = f.Stall(market.id());
  const pb::Product bayam = f.Product(stall, "Bayam", 10);
  absl::Time now = absl::UnixEpoch() + absl::Hours(1);  // the cache's clock, driven here
  PageCache pages(absl::Seconds(1), 16, [&] { return now; });
  Catalog catalog(f.store(), &pages);
  Store other(f.pool());  // another instance's store on the same database
  pb::ListProductsRequest req;
  req.set_market_id(market.id());
  auto shown = [&] {
    pb::ListProductsResponse resp;
    REQUIRE(catalog.ListProducts(req, &resp).ok());
    REQUIRE(resp.products_size() == 1);
    return resp.products(0).stock();
  };
  CHECK(shown() == 10);

  // This instance's write: the next read shows it, the clock standing still.
  AdjustThrough(f.store(), bayam.id(), -3, "own-1");
  CHECK(shown() == 7);

  // Another instance's write: the page read before it may be served until it is max_age old
  // (it is: the cache is in use), and not from then on.
  AdjustThrough(other, bayam.id(), -2, "other-1");
  CHECK(shown() == 7);
  now += absl::Milliseconds(999);
  CHECK(shown() == 7);
  now += absl::Milliseconds(1);
  CHECK(shown() == 5);

  // An expiry by this instance's sweeper and an event its consumer applies (before the
  // consumer's commit; within max_age at worst) are this instance's writes too.
  const absl::StatusOr<pb::Reservation> held = f.Reserve(market.id(), {{bayam.id(), 4}});
  REQUIRE(held.ok());
  now += absl::Seconds(1);
  CHECK(shown() == 1);
  pg::Exec(f.pool(), pg::Query{"test_due", "UPDATE reservations SET expires_at = now()"});
  CHECK(f.store().SweepExpired(10) == 1);
  CHECK(shown() == 5);

  // A different request is a different page; a zero age caches nothing.
  req.set_only_available(true);
  CHECK(shown() == 5);
  PageCache off(absl::ZeroDuration(), 16, [&] { return now; });
  Catalog uncached(other, &off);
  AdjustThrough(other, bayam.id(), 1, "other-2");
  pb::ListProductsResponse resp;
  REQUIRE(uncached.ListProducts(req, &resp).ok());
  CHECK(resp.products(0).stock() == 6);
}

TEST_CASE("a cached product page never shows less than the writes finished before the read",
          "[store][catalog][concurrency]") {
  Fixture f;
  const pb::Market market = f.Market();
  const pb::Stall stall = f.Stall(market.id());
  const int64_t initial = 1000;
  const pb::Product bayam = f.Product(stall, "Bayam", initial);
  // The clock stands still: only the store's version can make a page current again.
  const absl::Time now = absl::UnixEpoch() + absl::Hours(1);
  PageCache pages(absl::Hours(1), 16, [&] { return now; });
  Catalog catalog(f.store(), &pages);
  pb::ListProductsRequest req;
  req.set_market_id(market.id());
  constexpr int kWrites = 100;
  std::atomic<int> finished{0};
  std::atomic<bool> stale{false};
  std::atomic<int> reads{0};
  std::thread writer([&] {
    for (int i = 0; i < kWrites; ++i) {
      AdjustThrough(f.store(), bayam.id(), -1, "w-" + std::to_string(i));
      finished.fetch_add(1);
    }
  });
  std::vector<std::thread> readers;
  for (int r = 0; r < 3; ++r) {
    readers.emplace_back([&] {
      while (finished.load() < kWrites) {
        const int before = finished.load();
        pb::ListProductsResponse resp;
        if (!catalog.ListProducts(req, &resp).ok() || resp.products_size() != 1 ||
            resp.products(0).stock() > initial - before) {
          stale = true;
        }
        reads.fetch_add(1);
      }
    });
  }
  writer.join();
  for (std::thread& t : readers)
    t.join();
  CHECK_FALSE(stale.load());
  CHECK(reads.load() > 0);
  pb::ListProductsResponse resp;
  REQUIRE(catalog.ListProducts(req, &resp).ok());
  CHECK(resp.products(0).stock() == initial - kWrites);
}

TEST_CASE("stock adjustments are ledgered and a drifted counter is detected", "[store][ledger]") {
  Fixture f;
  const pb::Market market = f.Market();
  const pb::Product p = f.Product(f.Stall(market.id()), "Cabai rawit", 10);
  auto adjusted = f.Tx("adjust", [&](pg::Transaction& tx) {
    return f.store().AdjustStock(tx, p.id(), -4, "SPOILAGE", "trader-1");
  });
  REQUIRE(adjusted.ok());
  CHECK(adjusted->stock() == 6);
  auto too_much = f.Tx("adjust", [&](pg::Transaction& tx) {
    return f.store().AdjustStock(tx, p.id(), -7, "SPOILAGE", "trader-1");
  });
  CHECK(Reason(too_much.status()) == "INSUFFICIENT_STOCK");
  auto overflow = f.Tx("adjust", [&](pg::Transaction& tx) {
    return f.store().AdjustStock(tx, p.id(), kMaxStock, "RESTOCK", "trader-1");
  });
  CHECK(overflow.status().code() == absl::StatusCode::kInvalidArgument);
  CHECK(std::string(overflow.status().message()).rfind("delta: ", 0) == 0);
  CHECK(f.store().GetProduct(p.id())->stock() == 6);
  const absl::StatusOr<pb::Product> set = f.Tx(
      "set", [&](pg::Transaction& tx) { return f.store().SetStock(tx, p.id(), 25, "count", "t"); });
  REQUIRE(set.ok());
  CHECK(set->stock() == 25);
  CHECK(f.store().LedgerImbalances().empty());

  pg::Exec(f.pool(), kCorrupt, p.id());
  const std::vector<LedgerImbalance> bad = f.store().LedgerImbalances();
  REQUIRE(bad.size() == 1);
  CHECK(bad[0].product_id == p.id());
  CHECK(bad[0].stock == 26);
  CHECK(bad[0].ledger_stock == 25);
}

TEST_CASE("order events commit and release reservations once", "[store][events]") {
  Fixture f;
  const pb::Market market = f.Market();
  const pb::Stall stall = f.Stall(market.id());
  const pb::Product a = f.Product(stall, "Cabai rawit", 10);
  const pb::Product b = f.Product(stall, "Bawang merah", 10);
  auto confirmed = f.Reserve(market.id(), {{a.id(), 3}, {b.id(), 2}});
  auto cancelled = f.Reserve(market.id(), {{a.id(), 1}});
  REQUIRE(confirmed.ok());
  REQUIRE(cancelled.ok());
  const events::Handler handler = OrderEventHandler(f.store());

  events::v1::Envelope confirm;
  confirm.set_event_id("e-1");
  confirm.set_type("OrderConfirmed");
  confirm.mutable_order_confirmed()->set_reservation_id(confirmed->reservation_id());
  events::v1::ProductQuantity* q = confirm.mutable_order_confirmed()->add_final_quantities();
  q->set_product_id(a.id());
  q->set_quantity(2);
  events::v1::Envelope cancel;
  cancel.set_event_id("e-2");
  cancel.set_type("OrderCancelled");
  cancel.mutable_order_cancelled()->set_reservation_id(cancelled->reservation_id());

  for (int round = 0; round < 2; ++round) {  // the second round is a duplicate delivery
    for (const events::v1::Envelope* e : {&confirm, &cancel}) {
      events::Delivery d;
      d.event_id = e->event_id();
      d.type = e->type();
      d.payload = e->SerializeAsString();
      f.Tx("event", [&](pg::Transaction& tx) {
        handler(tx, d);
        return true;
      });
    }
  }
  CHECK(f.store().GetReservation(confirmed->reservation_id())->state() ==
        pb::RESERVATION_STATE_COMMITTED);
  CHECK(f.store().GetReservation(cancelled->reservation_id())->state() ==
        pb::RESERVATION_STATE_RELEASED);
  const pb::Product after = *f.store().GetProduct(a.id());
  CHECK(after.stock() == 8);
  CHECK(after.reserved() == 0);
  CHECK(f.Count(kCountLedger, confirmed->reservation_id(), "commit") == 2);
  CHECK(f.Count(kCountLedger, cancelled->reservation_id(), "release") == 1);
  CHECK(f.store().LedgerImbalances().empty());
}

TEST_CASE("idempotency records older than the retention are purged, newer ones kept", "[store]") {
  Fixture f;
  auto work = [](pg::Transaction&) -> absl::StatusOr<std::string> { return std::string("ok"); };
  for (const char* id : {"old-1", "old-2", "old-3", "new-1"}) {
    REQUIRE(f.store().RunIdempotent("s", "SetStock", id, "a", work).ok());
  }
  // Time is driven by the rows: three records are made older than the retention.
  constexpr pg::Query kAge{"t_age_idem",
                           "WITH aged AS (UPDATE idempotency SET created_at = now() - interval "
                           "'73 hours' WHERE rpc = $1 AND request_id LIKE $2 RETURNING 1) "
                           "SELECT count(*) FROM aged"};
  constexpr pg::Query kCountIdem{
      "t_count_idem", "SELECT count(*) FROM idempotency WHERE rpc = $1 AND request_id LIKE $2"};
  REQUIRE(f.Count(kAge, "SetStock", "old-%") == 3);
  CHECK(f.store().PurgeIdempotency(absl::Hours(72), 2) == 2);  // bounded batches
  CHECK(f.store().PurgeIdempotency(absl::Hours(72), 2) == 1);
  CHECK(f.store().PurgeIdempotency(absl::Hours(72), 2) == 0);
  CHECK(f.Count(kCountIdem, "SetStock", "old-%") == 0);
  CHECK(f.Count(kCountIdem, "SetStock", "new-1") == 1);
  // A purged key is free again: a different request under it is now a new request.
  CHECK(f.store().RunIdempotent("s", "SetStock", "old-1", "b", work).ok());
  // The kept one still refuses a different request.
  CHECK(!f.store().RunIdempotent("s", "SetStock", "new-1", "b", work).ok());
}

namespace {

// Delivers `e` to the order events' handler in a transaction of its own.
void Deliver(Fixture& f, const events::Handler& handler, const events::v1::Envelope& e) {
  events::Delivery d;
  d.event_id = e.event_id();
  d.type = e.type();
  d.payload = e.SerializeAsString();
  f.Tx("event", [&](pg::Transaction& tx) {
    handler(tx, d);
    return true;
  });
}

events::v1::Envelope TicketEvent(const std::string& kind, const std::string& stall_id, int n) {
  events::v1::Envelope e;
  e.set_event_id(kind + "-" + std::to_string(n));
  e.set_type(kind);
  if (kind == "TicketExpired") e.mutable_ticket_expired()->set_stall_id(stall_id);
  if (kind == "TicketAccepted") e.mutable_ticket_accepted()->set_stall_id(stall_id);
  if (kind == "TicketRejected") e.mutable_ticket_rejected()->set_stall_id(stall_id);
  return e;
}

// The catalogue events about `id` in the outbox, oldest first.
std::vector<events::v1::Envelope> CatalogueEvents(Fixture& f, const std::string& id) {
  const pg::Result r = pg::Exec(f.pool(), kOutboxOf, id);
  std::vector<events::v1::Envelope> out;
  for (int i = 0; i < r.size(); ++i) {
    events::v1::Envelope e;
    REQUIRE(e.ParseFromString(r.Bytes(i, 0)));
    out.push_back(std::move(e));
  }
  return out;
}

}  // namespace

TEST_CASE("every write of a market, stall or product announces it", "[store][events]") {
  Fixture f;
  pb::Market market = f.Market();
  const pb::Stall stall = f.Stall(market.id());
  pb::Product product = f.Product(stall, "Bawang merah", 10);
  market.set_kecamatan("Lumajang");
  market.set_village("Citrodiwangsan");
  REQUIRE(f.Tx("save", [&](pg::Transaction& tx) { return f.store().SaveMarket(tx, market); }).ok());
  product.set_commodity(pasar::common::v1::COMMODITY_SHALLOT);
  product.set_standard_unit_milli(1000);
  product.set_price_idr(36000);
  f.Tx("save", [&](pg::Transaction& tx) { return f.store().SaveProduct(tx, product); });

  const auto markets = CatalogueEvents(f, market.id());
  REQUIRE(markets.size() == 2);
  CHECK(markets[0].type() == "MarketChanged");
  CHECK(markets[1].market_changed().market().kecamatan() == "Lumajang");
  CHECK(markets[1].market_changed().market().village() == "Citrodiwangsan");
  CHECK(markets[1].producer() == "inventory");
  const auto stalls = CatalogueEvents(f, stall.id());
  REQUIRE(stalls.size() == 1);
  CHECK(stalls[0].stall_changed().stall().market_id() == market.id());
  const auto products = CatalogueEvents(f, product.id());
  REQUIRE(products.size() == 2);
  const events::v1::ProductChanged& changed = products[1].product_changed();
  CHECK(changed.commodity() == pasar::common::v1::COMMODITY_SHALLOT);
  CHECK(changed.standard_unit_milli() == 1000);
  CHECK(changed.price_idr() == 36000);
  CHECK(changed.market_id() == market.id());
  CHECK(f.store().GetProduct(product.id())->commodity() == pasar::common::v1::COMMODITY_SHALLOT);
}

TEST_CASE("a stall letting its market's N tickets in a row expire is paused, and announced",
          "[store][events][pause]") {
  Fixture f;
  pb::Market market = f.Market();
  market.set_auto_pause_after_expired_tickets(3);
  REQUIRE(f.Tx("save", [&](pg::Transaction& tx) { return f.store().SaveMarket(tx, market); }).ok());
  const pb::Stall stall = f.Stall(market.id());
  const pb::Stall other = f.Stall(market.id(), true, "Buah Pak Min");
  const events::Handler handler = OrderEventHandler(f.store());

  // Two expired, one answered: the count starts again; three expired in a row pause the stall.
  Deliver(f, handler, TicketEvent("TicketExpired", stall.id(), 1));
  Deliver(f, handler, TicketEvent("TicketExpired", stall.id(), 2));
  Deliver(f, handler, TicketEvent("TicketAccepted", stall.id(), 3));
  CHECK(f.store().GetStall(stall.id())->expired_in_a_row() == 0);
  Deliver(f, handler, TicketEvent("TicketExpired", stall.id(), 4));
  Deliver(f, handler, TicketEvent("TicketExpired", other.id(), 5));  // another stall's
  Deliver(f, handler, TicketEvent("TicketRejected", stall.id(), 6));
  for (int n = 7; n <= 9; ++n)
    Deliver(f, handler, TicketEvent("TicketExpired", stall.id(), n));
  const pb::Stall paused = *f.store().GetStall(stall.id());
  CHECK_FALSE(paused.open());
  CHECK(paused.pause() == pb::STALL_PAUSE_EXPIRED_TICKETS);
  CHECK(paused.expired_in_a_row() == 3);
  const pb::Stall untouched = *f.store().GetStall(other.id());
  CHECK(untouched.open());
  CHECK(untouched.expired_in_a_row() == 1);
  const auto announced = CatalogueEvents(f, stall.id());
  REQUIRE_FALSE(announced.empty());
  CHECK(announced.back().stall_changed().stall().pause() == pb::STALL_PAUSE_EXPIRED_TICKETS);

  // Its products are unavailable: a reservation is refused STALL_CLOSED.
  const pb::Product p = f.Product(stall, "Cabai rawit", 5);
  CHECK(Reason(f.Reserve(market.id(), {{p.id(), 1}}).status()) == "STALL_CLOSED");
}
