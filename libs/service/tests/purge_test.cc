// The Purger's rounds: batches until a batch deletes nothing, the cap per round, the retention
// setting. The purge statements themselves are tested against PostgreSQL in each service's store
// tests.
#include "pasar/service/purge.h"

#include <algorithm>
#include <catch2/catch.hpp>
#include <stdexcept>

namespace pasar::service {
namespace {

// A table of `rows` purgeable rows, deleted `limit` at a time.
struct Table {
  int64_t rows;
  int calls = 0;
  absl::Duration seen = absl::ZeroDuration();
  PurgeStatement Statement(std::string name) {
    return {std::move(name), [this](absl::Duration retention, int limit) {
              ++calls;
              seen = retention;
              const int64_t n = std::min<int64_t>(rows, limit);
              rows -= n;
              return n;
            }};
  }
};

TEST_CASE("a purge round deletes every table's rows in batches until one deletes nothing") {
  Table a{2500}, b{0};
  PurgeConfig config;
  config.retention = absl::Hours(5);
  config.batch = 1000;
  Purger purger(config, {a.Statement("a"), b.Statement("b")});
  CHECK(purger.RunOnce() == 2500);
  CHECK(a.rows == 0);
  CHECK(a.calls == 4);  // 1000, 1000, 500, 0
  CHECK(b.calls == 1);
  CHECK(a.seen == absl::Hours(5));
  CHECK(purger.RunOnce() == 0);
}

TEST_CASE("a purge round stops at max_rows_per_round; the next round goes on") {
  Table a{5000};
  PurgeConfig config;
  config.batch = 1000;
  config.max_rows_per_round = 2000;
  Purger purger(config, {a.Statement("a")});
  CHECK(purger.RunOnce() == 2000);
  CHECK(a.rows == 3000);
  CHECK(purger.RunOnce() == 2000);
}

TEST_CASE("the retention is PASAR_RETENTION_HOURS, 72 h by default, at least an hour") {
  rpc::ServerConfig config;
  CHECK(PurgeConfigFrom(config).retention == absl::Hours(72));
  config.extra["retention_hours"] = "240";
  CHECK(PurgeConfigFrom(config).retention == absl::Hours(240));
  config.extra["retention_hours"] = "0";
  CHECK_THROWS_AS(PurgeConfigFrom(config), std::invalid_argument);
}

}  // namespace
}  // namespace pasar::service
