// Persisted compensations of ReserveStock calls whose outcome is unknown: the store functions and
// the worker's bookkeeping against a real PostgreSQL (PASAR_TEST_PG; a fresh database per test).
// Releasing a hold in the real inventory is covered by compensation_e2etest.cc.
#include <catch2/catch.hpp>

#include "app/ids.h"
#include "pasar/inventory/v1/inventory.pb.h"
#include "pasar/testkit/testkit.h"
#include "seed.h"
#include "workers/compensation_worker.h"

namespace {

using namespace pasar;
using namespace pasar::order;
namespace inv = pasar::inventory::v1;

constexpr pg::Query kCount{"test_count_compensations",
                           "SELECT count(*) FROM reservation_compensations"};

struct Fixture {
  testkit::TempDatabase db;
  pg::Pool pool{{.conninfo = db.conninfo(), .search_path = "orders", .size = 4}};
  Fixture() { testing::MigrateAll(pool); }

  int64_t Count() { return pg::Exec(pool, kCount).Int(0, 0); }
};

// A serialized ReserveStockRequest as PlaceOrder sends it.
std::string Request(const std::string& request_id, const std::string& order_id,
                    int32_t ttl_seconds = 1800) {
  inv::ReserveStockRequest r;
  r.set_request_id(request_id);
  r.set_order_id(order_id);
  r.set_market_id(RandomUuid());
  r.set_ttl_seconds(ttl_seconds);
  inv::ReserveLine* l = r.add_lines();
  l->set_product_id(RandomUuid());
  l->set_quantity(2);
  return r.SerializeAsString();
}

}  // namespace

TEST_CASE("a compensation is recorded once per inventory request id, with its exact request") {
  Fixture f;
  const std::string order_id = RandomUuid();
  const std::string request = Request(order_id, order_id);
  CHECK(store::InsertCompensation(f.pool, order_id, order_id, request));
  // A second record under the same key keeps the first (the request replayed must not change).
  CHECK_FALSE(store::InsertCompensation(f.pool, order_id, order_id, Request(order_id, order_id)));
  CHECK(f.Count() == 1);

  pg::Transaction tx(f.pool, "test_claim");
  const auto c = store::ClaimDueCompensation(tx, absl::Now());
  REQUIRE(c.has_value());
  CHECK(c->request_id == order_id);
  CHECK(c->order_id == order_id);
  CHECK(c->request == request);
  CHECK(c->attempts == 0);
  CHECK(c->created_at <= absl::Now());
  CHECK(c->created_at > absl::Now() - absl::Minutes(5));
}

TEST_CASE("only due compensations are claimed, earliest first - rescheduling counts and delays") {
  Fixture f;
  const std::string a = RandomUuid(), b = RandomUuid();
  REQUIRE(store::InsertCompensation(f.pool, a, a, Request(a, a)));
  REQUIRE(store::InsertCompensation(f.pool, b + "#1", b, Request(b + "#1", b)));
  const absl::Time now = absl::Now();
  {
    pg::Transaction tx(f.pool, "test_reschedule");
    store::RescheduleCompensation(tx, a, now + absl::Hours(1));
    store::RescheduleCompensation(tx, b + "#1", now + absl::Minutes(30));
    tx.Commit();
  }
  {
    pg::Transaction tx(f.pool, "test_claim_none");
    CHECK_FALSE(store::ClaimDueCompensation(tx, now).has_value());
  }
  {
    pg::Transaction tx(f.pool, "test_claim_earliest");
    const auto c = store::ClaimDueCompensation(tx, now + absl::Hours(2));
    REQUIRE(c.has_value());
    CHECK(c->request_id == b + "#1");
    CHECK(c->order_id == b);
    CHECK(c->attempts == 1);
    store::DeleteCompensation(tx, c->request_id);
    tx.Commit();
  }
  CHECK(f.Count() == 1);
  pg::Transaction tx(f.pool, "test_claim_last");
  const auto c = store::ClaimDueCompensation(tx, now + absl::Hours(2));
  REQUIRE(c.has_value());
  CHECK(c->request_id == a);
  CHECK(c->attempts == 1);
}

TEST_CASE("a compensation claimed by one transaction is skipped by another until it ends") {
  Fixture f;
  const std::string a = RandomUuid(), b = RandomUuid();
  REQUIRE(store::InsertCompensation(f.pool, a, a, Request(a, a)));
  REQUIRE(store::InsertCompensation(f.pool, b, b, Request(b, b)));
  const absl::Time later = absl::Now() + absl::Seconds(1);

  std::optional<pg::Transaction> first;
  first.emplace(f.pool, "test_first");
  const auto one = store::ClaimDueCompensation(*first, later);
  REQUIRE(one.has_value());
  pg::Transaction second(f.pool, "test_second");
  const auto other = store::ClaimDueCompensation(second, later);
  REQUIRE(other.has_value());
  CHECK(other->request_id != one->request_id);
  {
    pg::Transaction third(f.pool, "test_third");
    CHECK_FALSE(store::ClaimDueCompensation(third, later).has_value());
  }
  first.reset();  // rolls back: its compensation is claimable again
  pg::Transaction fourth(f.pool, "test_fourth");
  const auto again = store::ClaimDueCompensation(fourth, later);
  REQUIRE(again.has_value());
  CHECK(again->request_id == one->request_id);
}

TEST_CASE("the worker reschedules while inventory is unreachable and drops what has expired") {
  Fixture f;
  // Nothing listens on port 1: every call to inventory fails with an unknown outcome.
  auth::JwtConfig jwt;
  jwt.secret = "compensation-test-secret";
  InventoryClient inventory("127.0.0.1:1", jwt);
  CompensationWorker worker(f.pool, inventory, absl::Milliseconds(100), absl::Seconds(2));
  const std::string a = RandomUuid();
  REQUIRE(store::InsertCompensation(f.pool, a, a, Request(a, a, 600)));

  const absl::Time now = absl::Now();
  CHECK(worker.RunOnce(now) == 0);
  {
    pg::Transaction tx(f.pool, "test_after_round");
    // Rescheduled into the future with one attempt counted.
    CHECK_FALSE(store::ClaimDueCompensation(tx, now).has_value());
    const auto c = store::ClaimDueCompensation(tx, now + absl::Minutes(2));
    REQUIRE(c.has_value());
    CHECK(c->attempts == 1);
  }
  CHECK(f.Count() == 1);
  // Past the hold's TTL (600 s) and the margin, inventory has let the hold expire by itself.
  CHECK(worker.RunOnce(now + absl::Minutes(20)) == 1);
  CHECK(f.Count() == 0);
}
