// pasar::idempotency against a real PostgreSQL (PASAR_TEST_PG), a fresh database per test.
#include <catch2/catch.hpp>

#include <string>

#include "pasar/common/v1/geo.pb.h"
#include "pasar/idempotency/idempotency.h"
#include "pasar/pg/migrate.h"
#include "pasar/rpc/status.h"
#include "pasar/testkit/testkit.h"

namespace pasar::idempotency {
namespace {

constexpr pg::Query kInsert{"idem_test_insert", "INSERT INTO things (v) VALUES ($1)"};
constexpr pg::Query kCount{"idem_test_count", "SELECT count(*) FROM things"};

struct Fixture {
  testkit::TempDatabase db;
  pg::Pool pool{pg::PoolConfig{.conninfo = db.conninfo(), .search_path = "svc"}};
  Fixture() {
    pg::Migrate(pool, "svc", "idempotency", Migrations());
    pg::Migrate(pool, "svc", "test", {{1, "things", "CREATE TABLE things (v text)"}});
  }
  int64_t Things() { return pg::Exec(pool, kCount).Int(0, 0); }
  absl::StatusOr<std::string> Put(const std::string& key, const std::string& value,
                                  bool* replayed = nullptr) {
    common::v1::LatLng request;
    request.set_lat(value.size());
    return Run(
        pool, "alice", "Put", key, Fingerprint(request),
        [&](pg::Transaction& tx) -> absl::StatusOr<std::string> {
          tx.Exec(kInsert, value);
          return "stored:" + value;
        },
        replayed);
  }
};

TEST_CASE("a replay answers the stored response and changes nothing") {
  Fixture f;
  bool replayed = true;
  REQUIRE(f.Put("k1", "abc", &replayed).value() == "stored:abc");
  CHECK_FALSE(replayed);
  CHECK(f.Put("k1", "abc", &replayed).value() == "stored:abc");
  CHECK(replayed);
  CHECK(f.Things() == 1);
}

TEST_CASE("the same key with another request is IDEMPOTENCY_KEY_REUSED and writes nothing") {
  Fixture f;
  REQUIRE(f.Put("k1", "abc").ok());
  const absl::StatusOr<std::string> again = f.Put("k1", "abcdef");
  REQUIRE_FALSE(again.ok());
  CHECK(again.status().code() == absl::StatusCode::kFailedPrecondition);
  CHECK(rpc::RefusalReason(again.status()) == "IDEMPOTENCY_KEY_REUSED");
  CHECK(f.Things() == 1);
}

TEST_CASE("a failing mutation leaves the key free and writes nothing") {
  Fixture f;
  common::v1::LatLng request;
  const absl::StatusOr<std::string> failed =
      Run(f.pool, "alice", "Put", "k2", Fingerprint(request),
          [&](pg::Transaction& tx) -> absl::StatusOr<std::string> {
            tx.Exec(kInsert, "x");
            return absl::InvalidArgumentError("v: bad");
          });
  CHECK(failed.status().code() == absl::StatusCode::kInvalidArgument);
  CHECK(f.Things() == 0);
  CHECK(f.Put("k2", "y").ok());
  CHECK(f.Things() == 1);
}

}  // namespace
}  // namespace pasar::idempotency
