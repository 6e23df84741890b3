// pasar::events — transactional outbox, relay to Redis Streams, idempotent consumer.
//
//   producer tx: state change + AppendToOutbox(tx, event)      (one PostgreSQL transaction)
//   Relay:       outbox rows --XADD--> <prefix><stream>, PUBLISH "<aggregate> <type>" on
//                <prefix>live.<stream>                          (docs/conventions.md)
//   Consumer:    per XREADGROUP batch, one transaction (one durable commit): one INSERT records
//                every (consumer, event_id) of the batch in consumed_events and returns the new
//                ones, whose handlers then run in order; after the COMMIT, one XACK per stream of
//                the entries applied. When anything in the batch fails it is rolled back and
//                applied again with a savepoint per entry, so a failing handler rolls back its own
//                entry only (it stays pending); a duplicate delivery is skipped and acked.
//                Entries of types the handler does not act on (ConsumerConfig::types) are acked
//                without touching PostgreSQL.
//
// Tables (Migrations(), component "events") are unqualified: they are created in the service's
// schema through the pool's search_path, like the service's own tables.
//
// Differences from plan/lib-api.md (additions only):
//   - NotifyChannel(); RelayConfig::purge_after / purge_every / max_stream_length;
//   ConsumerConfig::consumer, batch, block, types.
//   - Delivery::deliveries; Consumer::stats() (counters for metrics); destructors stop threads.
//   - Relay ships one batch at a time per schema (a transaction-scoped advisory lock beside
//     FOR UPDATE SKIP LOCKED) so that a stream keeps the outbox order even with several relays.
//   - Consumer applies a whole XREADGROUP batch in one transaction (the plan had one transaction
//     per entry): one durable commit and about three round trips per batch instead of a commit
//     and three round trips per event; savepoints only for a batch in which something failed.
//   - AppendToOutbox of several events in one statement.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "absl/time/time.h"
#include "pasar/pg/migrate.h"
#include "pasar/pg/pg.h"
#include "pasar/redis/redis.h"

namespace pasar::events {

// outbox(id, event_id unique, stream, type, aggregate_id, payload bytea, created_at, sent_at,
// entry_ms, entry_seq) with a partial index on unsent rows; outbox_streams(stream, last_ms,
// last_seq); outbox_losses (every loss of Redis data the relay found);
// consumed_events(consumer, event_id, consumed_at).
std::vector<pg::Migration> Migrations();

struct OutboxEvent {
  std::string event_id;      // unique (UUID string); the consumers deduplicate on it
  std::string stream;        // logical stream, e.g. "events.order" (the relay adds the prefix)
  std::string type;          // e.g. "OrderPlaced"
  std::string aggregate_id;  // e.g. the order id
  std::string payload;       // bytes (a serialized pasar.events.v1.Envelope)
};

// INSERT into outbox within the caller's transaction, and pg_notify to wake the relays when it
// commits. Throws pg::Error (a reused event_id is a unique violation).
void AppendToOutbox(pg::Transaction& tx, const OutboxEvent& event);
// Several events of one transaction in one statement (one round trip), in the order given: a
// transaction that emits several events saves a round trip per event.
void AppendToOutbox(pg::Transaction& tx, std::span<const OutboxEvent> events);

// The notification channel AppendToOutbox notifies for `schema` ("pasar_outbox_<schema>").
std::string NotifyChannel(std::string_view schema);

struct RelayConfig {
  int batch = 200;
  absl::Duration idle_poll = absl::Milliseconds(200);  // longest sleep when nothing is pending
  // Sent rows older than this are deleted. It is also the bound of what the relay can ship
  // again when Redis loses its data: keep it well above the longest Redis outage or consumer
  // lag to survive, and below the consumers' deduplication window (consumed_events: 7 days).
  absl::Duration purge_after = absl::Hours(48);
  absl::Duration purge_every = absl::Minutes(5);
  // How often every stream is checked for lost entries even when nothing is being shipped.
  absl::Duration verify_every = absl::Seconds(1);
  int64_t max_stream_length = 1'000'000;  // XADD MAXLEN ~ (approximate trimming of old entries)
};

// Ships unsent outbox rows of the pool's schema: in one transaction, a batch selected FOR UPDATE
// SKIP LOCKED is XADDed in one pipeline (fields id, type, aggregate, payload) and marked sent
// with the entry id Redis gave each row; the live hints are published by the same script, just
// after its XADDs (a hint only wakes watchers, who re-read what their producer committed). A batch
// is five PostgreSQL round trips (BEGIN, lock, select, mark, COMMIT) and one Redis round trip: an
// event committed while a batch is being shipped waits for it (the event hop's latency).
//
// Redis may lose what it acknowledged (a restart without persistence, the last second of an
// append-only file fsynced every second, a failover to a lagging replica). The relay records per
// stream the last entry id it shipped (outbox_streams) and appends through a Lua script that
// first checks, atomically, that the stream's last generated id is not behind it. When it is
// (or the stream is gone), every sent row after what Redis still has is marked unsent again and
// shipped anew, in outbox order; the loss is logged and recorded in outbox_losses. Consumers
// deduplicate by event id, and their groups (created at 0, re-created on NOGROUP) read the new
// entries. Every stream is checked at least every verify_every, even when nothing is pending.
// Only rows still in the outbox can be shipped again: purge_after bounds what survives a loss.
// At-least-once: a crash between XADD and COMMIT ships the batch again, which consumers
// deduplicate; so does a PostgreSQL crash just after the COMMIT, which does not wait for the WAL
// flush (synchronous_commit off for this transaction only: sent_at is the only thing it writes).
// The thread ships batch after batch while rows are pending and otherwise waits for the NOTIFY of
// AppendToOutbox (at most idle_poll). Errors are logged to stderr (one JSON line) and retried with
// backoff by the thread.
class Relay final {
 public:
  Relay(pg::Pool& pool, redis::Client& redis, std::string conninfo_for_listen,
        RelayConfig config = {});
  ~Relay();  // Stop()
  Relay(const Relay&) = delete;
  Relay& operator=(const Relay&) = delete;

  void Start();  // starts the thread (idempotent)
  void Stop();   // stops and joins it (idempotent)
  // Ships at most one batch on the calling thread (and checks every stream for lost entries
  // when verify_every has passed); returns the number of rows shipped.
  // Throws pg::Error / redis::Error.
  int RunOnce();
  // One bounded purge (at most 1000 rows) of sent rows older than purge_after, on the calling
  // thread; returns the rows deleted. The thread runs it every purge_every, and again on its
  // next round while a purge deletes a full batch. Throws pg::Error.
  int64_t PurgeOnce();

  struct Stats {
    int64_t shipped = 0;      // rows XADDed and marked sent
    int64_t losses = 0;       // times a stream was found behind what was shipped
    int64_t republished = 0;  // rows marked unsent again after a loss
  };
  Stats stats() const;

 private:
  void Loop();
  void MaybePurge();

  pg::Pool& pool_;
  redis::Client& redis_;
  std::string conninfo_;
  RelayConfig config_;
  std::atomic<bool> stop_{false};
  std::thread thread_;
  absl::Time next_purge_ = absl::InfinitePast();
  absl::Time next_verify_ = absl::InfinitePast();
  std::atomic<int64_t> shipped_{0}, losses_{0}, republished_{0};
};

struct Delivery {
  std::string event_id, type, aggregate_id, payload;
  std::string stream;    // logical stream, e.g. "events.order"
  std::string entry_id;  // Redis stream entry id
  int64_t deliveries = 1;
};

// Runs inside the consumer's transaction; throw to refuse (the entry's writes are rolled back,
// the entry stays pending, is redelivered after claim_idle and dead-lettered after
// max_deliveries; the other entries of the batch still commit: the batch, rolled back, is applied
// again with a savepoint per entry). A handler may therefore run more than once for an event
// whose earlier run was rolled back: it must act only through `tx`. A deadlock or serialization
// failure in the handler reruns it (3 runs at most). The Consumer commits: the handler must neither
// commit nor roll back (doing so fails the whole batch, which is then redelivered and
// deduplicated).
using Handler = std::function<void(pg::Transaction&, const Delivery&)>;

struct ConsumerConfig {
  std::string name;                  // the group and the consumed_events.consumer, e.g. "inventory"
  std::vector<std::string> streams;  // logical, e.g. {"events.order"}
  int threads = 1;
  absl::Duration claim_idle = absl::Seconds(30);
  int max_deliveries = 5;
  std::string consumer;  // Redis consumer name; default "<name>-<host>-<pid>" (+ "-<thread>")
  int batch = 50;
  absl::Duration block = absl::Seconds(1);
  // The event types (entry field `type`, e.g. "OrderConfirmed") the handler acts on; empty means
  // all. An entry of another type (or without a type) is acknowledged without PostgreSQL: no
  // transaction, no savepoint, no consumed_events row, no handler call. A stream carries every
  // event of its producer, most of which a given consumer ignores, so this saves a write per
  // ignored event and the whole transaction of a batch with nothing to apply. A type missing from
  // the list is silently dropped: keep the list next to the handler's dispatch on type.
  std::vector<std::string> types;
  // consumed_events rows of this consumer older than this are purged (thread 0, every 10
  // minutes, in batches of 1000 until done): longer than any redelivery of an entry (the
  // stream's pending entries are claimed after claim_idle and dead-lettered after
  // max_deliveries), since an event delivered again after its row is gone is applied again.
  absl::Duration purge_after = absl::Hours(24 * 7);
};

class Consumer final {
 public:
  struct Stats {
    int64_t applied = 0;        // handler ran and committed
    int64_t duplicates = 0;     // already applied: skipped and acknowledged
    int64_t failures = 0;       // handler or batch transaction failed: left pending (per entry)
    int64_t dead_lettered = 0;  // moved to <stream>.dead
    int64_t skipped = 0;        // type not in ConsumerConfig::types: acknowledged, nothing run
  };

  Consumer(pg::Pool& pool, redis::Config redis, ConsumerConfig config, Handler handler);
  ~Consumer();  // Stop()
  Consumer(const Consumer&) = delete;
  Consumer& operator=(const Consumer&) = delete;

  void Start();  // `threads` threads, each with its own GroupReader (idempotent)
  void Stop();   // stops and joins them (within about `block`)
  // One batch on the calling thread (for tests and tools; do not mix with Start()); returns the
  // number of entries acknowledged: applied, skipped as duplicates, or skipped for their type.
  // Throws redis::Error when Redis is down.
  int RunOnce();
  // One bounded purge (at most 1000 rows) of this consumer's consumed_events rows older than
  // purge_after, on the calling thread; returns the rows deleted. Throws pg::Error.
  int64_t PurgeOnce();
  Stats stats() const;

 private:
  enum class Outcome { kApplied, kDuplicate, kFailed };
  int Process(redis::GroupReader& reader);
  // The outcome of each delivery: ApplyBatch, or ApplyEach when that failed or an entry is
  // redelivered. Never throws (a failed batch is all kFailed).
  std::vector<Outcome> ApplyAll(const std::vector<Delivery>& deliveries);
  // The batch in one transaction: its event ids recorded in one statement, the handlers run
  // without savepoints. Throws when anything failed (nothing of the batch is then committed).
  std::vector<Outcome> ApplyBatch(const std::vector<Delivery>& deliveries);
  // The batch in one transaction, a savepoint per entry (Apply): a failing entry is rolled back
  // alone. Throws when the transaction itself failed.
  std::vector<Outcome> ApplyEach(const std::vector<Delivery>& deliveries);
  // One entry under a savepoint of `tx`; throws when the transaction itself failed.
  Outcome Apply(pg::Transaction& tx, const Delivery& d);
  std::unique_ptr<redis::GroupReader> MakeReader(int index) const;
  bool Handles(std::string_view type) const;  // per ConsumerConfig::types
  void MaybePurge();  // consumed_events rows older than a week, bounded DELETE

  pg::Pool& pool_;
  redis::Config redis_;
  ConsumerConfig config_;
  Handler handler_;
  std::atomic<bool> stop_{false};
  std::vector<std::thread> threads_;
  std::unique_ptr<redis::GroupReader> once_reader_;
  std::atomic<int64_t> applied_{0}, duplicates_{0}, failures_{0}, dead_lettered_{0}, skipped_{0};
  absl::Time next_purge_ = absl::InfinitePast();  // used by thread 0 only
};

}  // namespace pasar::events
