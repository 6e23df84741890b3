// pasar::events against a real PostgreSQL (PASAR_TEST_PG) and Redis (PASAR_TEST_REDIS); each test
// uses a fresh database and a unique Redis prefix, and fails when a server is unreachable.
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

#include "fixture.h"

namespace pasar::events {
namespace {

using namespace test;  // NOLINT: the fixture of these tests
using pasar::testkit::Eventually;

}  // namespace

TEST_CASE("a state change and its outbox row commit or roll back together") {
  Fixture f;
  f.Produce("item-1", Event("e1"));
  CHECK(f.Count(kCountItems) == 1);
  CHECK(f.Count(kCountOutbox) == 1);

  {  // never committed
    pg::Transaction tx(f.pool, "abandoned");
    tx.Exec(kInsertItem, std::string("item-2"));
    AppendToOutbox(tx, Event("e2"));
  }
  CHECK(f.Count(kCountItems) == 1);
  CHECK(f.Count(kCountOutbox) == 1);

  // The outbox insert fails (event id reused): the state change goes too.
  try {
    f.Produce("item-3", Event("e1"));
    FAIL("a reused event id must be refused");
  } catch (const pg::Error& e) {
    CHECK(e.unique_violation());
  }
  CHECK(f.Count(kCountItems) == 1);
  CHECK(f.Count(kCountOutbox) == 1);

  Relay relay(f.pool, f.redis, f.db.conninfo());
  CHECK(relay.RunOnce() == 1);
  CHECK(relay.RunOnce() == 0);
  CHECK(f.StreamEventIds() == std::vector<std::string>{"e1"});
  CHECK(f.Count(kCountUnsent) == 0);
}

TEST_CASE("two relays running at once deliver each event once, in outbox order, with hints") {
  Fixture f;
  std::atomic<int> hints{0};
  std::atomic<bool> hint_format_ok{true};
  redis::Subscriber sub(
      f.redis_config, {f.redis.Key("live." + std::string(kStream))},
      [&](const std::string&, const std::string& msg) {
        if (msg.rfind("agg-", 0) != 0 || msg.find(" ThingHappened") == std::string::npos) {
          hint_format_ok = false;
        }
        ++hints;
      });
  REQUIRE(Eventually([&] { return sub.subscribed(); }));

  RelayConfig rc;
  rc.batch = 7;  // many small batches, so the relays really interleave
  Relay a(f.pool, f.redis, f.db.conninfo(), rc);
  Relay b(f.pool, f.redis, f.db.conninfo(), rc);
  a.Start();
  b.Start();

  constexpr int kProducers = 4;
  constexpr int kPerProducer = 60;
  std::vector<std::thread> producers;
  for (int p = 0; p < kProducers; ++p) {
    producers.emplace_back([&f, p] {
      for (int i = 0; i < kPerProducer; ++i) {
        const std::string id = "e-" + std::to_string(p) + "-" + std::to_string(i);
        f.Produce("item-" + id, Event(id));
      }
    });
  }
  for (auto& t : producers)
    t.join();
  constexpr int kTotal = kProducers * kPerProducer;

  REQUIRE(Eventually([&] { return f.Count(kCountUnsent) == 0 && f.StreamLength() >= kTotal; }));
  a.Stop();
  b.Stop();
  const std::vector<std::string> ids = f.StreamEventIds();
  CHECK(ids.size() == kTotal);
  CHECK(std::set<std::string>(ids.begin(), ids.end()).size() == kTotal);
  // Each producer's events appear in the order it wrote them.
  for (int p = 0; p < kProducers; ++p) {
    int next = 0;
    const std::string mine = "e-" + std::to_string(p) + "-";
    for (const std::string& id : ids) {
      if (id.rfind(mine, 0) == 0) CHECK(id == mine + std::to_string(next++));
    }
    CHECK(next == kPerProducer);
  }
  REQUIRE(Eventually([&] { return hints.load() >= kTotal; }));
  CHECK(hints.load() == kTotal);
  CHECK(hint_format_ok.load());
}

TEST_CASE("a duplicate delivery is applied once") {
  Fixture f;
  f.XAddRaw("dup-1", "ThingHappened", "once");
  f.XAddRaw("dup-1", "ThingHappened", "once");  // the relay shipped it twice
  f.XAddRaw("other", "ThingHappened", "x");
  Consumer consumer(f.pool, f.redis_config, TestConsumerConfig(), RecordEffect());
  REQUIRE(Eventually(
      [&] {
        consumer.RunOnce();
        const Consumer::Stats s = consumer.stats();
        return s.applied + s.duplicates >= 3;
      },
      std::chrono::seconds(15)));
  const Consumer::Stats s = consumer.stats();
  CHECK(s.applied == 2);
  CHECK(s.duplicates == 1);
  CHECK(s.failures == 0);
  CHECK(f.Count(kCountEffects) == 2);
  CHECK(pg::Exec(f.pool, kCountConsumed, std::string("tester")).Int(0, 0) == 2);
  CHECK(
      f.redis.Command({"XPENDING", f.redis.Key(std::string(kStream)), "tester"}).at(0).integer() ==
      0);
}

TEST_CASE("a failing handler changes nothing, is retried, then dead-lettered") {
  Fixture f;
  f.XAddRaw("bad-1", "Poison", "x");
  std::atomic<int> calls{0};
  Consumer consumer(f.pool, f.redis_config, TestConsumerConfig(),
                    [&](pg::Transaction& tx, const Delivery& d) {
                      ++calls;
                      RecordEffect()(tx, d);  // written, then rolled back by the throw
                      throw std::runtime_error("refused");
                    });
  REQUIRE(Eventually(
      [&] {
        consumer.RunOnce();
        return consumer.stats().dead_lettered == 1;
      },
      std::chrono::seconds(30)));
  const Consumer::Stats s = consumer.stats();
  CHECK(s.applied == 0);
  CHECK(s.failures == 3);  // max_deliveries
  // The first delivery runs twice (in the batch, rolled back; then entry by entry), each
  // redelivery once (entry by entry at once).
  CHECK(calls.load() == 4);
  CHECK(f.Count(kCountEffects) == 0);
  CHECK(pg::Exec(f.pool, kCountConsumed, std::string("tester")).Int(0, 0) == 0);
  const std::string stream = f.redis.Key(std::string(kStream));
  CHECK(f.redis.Command({"XLEN", stream + ".dead"}).integer() == 1);
  CHECK(f.redis.Command({"XPENDING", stream, "tester"}).at(0).integer() == 0);
}

TEST_CASE("a failing handler in a batch rolls back only its entry while the others commit") {
  Fixture f;
  const std::string stream = f.redis.Key(std::string(kStream));
  for (const std::string id : {"ok-1", "bad", "ok-2", "ok-3"})
    f.XAddRaw(id, id == "bad" ? "Poison" : "ThingHappened", "x");
  // The second entry is the poison.
  const std::string bad_entry(f.redis.Command({"XRANGE", stream, "-", "+"}).at(1).at(0).str());
  std::atomic<bool> refuse{true};
  std::atomic<int> calls{0};
  Consumer consumer(f.pool, f.redis_config, TestConsumerConfig(),
                    [&](pg::Transaction& tx, const Delivery& d) {
                      ++calls;
                      RecordEffect()(tx, d);  // the poison's write is rolled back by the throw
                      if (d.type == "Poison" && refuse.load()) throw std::runtime_error("refused");
                    });

  // The four entries come in one XREADGROUP batch, applied in one transaction: the poison fails
  // it (ok-1 and the poison ran), then the batch is applied entry by entry (four runs).
  CHECK(consumer.RunOnce() == 3);
  CHECK(calls.load() == 6);
  Consumer::Stats s = consumer.stats();
  CHECK(s.applied == 3);
  CHECK(s.failures == 1);
  CHECK(f.Count(kCountEffects) == 3);
  CHECK(pg::Exec(f.pool, kEffect, std::string("bad")).empty());
  CHECK(pg::Exec(f.pool, kEffect, std::string("ok-3")).size() == 1);
  CHECK(pg::Exec(f.pool, kCountConsumed, std::string("tester")).Int(0, 0) == 3);
  const redis::Reply pending = f.redis.Command({"XPENDING", stream, "tester", "-", "+", "10"});
  REQUIRE(pending.size() == 1);
  CHECK(pending.at(0).at(0).str() == bad_entry);

  // Once the handler accepts it, the redelivered entry is applied and nothing stays pending.
  refuse = false;
  REQUIRE(Eventually(
      [&] {
        consumer.RunOnce();
        return consumer.stats().applied == 4;
      },
      std::chrono::seconds(15)));
  s = consumer.stats();
  CHECK(s.duplicates == 0);
  CHECK(s.dead_lettered == 0);
  CHECK(f.Count(kCountEffects) == 4);
  CHECK(pg::Exec(f.pool, kEffect, std::string("bad")).size() == 1);
  CHECK(pg::Exec(f.pool, kCountConsumed, std::string("tester")).Int(0, 0) == 4);
  CHECK(f.redis.Command({"XPENDING", stream, "tester"}).at(0).integer() == 0);
}

TEST_CASE("a handler that finishes the transaction fails the batch, which is redelivered") {
  Fixture f;
  f.XAddRaw("a", "ThingHappened", "x");
  f.XAddRaw("b", "Committer", "x");
  std::atomic<bool> misbehave{true};
  Consumer consumer(f.pool, f.redis_config, TestConsumerConfig(),
                    [&](pg::Transaction& tx, const Delivery& d) {
                      RecordEffect()(tx, d);
                      if (d.type == "Committer" && misbehave.load()) tx.Rollback();
                    });
  CHECK(consumer.RunOnce() == 0);
  CHECK(consumer.stats().failures == 2);
  CHECK(f.Count(kCountEffects) == 0);
  misbehave = false;
  REQUIRE(Eventually(
      [&] {
        consumer.RunOnce();
        return consumer.stats().applied == 2;
      },
      std::chrono::seconds(15)));
  CHECK(f.Count(kCountEffects) == 2);
  CHECK(pg::Exec(f.pool, kCountConsumed, std::string("tester")).Int(0, 0) == 2);
}

TEST_CASE("entries of types the handler does not act on are acknowledged without PostgreSQL") {
  Fixture f;
  const std::string stream = f.redis.Key(std::string(kStream));
  // The consumer's pool names a database the server does not have: any transaction fails.
  pg::Pool unreachable{
      pg::PoolConfig{.conninfo = f.db.conninfo() + " dbname=" + f.db.name() + "_missing",
                     .search_path = std::string(kSchema)}};
  ConsumerConfig cc = TestConsumerConfig();
  cc.types = {"ThingHappened"};
  std::atomic<int> calls{0};
  Consumer consumer(unreachable, f.redis_config, cc,
                    [&](pg::Transaction&, const Delivery&) { ++calls; });
  f.XAddRaw("x-1", "Unrelated", "x");
  f.XAddRaw("x-2", "AlsoUnrelated", "x");
  f.redis.XAdd(stream, {{"id", "x-3"}, {"payload", "no type"}});  // no type: not listed either

  // A whole batch of other types: acknowledged, no transaction opened (it would have failed).
  CHECK(consumer.RunOnce() == 3);
  Consumer::Stats s = consumer.stats();
  CHECK(s.skipped == 3);
  CHECK(s.applied == 0);
  CHECK(s.failures == 0);
  CHECK(calls.load() == 0);
  CHECK(f.redis.Command({"XPENDING", stream, "tester"}).at(0).integer() == 0);

  // The control: a listed type does need PostgreSQL, so its batch fails and it stays pending,
  // while the skipped entry beside it is still acknowledged.
  f.XAddRaw("listed", "ThingHappened", "x");
  f.XAddRaw("x-4", "Unrelated", "x");
  const std::string listed_entry(f.redis.Command({"XRANGE", stream, "-", "+"}).at(3).at(0).str());
  CHECK(consumer.RunOnce() == 1);
  s = consumer.stats();
  CHECK(s.skipped == 4);
  CHECK(s.failures == 1);
  CHECK(calls.load() == 0);
  const redis::Reply pending = f.redis.Command({"XPENDING", stream, "tester", "-", "+", "10"});
  REQUIRE(pending.size() == 1);
  CHECK(pending.at(0).at(0).str() == listed_entry);
}

TEST_CASE("a batch mixing listed and other types applies only the listed ones") {
  Fixture f;
  const std::string stream = f.redis.Key(std::string(kStream));
  ConsumerConfig cc = TestConsumerConfig();
  cc.types = {"ThingHappened", "Poison"};
  std::vector<std::string> handled;  // RunOnce runs the handler on this thread
  Consumer consumer(f.pool, f.redis_config, cc, [&](pg::Transaction& tx, const Delivery& d) {
    handled.push_back(d.event_id);
    RecordEffect()(tx, d);
    if (d.type == "Poison") throw std::runtime_error("refused");
  });
  f.XAddRaw("a", "ThingHappened", "x");
  f.XAddRaw("skip-1", "Unrelated", "x");
  f.XAddRaw("bad", "Poison", "x");
  f.XAddRaw("skip-2", "Unrelated", "x");
  f.XAddRaw("a", "ThingHappened", "x");  // shipped twice
  f.XAddRaw("b", "ThingHappened", "x");
  const std::string bad_entry(f.redis.Command({"XRANGE", stream, "-", "+"}).at(2).at(0).str());

  // One XREADGROUP batch: a, a (duplicate), b and both skipped entries are acknowledged.
  CHECK(consumer.RunOnce() == 5);
  // The batch fails at the poison (a, bad: rolled back), then goes entry by entry (a, bad, b).
  CHECK(handled == std::vector<std::string>{"a", "bad", "a", "bad", "b"});
  const Consumer::Stats s = consumer.stats();
  CHECK(s.applied == 2);
  CHECK(s.duplicates == 1);
  CHECK(s.skipped == 2);
  CHECK(s.failures == 1);
  CHECK(f.Count(kCountEffects) == 2);
  CHECK(pg::Exec(f.pool, kEffect, std::string("a")).size() == 1);
  CHECK(pg::Exec(f.pool, kEffect, std::string("b")).size() == 1);
  CHECK(pg::Exec(f.pool, kEffect, std::string("skip-1")).empty());
  // consumed_events holds the applied events only: a and b.
  CHECK(pg::Exec(f.pool, kCountConsumed, std::string("tester")).Int(0, 0) == 2);
  const redis::Reply pending = f.redis.Command({"XPENDING", stream, "tester", "-", "+", "10"});
  REQUIRE(pending.size() == 1);
  CHECK(pending.at(0).at(0).str() == bad_entry);

  // The refused listed entry keeps the usual path: redelivered, then dead-lettered.
  REQUIRE(Eventually(
      [&] {
        consumer.RunOnce();
        return consumer.stats().dead_lettered == 1;
      },
      std::chrono::seconds(30)));
  CHECK(consumer.stats().skipped == 2);
  CHECK(f.redis.Command({"XLEN", stream + ".dead"}).integer() == 1);
  CHECK(f.redis.Command({"XPENDING", stream, "tester"}).at(0).integer() == 0);
  CHECK(pg::Exec(f.pool, kCountConsumed, std::string("tester")).Int(0, 0) == 2);
}

TEST_CASE("end to end: outbox, relay and consumers apply every event once") {
  Fixture f;
  Relay relay(f.pool, f.redis, f.db.conninfo());
  relay.Start();
  ConsumerConfig cc = TestConsumerConfig();
  cc.threads = 2;
  cc.claim_idle = absl::Seconds(30);
  Consumer consumer(f.pool, f.redis_config, cc, RecordEffect());
  consumer.Start();

  constexpr int kEvents = 100;
  const std::string binary("pay\0load\xff", 9);
  for (int i = 0; i < kEvents; ++i)
    f.Produce("item-" + std::to_string(i), Event("ev-" + std::to_string(i), binary));

  REQUIRE(Eventually([&] { return f.Count(kCountEffects) >= kEvents; }));
  consumer.Stop();
  relay.Stop();
  CHECK(f.Count(kCountEffects) == kEvents);
  const Consumer::Stats s = consumer.stats();
  CHECK(s.applied == kEvents);
  CHECK(s.failures == 0);
  const pg::Result r = pg::Exec(f.pool, kEffect, std::string("ev-42"));
  REQUIRE(r.size() == 1);
  CHECK(r.Str(0, 0) == "ThingHappened");
  CHECK(r.Str(0, 1) == "agg-ev-42");
  CHECK(r.Bytes(0, 2) == binary);
  CHECK(r.Str(0, 3) == kStream);
}

TEST_CASE("the relay purges sent outbox rows after purge_after") {
  Fixture f;
  RelayConfig rc;
  rc.purge_after = absl::ZeroDuration();
  rc.purge_every = absl::Milliseconds(10);
  Relay relay(f.pool, f.redis, f.db.conninfo(), rc);
  relay.Start();
  for (int i = 0; i < 5; ++i)
    f.Produce("item-" + std::to_string(i), Event("p-" + std::to_string(i)));
  REQUIRE(Eventually([&] { return f.StreamLength() == 5 && f.Count(kCountOutbox) == 0; }));
  relay.Stop();
  CHECK(f.Count(kCountItems) == 5);
  CHECK(f.StreamEventIds().size() == 5);
}

namespace {

// Ships everything pending (and checks the streams) until the relay has nothing left.
void Drain(Fixture& f, Relay& relay) {
  REQUIRE(Eventually([&] { return relay.RunOnce() == 0 && f.Count(kCountUnsent) == 0; }));
}

// Runs the consumer until `n` events were applied, then checks each was applied exactly once.
void ConsumeAll(Fixture& f, Consumer& consumer, int n) {
  REQUIRE(Eventually([&] {
    consumer.RunOnce();
    return f.Count(kCountEffects) >= n;
  }));
  consumer.RunOnce();  // anything left would be a second application
  const pg::Result per_event = pg::Exec(f.pool, kEffectsPerEvent);
  CHECK(per_event.size() == n);
  for (int i = 0; i < per_event.size(); ++i) {
    INFO(per_event.Str(i, 0));
    CHECK(per_event.Int(i, 1) == 1);
  }
}

}  // namespace

TEST_CASE("sent outbox rows older than purge_after are purged; newer and unsent ones kept") {
  Fixture f;
  RelayConfig rc;
  rc.purge_after = absl::Hours(48);
  Relay relay(f.pool, f.redis, f.db.conninfo(), rc);
  for (int i = 0; i < 4; ++i)
    f.Produce("item-" + std::to_string(i), Event("old-" + std::to_string(i)));
  f.Produce("item-new", Event("new-sent"));
  Drain(f, relay);
  f.Produce("item-unsent", Event("old-unsent"));  // never shipped: the relay still owes it
  // Time is driven by the rows: four sent rows and the unsent one are made older than 48 h.
  constexpr pg::Query kAge{"test_age_outbox",
                           "UPDATE outbox SET created_at = now() - interval '49 hours', "
                           "sent_at = CASE WHEN sent_at IS NULL THEN NULL "
                           "ELSE now() - interval '49 hours' END WHERE event_id LIKE 'old-%'"};
  constexpr pg::Query kLeft{"test_outbox_left", "SELECT event_id FROM outbox ORDER BY event_id"};
  pg::Exec(f.pool, kAge);
  CHECK(relay.PurgeOnce() == 4);
  CHECK(relay.PurgeOnce() == 0);
  const pg::Result left = pg::Exec(f.pool, kLeft);
  REQUIRE(left.size() == 2);
  CHECK(left.Text(0, 0) == "new-sent");
  CHECK(left.Text(1, 0) == "old-unsent");
}

TEST_CASE("consumed_events rows older than purge_after are purged, only the consumer's own") {
  Fixture f;
  ConsumerConfig config = TestConsumerConfig();
  config.purge_after = absl::Hours(24 * 7);
  Consumer consumer(f.pool, f.redis_config, config, RecordEffect());
  constexpr pg::Query kInsert{
      "test_insert_consumed",
      "INSERT INTO consumed_events (consumer, event_id, consumed_at) "
      "SELECT $1, $2 || g, now() - make_interval(hours => $3::int) FROM generate_series(1, $4) g"};
  pg::Exec(f.pool, kInsert, "tester", "old-", 24 * 7 + 1, 1500);  // past the retention
  pg::Exec(f.pool, kInsert, "tester", "new-", 24 * 7 - 1, 3);     // within it
  pg::Exec(f.pool, kInsert, "other", "old-", 24 * 7 + 1, 2);      // another consumer's
  CHECK(consumer.PurgeOnce() == 1000);                            // bounded batches
  CHECK(consumer.PurgeOnce() == 500);
  CHECK(consumer.PurgeOnce() == 0);
  CHECK(pg::Exec(f.pool, kCountConsumed, "tester").Int(0, 0) == 3);
  CHECK(pg::Exec(f.pool, kCountConsumed, "other").Int(0, 0) == 2);
}

TEST_CASE("events Redis acknowledged and then lost with its data are shipped again, once") {
  Fixture f;
  RelayConfig rc;
  rc.verify_every = absl::ZeroDuration();  // every RunOnce checks the streams
  Relay relay(f.pool, f.redis, f.db.conninfo(), rc);
  ConsumerConfig cc = TestConsumerConfig();
  cc.batch = 4;
  cc.claim_idle = absl::Seconds(30);
  Consumer consumer(f.pool, f.redis_config, cc, RecordEffect());

  for (int i = 0; i < 10; ++i)
    f.Produce("item-" + std::to_string(i), Event("lost-" + std::to_string(i)));
  Drain(f, relay);
  REQUIRE(f.StreamLength() == 10);
  REQUIRE(f.Count(kCountUnsent) == 0);
  // The consumer lags: it has applied one batch of four when Redis loses everything (a restart
  // without persistence: the stream and the consumer group are gone).
  REQUIRE(consumer.RunOnce() == 4);
  REQUIRE(f.Count(kCountEffects) == 4);
  f.redis.Command({"DEL", f.redis.Key(std::string(kStream))});
  // New events keep coming; the relay notices the loss before it appends anything.
  for (int i = 10; i < 13; ++i)
    f.Produce("item-" + std::to_string(i), Event("lost-" + std::to_string(i)));
  Drain(f, relay);

  CHECK(relay.stats().losses == 1);
  CHECK(relay.stats().republished == 10);
  const pg::Result losses = pg::Exec(f.pool, kLosses);
  REQUIRE(losses.size() == 1);
  CHECK(losses.Str(0, 0) == kStream);
  CHECK(losses.Int(0, 1) == 10);
  // Redis holds every event again, in outbox order, and each is applied exactly once.
  std::vector<std::string> expected;
  for (int i = 0; i < 13; ++i)
    expected.push_back("lost-" + std::to_string(i));
  CHECK(f.StreamEventIds() == expected);
  ConsumeAll(f, consumer, 13);
  CHECK(consumer.stats().duplicates == 4);
}

TEST_CASE(
    "when Redis comes back with an older copy of a stream only the missing tail is shipped "
    "again") {
  Fixture f;
  RelayConfig rc;
  rc.verify_every = absl::ZeroDuration();
  Relay relay(f.pool, f.redis, f.db.conninfo(), rc);
  ConsumerConfig cc = TestConsumerConfig();
  cc.claim_idle = absl::Seconds(30);
  Consumer consumer(f.pool, f.redis_config, cc, RecordEffect());

  for (int i = 0; i < 8; ++i)
    f.Produce("item-" + std::to_string(i), Event("tail-" + std::to_string(i)));
  Drain(f, relay);
  const std::string key = f.redis.Key(std::string(kStream));
  // What an append-only file fsynced every second keeps after a crash: the stream as it was
  // after its fifth entry (same ids, same last generated id), the last three gone.
  const redis::Reply all = f.redis.Command({"XRANGE", key, "-", "+"});
  REQUIRE(all.size() == 8);
  f.redis.Command({"DEL", key});
  for (size_t i = 0; i < 5; ++i) {
    std::vector<std::string> argv = {"XADD", key, std::string(all.at(i).at(0).str())};
    const redis::Reply fields = all.at(i).at(1);
    for (size_t j = 0; j < fields.size(); ++j)
      argv.emplace_back(fields.at(j).str());
    f.redis.Command(argv);
  }
  REQUIRE(f.StreamLength() == 5);

  Drain(f, relay);
  CHECK(relay.stats().losses == 1);
  CHECK(relay.stats().republished == 3);
  CHECK(f.StreamEventIds() == std::vector<std::string>{"tail-0", "tail-1", "tail-2", "tail-3",
                                                       "tail-4", "tail-5", "tail-6", "tail-7"});
  ConsumeAll(f, consumer, 8);
  CHECK(consumer.stats().duplicates == 0);
}

TEST_CASE("entries Redis holds beyond what the outbox recorded are not a loss") {
  Fixture f;
  RelayConfig rc;
  rc.verify_every = absl::ZeroDuration();
  Relay relay(f.pool, f.redis, f.db.conninfo(), rc);
  f.Produce("item-0", Event("more-0"));
  Drain(f, relay);
  // Another writer (or an XADD whose commit was lost) moved the stream ahead of the outbox.
  f.XAddRaw("raw-1", "ThingHappened", "p");
  f.Produce("item-1", Event("more-1"));
  Drain(f, relay);
  CHECK(relay.stats().losses == 0);
  CHECK(f.StreamEventIds() == std::vector<std::string>{"more-0", "raw-1", "more-1"});
}

}  // namespace pasar::events
