// libs/events: several events appended in one statement (AppendToOutbox of a span), against the
// real PostgreSQL and Redis of PASAR_TEST_PG / PASAR_TEST_REDIS.
#include <catch2/catch.hpp>

#include <span>
#include <string>
#include <vector>

#include "fixture.h"

namespace pasar::events {

using namespace test;  // NOLINT: the fixture of these tests

TEST_CASE("events appended in one statement keep their order and their bytes") {
  Fixture f;
  std::vector<OutboxEvent> events;
  for (int i = 0; i < 5; ++i)
    events.push_back(
        Event("many-" + std::to_string(i), std::string("a\0\xff\x01z", 5) + std::to_string(i)));
  pg::WithTransaction(f.pool, "produce_many", [&](pg::Transaction& tx) {
    tx.Exec(kInsertItem, std::string("item-many"));
    AppendToOutbox(tx, std::span<const OutboxEvent>(events));
    AppendToOutbox(tx, std::span<const OutboxEvent>());  // nothing
    tx.Commit();
  });
  CHECK(f.Count(kCountOutbox) == 5);
  Relay relay(f.pool, f.redis, f.db.conninfo());
  CHECK(relay.RunOnce() == 5);
  const std::vector<std::string> ids = f.StreamEventIds();
  REQUIRE(ids.size() == 5);
  for (int i = 0; i < 5; ++i)
    CHECK(ids[i] == "many-" + std::to_string(i));  // outbox order = the order given
  Consumer consumer(f.pool, f.redis_config, TestConsumerConfig(), RecordEffect());
  CHECK(consumer.RunOnce() == 5);
  for (const OutboxEvent& e : events) {
    const pg::Result r = pg::Exec(f.pool, kEffect, e.event_id);
    REQUIRE(r.size() == 1);
    CHECK(r.Bytes(0, 2) == e.payload);
  }
}

}  // namespace pasar::events
