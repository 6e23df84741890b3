// pasar::pg against a real PostgreSQL (PASAR_TEST_PG): parameters, transactions, pool, retries,
// errors, LISTEN/NOTIFY.
#include <catch2/catch.hpp>

#include <atomic>
#include <latch>
#include <limits>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "pasar/pg/pg.h"
#include "pasar/testkit/eventually.h"
#include "pasar/testkit/testkit.h"

namespace pg = pasar::pg;
using pasar::testkit::TempDatabase;

namespace {

constexpr pg::Query kCreateNotes{"create_notes",
                                 "CREATE TABLE notes (id bigint PRIMARY KEY, body text NOT NULL)"};
constexpr pg::Query kInsertNote{"insert_note", "INSERT INTO notes (id, body) VALUES ($1, $2)"};
constexpr pg::Query kCountNotes{"count_notes", "SELECT count(*) FROM notes"};

pg::PoolConfig Config(const TempDatabase& db, int size = 4) {
  return pg::PoolConfig{.conninfo = db.conninfo(), .search_path = "public", .size = size};
}

}  // namespace

TEST_CASE("parameters of every type round-trip") {
  TempDatabase db;
  pg::Pool pool(Config(db));

  constexpr pg::Query kScalars{
      "scalars",
      "SELECT $1::text, $2::int4, $3::int8, $4::bool, $5::float8, $6::bytea, $7::text, $8::int8, "
      "$9::text, $10::text, $11::int8, $12::bool, $13::float8"};
  const std::string bytes("a\0b\xff\x00z", 6);
  const std::string_view view = "view";
  const std::optional<int64_t> some = 42;
  const std::optional<std::string> none;
  const pg::Result r =
      pg::Exec(pool, kScalars, std::string("héllo 'quoted' \"x\""), int32_t{-7},
               std::numeric_limits<int64_t>::max(), true, 0.1 + 0.2, pg::Bytea{bytes}, view, some,
               std::nullopt, none, std::optional<int64_t>{}, false, -1.5e300);
  REQUIRE(r.size() == 1);
  CHECK(r.columns() == 13);
  CHECK(r.Str(0, 0) == "héllo 'quoted' \"x\"");
  CHECK(r.Int(0, 1) == -7);
  CHECK(r.Int(0, 2) == std::numeric_limits<int64_t>::max());
  CHECK(r.Bool(0, 3));
  CHECK(r.Double(0, 4) == 0.1 + 0.2);
  CHECK(r.Bytes(0, 5) == bytes);
  CHECK(r.Str(0, 6) == "view");
  CHECK(r.OptInt(0, 7) == 42);
  CHECK(r.IsNull(0, 8));
  CHECK(r.OptStr(0, 8) == std::nullopt);
  CHECK(r.Text(0, 8).empty());
  CHECK(r.IsNull(0, 9));
  CHECK(r.OptInt(0, 10) == std::nullopt);
  CHECK_FALSE(r.Bool(0, 11));
  CHECK(r.Double(0, 12) == -1.5e300);
  CHECK_THROWS_AS(r.Int(0, 8), pg::Error);  // NULL is not an integer
  CHECK_THROWS_AS(r.Str(1, 0), pg::Error);  // out of range

  SECTION("const char*, special doubles") {
    constexpr pg::Query kMore{"more", "SELECT $1::text, $2::float8, $3::float8, $4::float8"};
    const pg::Result m = pg::Exec(pool, kMore, "literal", std::numeric_limits<double>::infinity(),
                                  -std::numeric_limits<double>::infinity(),
                                  std::numeric_limits<double>::quiet_NaN());
    CHECK(m.Str(0, 0) == "literal");
    CHECK(m.Double(0, 1) == std::numeric_limits<double>::infinity());
    CHECK(m.Double(0, 2) == -std::numeric_limits<double>::infinity());
    CHECK(std::isnan(m.Double(0, 3)));
  }

  SECTION("arrays of text and integers") {
    constexpr pg::Query kArrays{
        "arrays",
        "SELECT cardinality($1::text[]), ($1::text[])[1], ($1::text[])[2], ($1::text[])[3], "
        "($1::text[])[4], cardinality($2::int8[]), 3 = ANY($2::int8[]), cardinality($3::text[])"};
    const std::vector<std::string> texts{"plain", "with \"quote\", comma", "back\\slash {}", ""};
    const std::vector<int64_t> ints{1, 3, -9};
    const pg::Result a = pg::Exec(pool, kArrays, texts, ints, std::vector<std::string>{});
    CHECK(a.Int(0, 0) == 4);
    CHECK(a.Str(0, 1) == texts[0]);
    CHECK(a.Str(0, 2) == texts[1]);
    CHECK(a.Str(0, 3) == texts[2]);
    CHECK(a.Str(0, 4) == texts[3]);
    CHECK(a.Int(0, 5) == 3);
    CHECK(a.Bool(0, 6));
    CHECK(a.Int(0, 7) == 0);

    const std::vector<std::string_view> views{"x", "y"};
    const std::optional<std::vector<int64_t>> no_ints;
    constexpr pg::Query kMore{"arrays_more",
                              "SELECT ($1::text[])[2], $2::int8[] IS NULL, ($3::int8[])[1]"};
    const pg::Result m =
        pg::Exec(pool, kMore, views, no_ints, std::optional(std::vector<int64_t>{7}));
    CHECK(m.Str(0, 0) == "y");
    CHECK(m.Bool(0, 1));
    CHECK(m.Int(0, 2) == 7);
  }

  SECTION("uuid arrays work with = ANY") {
    constexpr pg::Query kUuid{"uuid_any",
                              "SELECT $1::uuid = ANY($2::uuid[]), $3::uuid = ANY($2::uuid[])"};
    const std::vector<std::string> ids{"7d3c3a52-3c8a-4a43-9d39-8e2f1b1e8f10",
                                       "0b6f4a8e-5d61-4b9b-8a3e-2f7c9d1e4a22"};
    const pg::Result u =
        pg::Exec(pool, kUuid, ids[1], ids, std::string("11111111-2222-3333-4444-555555555555"));
    CHECK(u.Bool(0, 0));
    CHECK_FALSE(u.Bool(0, 1));
  }

  SECTION("bytea with zero bytes round-trips through a table") {
    constexpr pg::Query kCreate{"create_blobs", "CREATE TABLE blobs (id int, data bytea)"};
    constexpr pg::Query kPut{"put_blob", "INSERT INTO blobs VALUES ($1, $2)"};
    constexpr pg::Query kGet{"get_blob", "SELECT data FROM blobs WHERE id = $1"};
    std::string all;
    for (int c = 0; c < 256; ++c)
      all += static_cast<char>(c);
    pg::Exec(pool, kCreate);
    CHECK(pg::Exec(pool, kPut, 1, pg::Bytea{all}).affected() == 1);
    pg::Exec(pool, kPut, 2, std::nullopt);
    CHECK(pg::Exec(pool, kGet, 1).Bytes(0, 0) == all);
    CHECK(pg::Exec(pool, kGet, 2).IsNull(0, 0));
  }
}

TEST_CASE("rows are read by column name, aliases included") {
  TempDatabase db;
  pg::Pool pool(Config(db));
  constexpr pg::Query kNamed{"named_columns",
                             "SELECT 7::int8 AS id, 'Cabai'::text AS name, NULL::text AS note, "
                             "true AS open, (extract(epoch FROM to_timestamp(1.5)) * 1e6)::bigint "
                             "AS created_us"};
  const pg::Result r = pg::Exec(pool, kNamed);
  REQUIRE(r.size() == 1);
  const pg::Row row = r.row(0);
  CHECK(row.Int("id") == 7);
  CHECK(row.Str("name") == "Cabai");
  CHECK(row.IsNull("note"));
  CHECK(row.OptStr("note") == std::nullopt);
  CHECK(row.Bool("open"));
  CHECK(row.Int("created_us") == 1'500'000);
  CHECK(r.Column("open") == 3);
  CHECK_THROWS_WITH(row.Str("missing"), Catch::Contains("missing"));
  CHECK_THROWS_AS(row.Int("NAME"), pg::Error);  // names are exact
}

TEST_CASE("rollback leaves nothing") {
  TempDatabase db;
  pg::Pool pool(Config(db));
  pg::Exec(pool, kCreateNotes);

  SECTION("a transaction destroyed without Commit") {
    {
      pg::Transaction tx(pool, "uncommitted");
      tx.Exec(kInsertNote, 1, "one");
      CHECK(tx.Exec(kCountNotes).Int(0, 0) == 1);
    }
    CHECK(pg::Exec(pool, kCountNotes).Int(0, 0) == 0);
  }
  SECTION("an exception inside WithTransaction") {
    CHECK_THROWS_WITH(pg::WithTransaction(pool, "throws",
                                          [](pg::Transaction& tx) {
                                            tx.Exec(kInsertNote, 1, "one");
                                            throw std::runtime_error("domain failure");
                                          }),
                      "domain failure");
    CHECK(pg::Exec(pool, kCountNotes).Int(0, 0) == 0);
  }
  SECTION("explicit Rollback") {
    pg::Transaction tx(pool, "explicit");
    tx.Exec(kInsertNote, 1, "one");
    tx.Rollback();
    CHECK_FALSE(tx.active());
    CHECK_THROWS_AS(tx.Exec(kCountNotes), pg::Error);
    CHECK(pg::Exec(pool, kCountNotes).Int(0, 0) == 0);
  }
  SECTION("Commit after a failed statement rolls back and throws") {
    pg::Transaction tx(pool, "failed");
    tx.Exec(kInsertNote, 1, "one");
    CHECK_THROWS_AS(tx.Exec(kInsertNote, 1, "duplicate"), pg::Error);
    CHECK_THROWS_AS(tx.Commit(), pg::Error);
    CHECK(pg::Exec(pool, kCountNotes).Int(0, 0) == 0);
  }
  SECTION("Commit keeps the rows and returns the value of the function") {
    const int64_t n = pg::WithTransaction(pool, "commits", [](pg::Transaction& tx) {
      tx.Exec(kInsertNote, 1, "one");
      tx.Exec(kInsertNote, 2, "two");
      const int64_t count = tx.Exec(kCountNotes).Int(0, 0);
      tx.Commit();
      return count;
    });
    CHECK(n == 2);
    CHECK(pg::Exec(pool, kCountNotes).Int(0, 0) == 2);
  }
}

TEST_CASE("errors carry their SQLSTATE") {
  TempDatabase db;
  pg::Pool pool(Config(db));
  pg::Exec(pool, kCreateNotes);
  pg::Exec(pool, kInsertNote, 1, "one");
  try {
    pg::Exec(pool, kInsertNote, 1, "again");
    FAIL("a duplicate key must throw");
  } catch (const pg::Error& e) {
    CHECK(e.unique_violation());
    CHECK(e.sqlstate() == "23505");
    CHECK_FALSE(e.serialization_failure());
  }
  // The connection that saw the error is still usable.
  CHECK(pg::Exec(pool, kCountNotes).Int(0, 0) == 1);

  constexpr pg::Query kOtherSql{"count_notes", "SELECT 1"};
  CHECK_THROWS_AS(pg::Exec(pool, kOtherSql), pg::Error);  // same name, different SQL

  constexpr pg::Query kBad{"bad_syntax", "SELEC 1"};
  try {
    pg::Exec(pool, kBad);
    FAIL("bad syntax must throw");
  } catch (const pg::Error& e) {
    CHECK(e.sqlstate() == "42601");
  }
}

TEST_CASE("statement_timeout bounds a slow statement") {
  TempDatabase db;
  pg::PoolConfig config = Config(db, 1);
  config.statement_timeout = absl::Milliseconds(100);
  pg::Pool pool(config);
  constexpr pg::Query kSleep{"sleep", "SELECT pg_sleep(30)"};
  try {
    pg::Exec(pool, kSleep);
    FAIL("the statement must be cancelled");
  } catch (const pg::Error& e) {
    CHECK(e.sqlstate() == "57014");  // query_canceled
  }
  CHECK(pool.Ping());
}

TEST_CASE("pool exhaustion times out cleanly") {
  TempDatabase db;
  pg::PoolConfig config = Config(db, 1);
  config.acquire_timeout = absl::Milliseconds(200);
  pg::Pool pool(config);
  constexpr pg::Query kOne{"one", "SELECT 1"};

  auto held = std::make_optional<pg::Transaction>(pool, "holder");
  CHECK_THROWS_AS(pg::Exec(pool, kOne), pg::PoolTimeout);
  CHECK_THROWS_AS(pg::Transaction(pool, "second"), pg::PoolTimeout);
  CHECK_FALSE(pool.Ping());
  held.reset();  // the lease returns
  CHECK(pg::Exec(pool, kOne).Int(0, 0) == 1);

  SECTION("a waiter gets the connection when it is returned") {
    pg::PoolConfig patient = Config(db, 1);
    patient.acquire_timeout = absl::Seconds(30);
    pg::Pool shared(patient);
    std::optional<pg::Transaction> holder;
    holder.emplace(shared, "holder");
    std::atomic<int64_t> got{0};
    std::thread waiter([&] { got = pg::Exec(shared, kOne).Int(0, 0); });
    // The waiter is blocked in Acquire (the pool says so) before the connection returns.
    const bool blocked = pasar::testkit::Eventually([&] { return shared.waiting() == 1; });
    const int64_t got_while_held = got.load();
    holder.reset();
    waiter.join();
    CHECK(blocked);
    CHECK(got_while_held == 0);
    CHECK(got == 1);
    CHECK(shared.waiting() == 0);
  }
}

TEST_CASE("WithTransaction retries a serialization failure") {
  TempDatabase db;
  pg::Pool pool(Config(db));
  constexpr pg::Query kCreate{"create_counter",
                              "CREATE TABLE counter (id int PRIMARY KEY, n bigint NOT NULL)"};
  constexpr pg::Query kInit{"init_counter", "INSERT INTO counter VALUES (1, 0)"};
  constexpr pg::Query kRead{"read_counter", "SELECT n FROM counter WHERE id = 1"};
  constexpr pg::Query kWrite{"write_counter", "UPDATE counter SET n = $1 WHERE id = 1"};
  pg::Exec(pool, kCreate);
  pg::Exec(pool, kInit);

  std::latch both_read(2);
  std::atomic<int> runs{0};
  const auto increment = [&] {
    int attempt = 0;
    pg::WithTransaction(
        pool, "increment",
        [&](pg::Transaction& tx) {
          ++runs;
          const int64_t n = tx.Exec(kRead).Int(0, 0);
          if (++attempt == 1) both_read.arrive_and_wait();  // both saw the same snapshot
          tx.Exec(kWrite, n + 1);
          tx.Commit();
        },
        pg::Transaction::Isolation::kSerializable);
  };
  std::thread a(increment);
  std::thread b(increment);
  a.join();
  b.join();
  CHECK(pg::Exec(pool, kRead).Int(0, 0) == 2);  // no lost update
  CHECK(runs >= 3);                             // one of them ran again

  SECTION("other errors are not retried") {
    int calls = 0;
    CHECK_THROWS_AS(pg::WithTransaction(pool, "dup",
                                        [&](pg::Transaction& tx) {
                                          ++calls;
                                          tx.Exec(kInit);  // duplicate key
                                          tx.Commit();
                                        }),
                    pg::Error);
    CHECK(calls == 1);
  }
  SECTION("gives up after the given attempts") {
    int calls = 0;
    constexpr pg::Query kFail{"fail_serialization",
                              "DO $$ BEGIN RAISE EXCEPTION 'conflict' USING ERRCODE = '40001'; "
                              "END $$"};
    try {
      pg::WithTransaction(
          pool, "always",
          [&](pg::Transaction& tx) {
            ++calls;
            tx.Exec(kFail);
          },
          pg::Transaction::Isolation::kReadCommitted, 3);
      FAIL("must throw");
    } catch (const pg::Error& e) {
      CHECK(e.serialization_failure());
    }
    CHECK(calls == 3);
  }
}

TEST_CASE("Listener receives a NOTIFY") {
  TempDatabase db;
  pg::Pool pool(Config(db));
  pg::Listener listener(db.conninfo(), "pasar_test_channel");
  constexpr pg::Query kNotify{"notify", "SELECT pg_notify($1, $2)"};

  CHECK_FALSE(listener.Wait(absl::Milliseconds(50)));  // nothing sent yet
  pg::Exec(pool, kNotify, "pasar_test_channel", "hello");
  REQUIRE(listener.Wait(absl::Seconds(10)));
  CHECK(listener.last_payload() == "hello");

  pg::Exec(pool, kNotify, "other_channel", "ignored");
  pg::Exec(pool, kNotify, "pasar_test_channel", "second");
  REQUIRE(listener.Wait(absl::Seconds(10)));
  CHECK(listener.last_payload() == "second");

  SECTION("a notification sent inside a transaction arrives only after commit") {
    {
      pg::Transaction tx(pool, "rolled_back_notify");
      tx.Exec(kNotify, "pasar_test_channel", "never");
    }
    pg::WithTransaction(pool, "notify", [&](pg::Transaction& tx) {
      tx.Exec(kNotify, "pasar_test_channel", "committed");
      tx.Commit();
    });
    REQUIRE(listener.Wait(absl::Seconds(10)));
    CHECK(listener.last_payload() == "committed");
  }
}
