// pasar::pg after the PostgreSQL server restarts ($PASAR_STACK restart-pg). SERIAL: it restarts
// the shared test server.
#include <catch2/catch.hpp>

#include <cstdlib>
#include <optional>
#include <string>

#include "pasar/pg/pg.h"
#include "pasar/testkit/testkit.h"

namespace pg = pasar::pg;

namespace {

void RestartPostgres() {
  const std::string stack = pasar::testkit::RequireEnv("PASAR_STACK");
  const std::string command = "'" + stack + "' restart-pg";
  REQUIRE(std::system(command.c_str()) == 0);
}

}  // namespace

TEST_CASE("queries, transactions and listeners work after the server restarts") {
  pasar::testkit::TempDatabase db;
  pg::Pool pool(pg::PoolConfig{.conninfo = db.conninfo(), .size = 3});
  constexpr pg::Query kCreate{"create_log", "CREATE TABLE log (id int PRIMARY KEY)"};
  constexpr pg::Query kInsert{"insert_log", "INSERT INTO log VALUES ($1)"};
  constexpr pg::Query kCount{"count_log", "SELECT count(*) FROM log"};
  constexpr pg::Query kNotify{"notify", "SELECT pg_notify($1, $2)"};
  pg::Exec(pool, kCreate);

  // Open every connection of the pool (and prepare statements on them) before the restart.
  {
    pg::Transaction a(pool, "warm_a");
    pg::Transaction b(pool, "warm_b");
    a.Exec(kInsert, 1);
    b.Exec(kCount);
    a.Commit();
    CHECK(pg::Exec(pool, kCount).Int(0, 0) == 1);
  }
  pg::Listener listener(db.conninfo(), "restart_channel");
  CHECK_FALSE(listener.Wait(absl::Milliseconds(10)));

  RestartPostgres();

  CHECK(pg::Exec(pool, kCount).Int(0, 0) == 1);
  pg::WithTransaction(pool, "after_restart", [&](pg::Transaction& tx) {
    tx.Exec(kInsert, 2);
    tx.Commit();
  });
  {
    // Every pooled connection is usable again, prepared statements included.
    pg::Transaction a(pool, "check_a");
    pg::Transaction b(pool, "check_b");
    pg::Transaction c(pool, "check_c");
    CHECK(a.Exec(kCount).Int(0, 0) == 2);
    CHECK(b.Exec(kCount).Int(0, 0) == 2);
    CHECK(c.Exec(kCount).Int(0, 0) == 2);
  }
  CHECK(pool.Ping());

  // The listener notices the lost connection, reconnects (reporting a wake-up) and listens again.
  CHECK(listener.Wait(absl::Seconds(10)));
  pg::Exec(pool, kNotify, "restart_channel", "back");
  REQUIRE(listener.Wait(absl::Seconds(10)));
  CHECK(listener.last_payload() == "back");
}

TEST_CASE(
    "a transaction open across the restart fails with ConnectionError, then the pool recovers") {
  pasar::testkit::TempDatabase db;
  pg::Pool pool(pg::PoolConfig{.conninfo = db.conninfo(), .size = 1});
  constexpr pg::Query kOne{"one", "SELECT 1"};
  std::optional<pg::Transaction> tx;
  tx.emplace(pool, "interrupted");
  CHECK(tx->Exec(kOne).Int(0, 0) == 1);

  RestartPostgres();

  CHECK_THROWS_AS(tx->Exec(kOne), pg::ConnectionError);
  tx.reset();  // the broken connection is closed, not reused
  CHECK(pg::Exec(pool, kOne).Int(0, 0) == 1);
}
