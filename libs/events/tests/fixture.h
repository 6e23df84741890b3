// The fixture of the libs/events tests (events_pgtest.cpp, events_batch_pgtest.cpp): a
// temporary database with the events tables, a Redis prefix of its own, and helpers.
#pragma once

#include <catch2/catch.hpp>

#include <atomic>
#include <chrono>
#include <set>
#include <span>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>
#include "pasar/events/events.h"
#include "pasar/pg/migrate.h"
#include "pasar/pg/pg.h"
#include "pasar/redis/redis.h"
#include "pasar/testkit/eventually.h"
#include "pasar/testkit/testkit.h"

namespace pasar::events::test {

constexpr std::string_view kSchema = "svc";
constexpr std::string_view kStream = "events.test";

constexpr pg::Query kInsertItem{"test_insert_item", "INSERT INTO items (id) VALUES ($1)"};
constexpr pg::Query kCountItems{"test_count_items", "SELECT count(*) FROM items"};
constexpr pg::Query kCountOutbox{"test_count_outbox", "SELECT count(*) FROM outbox"};
constexpr pg::Query kCountUnsent{"test_count_unsent",
                                 "SELECT count(*) FROM outbox WHERE sent_at IS NULL"};
constexpr pg::Query kInsertEffect{"test_insert_effect",
                                  "INSERT INTO effects (event_id, type, aggregate_id, payload, "
                                  "stream) VALUES ($1, $2, $3, $4, $5)"};
constexpr pg::Query kCountEffects{"test_count_effects", "SELECT count(*) FROM effects"};
constexpr pg::Query kEffect{
    "test_effect", "SELECT type, aggregate_id, payload, stream FROM effects WHERE event_id = $1"};
constexpr pg::Query kCountConsumed{"test_count_consumed",
                                   "SELECT count(*) FROM consumed_events WHERE consumer = $1"};
constexpr pg::Query kEffectsPerEvent{
    "test_effects_per_event",
    "SELECT event_id, count(*) FROM effects GROUP BY event_id ORDER BY event_id"};
constexpr pg::Query kLosses{"test_losses",
                            "SELECT stream, republished FROM outbox_losses ORDER BY id"};

// A service-like setup: a temporary database, schema "svc" with the events tables and two tables
// of "state" (items: written by producers; effects: written by consumer handlers).
struct Fixture {
  testkit::TempDatabase db;
  pg::Pool pool{pg::PoolConfig{.conninfo = db.conninfo(), .search_path = std::string(kSchema)}};
  redis::Config redis_config =
      redis::ConfigFromUrl(testkit::RequireEnv("PASAR_TEST_REDIS"), testkit::UniqueRedisPrefix());
  redis::Client redis{redis_config};

  Fixture() {
    REQUIRE(redis.Ping());
    pg::Migrate(pool, kSchema, "events", Migrations());
    pg::Migrate(pool, kSchema, "test",
                {{1, "state",
                  "CREATE TABLE items (id text PRIMARY KEY);"
                  "CREATE TABLE effects (event_id text, type text, aggregate_id text, "
                  "payload bytea, stream text)"}});
  }

  int64_t Count(const pg::Query& q) { return pg::Exec(pool, q).Int(0, 0); }

  int64_t StreamLength() {
    return redis.Command({"XLEN", redis.Key(std::string(kStream))}).integer();
  }

  // Event ids of all entries in the stream, in stream order.
  std::vector<std::string> StreamEventIds() {
    const redis::Reply r = redis.Command({"XRANGE", redis.Key(std::string(kStream)), "-", "+"});
    std::vector<std::string> ids;
    for (size_t i = 0; i < r.size(); ++i) {
      const redis::Reply fields = r.at(i).at(1);
      for (size_t j = 0; j + 1 < fields.size(); j += 2) {
        if (fields.at(j).str() == "id") ids.emplace_back(fields.at(j + 1).str());
      }
    }
    return ids;
  }

  void Produce(const std::string& item, const OutboxEvent& e) {
    pg::WithTransaction(pool, "produce", [&](pg::Transaction& tx) {
      tx.Exec(kInsertItem, item);
      AppendToOutbox(tx, e);
      tx.Commit();
    });
  }

  void XAddRaw(const std::string& id, const std::string& type, const std::string& payload) {
    redis.XAdd(redis.Key(std::string(kStream)),
               {{"id", id}, {"type", type}, {"aggregate", "agg-" + id}, {"payload", payload}});
  }
};

inline OutboxEvent Event(const std::string& id, std::string payload = "p") {
  return OutboxEvent{.event_id = id,
                     .stream = std::string(kStream),
                     .type = "ThingHappened",
                     .aggregate_id = "agg-" + id,
                     .payload = std::move(payload)};
}

inline ConsumerConfig TestConsumerConfig() {
  ConsumerConfig c;
  c.name = "tester";
  c.streams = {std::string(kStream)};
  c.claim_idle = absl::Milliseconds(50);
  c.block = absl::Milliseconds(50);
  c.max_deliveries = 3;
  return c;
}

inline Handler RecordEffect() {
  return [](pg::Transaction& tx, const Delivery& d) {
    tx.Exec(kInsertEffect, d.event_id, d.type, d.aggregate_id, pg::Bytea{d.payload}, d.stream);
  };
}

}  // namespace pasar::events::test
