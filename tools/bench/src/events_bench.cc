// pasar-bench-events: the event hop outbox -> relay -> Redis Streams -> consumer, with the real
// libs/events Relay and Consumer on a real PostgreSQL (durable commits) and Redis.
//
//   pasar-bench-events --pg CONNINFO --redis URL [--rate 1000] [--duration 20]
//                      [--peak-duration 10] [--producers 16] [--peak-batch 10]
//                      [--consumer-threads 2] [--append batch|each]
//
// Phase 1, open loop: events are appended at a fixed rate (one producer transaction each:
// AppendToOutbox + COMMIT), spread over --producers threads. The hop latency of an event is the
// time from its producer's COMMIT returning to the consumer's handler seeing it (also reported:
// from just before AppendToOutbox, which adds the producer's own transaction). Late producers do
// not hide delay: the intended send time is also recorded and "from_intended" reported.
// Phase 2, peak: producers append --peak-batch events per transaction as fast as they can; the
// peak is the rate at which the consumer applied events during the phase. A transaction's events
// go into the outbox in one statement (--append batch, AppendToOutbox of a span, as a service
// emitting several events in one transaction does) or one statement each (--append each).
// Works in a schema of its own (dropped at the end) and a Redis prefix of its own (deleted).
// Prints one JSON object on stdout. Checks that every event of both phases reached the handler
// and that none was dead-lettered: "check_ok" and "problems" in the JSON, exit status 1
// when one failed. PASAR_BENCH_BREAK=events-lost|events-dead (breakage.h) breaks the consumer on
// purpose, for the test of these checks.
#include <atomic>
#include <chrono>
#include <cstdint>
#include <iostream>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "breakage.h"
#include "histogram.h"
#include "nlohmann/json.hpp"
#include "pasar/events/events.h"
#include "pasar/ids/ids.h"
#include "pasar/pg/migrate.h"
#include "pasar/pg/pg.h"
#include "pasar/redis/redis.h"
#include "pasar/town/flags.h"

namespace {

using Clock = std::chrono::steady_clock;
using pasar::bench::Histogram;

constexpr std::string_view kStream = "events.bench";

int64_t NowNs() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(Clock::now().time_since_epoch())
      .count();
}
// Wall-clock time (the clock PostgreSQL's now() and Redis's entry ids read), for the stages.
int64_t WallNs() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// Per-event timestamps of phase 1, written by producers and the consumer (each slot once).
struct Stamps {
  explicit Stamps(size_t n)
      : intended(n), appended(n), committed(n), consumed(n), committed_wall(n), consumed_wall(n) {}
  std::vector<int64_t> intended;
  std::vector<int64_t> appended;
  std::vector<std::atomic<int64_t>> committed;
  std::vector<std::atomic<int64_t>> consumed;
  std::vector<std::atomic<int64_t>> committed_wall;  // the same instants on the wall clock
  std::vector<std::atomic<int64_t>> consumed_wall;
};

// Where phase 1's hop goes, per event, from what the pipeline recorded itself: the relay's
// transaction start (outbox.sent_at = now()), the XADD (the entry id's milliseconds, so +-0.5 ms),
// the consumer's transaction start (consumed_events.consumed_at = now()); plus the batch sizes
// (events per relay transaction, per consumer transaction).
constexpr pasar::pg::Query kStageTimes{
    "bench_stage_times",
    "SELECT convert_from(o.payload, 'UTF8')::bigint, "
    "(extract(epoch FROM o.sent_at) * 1e6)::bigint, o.entry_ms, "
    "(extract(epoch FROM c.consumed_at) * 1e6)::bigint, "
    "count(*) OVER (PARTITION BY o.sent_at), count(*) OVER (PARTITION BY c.consumed_at) "
    "FROM outbox o JOIN consumed_events c ON c.event_id = o.event_id AND c.consumer = 'bench' "
    "WHERE o.payload <> '\\x2d31'::bytea ORDER BY o.id"};  // not phase 2's "-1"

nlohmann::json StageBreakdown(pasar::pg::Pool& pool, const Stamps& stamps) {
  using pasar::bench::LatencySummaryMicros;
  Histogram to_relay, relay_to_xadd, xadd_to_consumer, consumer_to_handler, relay_batch,
      consumer_batch;
  nlohmann::json slow = nlohmann::json::array();  // the first events of a hop over 50 ms
  const pasar::pg::Result r = pasar::pg::Exec(pool, kStageTimes);
  for (int i = 0; i < r.size(); ++i) {
    const int64_t seq = r.Int(i, 0);
    if (seq < 0 || static_cast<size_t>(seq) >= stamps.committed_wall.size()) continue;
    const int64_t committed = stamps.committed_wall[seq].load();
    const int64_t handled = stamps.consumed_wall[seq].load();
    if (committed == 0 || handled == 0) continue;
    const int64_t relay = r.Int(i, 1) * 1000;
    const int64_t xadd = r.Int(i, 2) * 1'000'000 + 500'000;
    const int64_t consumer = r.Int(i, 3) * 1000;
    to_relay.Record(relay - committed);
    relay_to_xadd.Record(xadd - relay);
    xadd_to_consumer.Record(xadd > consumer ? 0 : consumer - xadd);
    consumer_to_handler.Record(handled - consumer);
    relay_batch.Record(r.Int(i, 4));
    consumer_batch.Record(r.Int(i, 5));
    if (handled - committed > 50'000'000 && slow.size() < 10) {
      slow.push_back(
          {{"seq", seq},
           {"committed_ms_into_phase", (committed - stamps.committed_wall[0].load()) / 1e6},
           {"to_relay_tx_ms", (relay - committed) / 1e6},
           {"relay_tx_to_xadd_ms", (xadd - relay) / 1e6},
           {"xadd_to_consumer_tx_ms", (consumer - xadd) / 1e6},
           {"consumer_tx_to_handler_ms", (handled - consumer) / 1e6}});
    }
  }
  const auto batch = [](const Histogram& h) {
    return nlohmann::json{
        {"mean", h.mean()}, {"p50", h.Quantile(0.5)}, {"p99", h.Quantile(0.99)}, {"max", h.max()}};
  };
  return {{"events", to_relay.count()},
          {"commit_to_relay_tx_us", LatencySummaryMicros(to_relay)},
          {"relay_tx_to_xadd_us", LatencySummaryMicros(relay_to_xadd)},
          {"xadd_to_consumer_tx_us", LatencySummaryMicros(xadd_to_consumer)},
          {"consumer_tx_to_handler_us", LatencySummaryMicros(consumer_to_handler)},
          {"events_per_relay_tx", batch(relay_batch)},
          {"events_per_consumer_tx", batch(consumer_batch)},
          {"slow", slow}};
}

// The payload carries the event's sequence number (phase 1) or -1 (phase 2).
std::string Payload(int64_t seq) {
  return std::to_string(seq);
}

void AppendOne(pasar::pg::Pool& pool, int64_t seq, int count, bool each) {
  std::vector<pasar::events::OutboxEvent> events;
  for (int i = 0; i < count; ++i) {
    const std::string id = pasar::ids::RandomUuid();
    events.push_back({.event_id = id,
                      .stream = std::string(kStream),
                      .type = "BenchEvent",
                      .aggregate_id = id,
                      .payload = Payload(seq)});
  }
  pasar::pg::Transaction tx(pool, "bench_append");
  if (each) {
    for (const pasar::events::OutboxEvent& e : events)
      pasar::events::AppendToOutbox(tx, e);
  } else {
    pasar::events::AppendToOutbox(tx, std::span<const pasar::events::OutboxEvent>(events));
  }
  tx.Commit();
}

// DROP SCHEMA cannot take its name as a parameter; the name was generated here ([a-z0-9_]),
// and the statement runs once per process, so its one name always maps to the same SQL.
void DropSchema(const std::string& conninfo, const std::string& schema) {
  pasar::pg::Pool admin({.conninfo = conninfo, .size = 1});
  const std::string sql = "DROP SCHEMA IF EXISTS " + schema + " CASCADE";
  pasar::pg::Exec(admin, pasar::pg::Query{"bench_drop_schema", sql});
}

}  // namespace

int main(int argc, char** argv) try {
  const pasar::town::Flags flags(argc, argv);
  flags.AllowOnly({"pg", "redis", "rate", "duration", "peak-duration", "producers", "peak-batch",
                   "consumer-threads", "append"});
  const std::string conninfo = flags.Required("pg");
  const double rate = flags.Double("rate", 1000);
  const double duration = flags.Double("duration", 20);
  const double peak_duration = flags.Double("peak-duration", 10);
  const int producers = static_cast<int>(flags.Int("producers", 16));
  const int peak_batch = static_cast<int>(flags.Int("peak-batch", 10));
  const int consumer_threads = static_cast<int>(flags.Int("consumer-threads", 2));
  const std::string append = flags.Str("append", "batch");
  if (append != "batch" && append != "each") throw std::invalid_argument("--append: batch or each");
  const bool append_each = append == "each";
  // Broken on purpose: the handler ignores (lost) or fails (dead) every 100th event of phase 1.
  const bool lose = pasar::bench::Broken("events-lost");
  const bool fail = pasar::bench::Broken("events-dead");

  const std::string tag = pasar::ids::RandomUuid().substr(0, 8);  // [0-9a-f]: schema-safe
  const std::string schema = "bench_events_" + tag;
  pasar::pg::Pool pool({.conninfo = conninfo,
                        .search_path = schema,
                        .size = producers + consumer_threads + 4,
                        .acquire_timeout = absl::Seconds(10)});
  pasar::pg::Migrate(pool, schema, "events", pasar::events::Migrations());
  const pasar::redis::Config redis_config =
      pasar::redis::ConfigFromUrl(flags.Required("redis"), "bench-events-" + tag + ":");
  pasar::redis::Client redis(redis_config);

  const auto n = static_cast<size_t>(rate * duration);
  Stamps stamps(n);
  std::atomic<int64_t> consumed_total{0};
  pasar::events::ConsumerConfig consumer_config;
  consumer_config.name = "bench";
  consumer_config.streams = {std::string(kStream)};
  consumer_config.threads = consumer_threads;
  consumer_config.block = absl::Milliseconds(500);
  if (fail) {  // failing entries are retried soon and dead-lettered at their second delivery
    consumer_config.claim_idle = absl::Milliseconds(200);
    consumer_config.max_deliveries = 2;
  }
  pasar::events::Consumer consumer(
      pool, redis_config, consumer_config,
      [&](pasar::pg::Transaction&, const pasar::events::Delivery& d) {
        const int64_t now = NowNs();
        const int64_t seq = std::stoll(d.payload);
        const bool broken = seq >= 0 && seq % 100 == 99;
        if (fail && broken) throw std::runtime_error("broken");
        if (seq >= 0 && static_cast<size_t>(seq) < n && !(lose && broken)) {
          stamps.consumed[seq].store(now);
          stamps.consumed_wall[seq].store(WallNs());
        }
        consumed_total.fetch_add(1);
      });
  pasar::events::Relay relay(pool, redis, conninfo);
  relay.Start();
  consumer.Start();
  // Events the handler saw or the consumer dead-lettered. drain(target) waits until they reach
  // `target` for as long as the consumer makes progress: a slow machine is not a loss, 10 s
  // without one more event handled is.
  const auto handled = [&] { return consumed_total.load() + consumer.stats().dead_lettered; };
  const auto drain = [&](int64_t target) {
    int64_t last = handled();
    absl::Time progress_at = absl::Now();
    while (handled() < target && absl::Now() < progress_at + absl::Seconds(10)) {
      absl::SleepFor(absl::Milliseconds(20));
      if (const int64_t now = handled(); now != last) {
        last = now;
        progress_at = absl::Now();
      }
    }
  };

  // ---- phase 1: open loop at `rate`.
  const int64_t start = NowNs() + 200'000'000;
  const double interval_ns = 1e9 / rate;
  for (size_t i = 0; i < n; ++i) {
    stamps.intended[i] = start + static_cast<int64_t>(static_cast<double>(i) * interval_ns);
  }
  {
    std::vector<std::thread> threads;
    for (int p = 0; p < producers; ++p) {
      threads.emplace_back([&, p] {
        for (size_t i = p; i < n; i += producers) {
          const int64_t wait = stamps.intended[i] - NowNs();
          if (wait > 0) std::this_thread::sleep_for(std::chrono::nanoseconds(wait));
          stamps.appended[i] = NowNs();
          AppendOne(pool, static_cast<int64_t>(i), 1, append_each);
          stamps.committed[i].store(NowNs());
          stamps.committed_wall[i].store(WallNs());
        }
      });
    }
    for (auto& t : threads)
      t.join();
  }
  drain(static_cast<int64_t>(n));
  Histogram from_commit, from_append, from_intended;
  int64_t lost = 0;
  for (size_t i = 0; i < n; ++i) {
    const int64_t c = stamps.consumed[i].load();
    if (c == 0) {
      ++lost;
      continue;
    }
    from_commit.Record(c - stamps.committed[i].load());
    from_append.Record(c - stamps.appended[i]);
    from_intended.Record(c - stamps.intended[i]);
  }
  const double achieved_rate =
      n > 1 ? static_cast<double>(n - 1) * 1e9 /
                  static_cast<double>(stamps.committed[n - 1].load() - stamps.committed[0].load())
            : 0.0;

  const nlohmann::json stages = StageBreakdown(pool, stamps);

  // ---- phase 2: peak.
  const int64_t before = consumed_total.load();
  const int64_t handled_before = handled();
  std::atomic<bool> stop{false};
  std::atomic<int64_t> produced{0};
  const int64_t peak_start = NowNs();
  {
    std::vector<std::thread> threads;
    for (int p = 0; p < producers; ++p) {
      threads.emplace_back([&] {
        while (!stop.load()) {
          AppendOne(pool, -1, peak_batch, append_each);
          produced.fetch_add(peak_batch);
        }
      });
    }
    std::this_thread::sleep_for(std::chrono::duration<double>(peak_duration));
    stop.store(true);
    for (auto& t : threads)
      t.join();
  }
  const double peak_seconds = static_cast<double>(NowNs() - peak_start) / 1e9;
  const int64_t consumed_in_peak = consumed_total.load() - before;
  // Let the backlog drain (every produced event checked below); report how long it took.
  const int64_t drain_start = NowNs();
  drain(handled_before + produced.load());
  const double drain_seconds = static_cast<double>(NowNs() - drain_start) / 1e9;
  const int64_t consumed_after_drain = consumed_total.load() - before;

  consumer.Stop();
  relay.Stop();
  const auto stats = consumer.stats();
  redis.Command({"DEL", redis.Key(kStream), redis.Key(std::string(kStream) + ".dead")});
  DropSchema(conninfo, schema);

  std::vector<std::string> problems;
  if (lost > 0) {
    problems.push_back(absl::StrCat("not consumed: ", lost, " of the open loop's ", n, " events"));
  }
  if (consumed_after_drain < produced.load()) {
    problems.push_back(absl::StrCat("not consumed: ", produced.load() - consumed_after_drain,
                                    " of the peak's ", produced.load(), " events"));
  }
  if (stats.dead_lettered > 0) {
    problems.push_back(absl::StrCat("dead-lettered: ", stats.dead_lettered, " events"));
  }

  nlohmann::json out{{"open_loop",
                      {{"rate", rate},
                       {"achieved_rate", achieved_rate},
                       {"events", n},
                       {"not_consumed", lost},
                       {"producers", producers},
                       {"hop_from_commit_us", pasar::bench::LatencySummaryMicros(from_commit)},
                       {"from_append_us", pasar::bench::LatencySummaryMicros(from_append)},
                       {"from_intended_us", pasar::bench::LatencySummaryMicros(from_intended)},
                       {"stages", stages}}},
                     {"peak",
                      {{"seconds", peak_seconds},
                       {"produced", produced.load()},
                       {"produced_per_s", static_cast<double>(produced.load()) / peak_seconds},
                       {"consumed", consumed_in_peak},
                       {"consumed_per_s", static_cast<double>(consumed_in_peak) / peak_seconds},
                       {"events_per_transaction", peak_batch},
                       {"append", append},
                       {"consumer_threads", consumer_threads},
                       {"drain_seconds", drain_seconds},
                       {"consumed_after_drain", consumed_after_drain},
                       {"not_consumed", produced.load() - consumed_after_drain},
                       {"end_to_end_per_s", static_cast<double>(consumed_after_drain) /
                                                (peak_seconds + drain_seconds)}}},
                     {"consumer",
                      {{"applied", stats.applied},
                       {"duplicates", stats.duplicates},
                       {"failures", stats.failures},
                       {"dead_lettered", stats.dead_lettered}}},
                     {"problems", problems},
                     {"check_ok", problems.empty()}};
  std::cout << out.dump() << std::endl;
  for (const std::string& p : problems)
    std::cerr << "pasar-bench-events: check failed: " << p << "\n";
  return problems.empty() ? 0 : 1;
} catch (const std::exception& e) {
  std::cerr << "pasar-bench-events: " << e.what() << std::endl;
  return 1;
}
