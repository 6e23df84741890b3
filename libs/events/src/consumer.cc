// The idempotent consumer of libs/events (pasar/events/events.h): consumer groups on the
// streams, one transaction per Redis batch, each event applied once (consumed_events). A batch
// records all its event ids in one statement and runs the handlers without savepoints; only a
// batch in which something failed is applied again entry by entry, a savepoint per entry.
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <mutex>

#include "absl/container/flat_hash_map.h"
#include "absl/time/clock.h"
#include "internal.h"
#include "pasar/events/events.h"
#include "pasar/log/log.h"

namespace pasar::events {
namespace {

constexpr pg::Query kMarkConsumed{
    "events_mark_consumed",
    "INSERT INTO consumed_events (consumer, event_id) VALUES ($1, $2) "
    "ON CONFLICT DO NOTHING RETURNING 1"};
// The whole batch's event ids at once: the ids returned are the ones not consumed before (an id
// twice in the batch is inserted, and returned, once).
constexpr pg::Query kMarkConsumedBatch{
    "events_mark_consumed_batch",
    "INSERT INTO consumed_events (consumer, event_id) SELECT $1, unnest($2::text[]) "
    "ON CONFLICT DO NOTHING RETURNING event_id"};
// One savepoint per consumed entry, reused by name: a failing handler rolls back its own entry
// only, and the rest of the batch commits in the same transaction.
constexpr pg::Query kSavepoint{"events_savepoint", "SAVEPOINT pasar_event"};
constexpr pg::Query kReleaseSavepoint{"events_release_savepoint", "RELEASE SAVEPOINT pasar_event"};
constexpr pg::Query kRollbackToSavepoint{"events_rollback_to_savepoint",
                                         "ROLLBACK TO SAVEPOINT pasar_event"};
constexpr pg::Query kPurgeConsumed{
    "events_purge_consumed",
    "DELETE FROM consumed_events WHERE (consumer, event_id) IN (SELECT consumer, event_id "
    "FROM consumed_events WHERE consumer = $1 AND consumed_at < now() - make_interval(secs => $2) "
    "LIMIT $3)"};

constexpr absl::Duration kConsumedPurgeEvery = absl::Minutes(10);
constexpr int kEntryAttempts = 3;  // runs of one entry's handler on a deadlock in its savepoint
using internal::kMaxBackoff;
using internal::kMinBackoff;
using internal::kPurgeLimit;
using internal::SleepUnlessStopped;

std::string HostName() {
  char buf[256] = {};
  if (gethostname(buf, sizeof(buf) - 1) != 0) return "host";
  return buf;
}

}  // namespace

// ---- Consumer --------------------------------------------------------------------------------

Consumer::Consumer(pg::Pool& pool, redis::Config redis, ConsumerConfig config, Handler handler)
    : pool_(pool),
      redis_(std::move(redis)),
      config_(std::move(config)),
      handler_(std::move(handler)) {
  if (config_.name.empty()) throw std::invalid_argument("events: Consumer needs a name");
  if (config_.streams.empty()) throw std::invalid_argument("events: Consumer needs streams");
  if (!handler_) throw std::invalid_argument("events: Consumer needs a handler");
  config_.threads = std::max(1, config_.threads);
  if (config_.consumer.empty()) {
    config_.consumer = config_.name + "-" + HostName() + "-" + std::to_string(getpid());
  }
}

Consumer::~Consumer() {
  Stop();
}

std::unique_ptr<redis::GroupReader> Consumer::MakeReader(int index) const {
  redis::GroupReaderConfig rc;
  for (const std::string& s : config_.streams)
    rc.streams.push_back(redis_.Key(s));
  rc.group = config_.name;
  rc.consumer = config_.consumer + "-" + std::to_string(index);
  rc.batch = config_.batch;
  rc.block = config_.block;
  rc.claim_idle = config_.claim_idle;
  rc.max_deliveries = config_.max_deliveries;
  return std::make_unique<redis::GroupReader>(redis_, std::move(rc));
}

void Consumer::Start() {
  if (!threads_.empty()) return;
  stop_ = false;
  for (int i = 0; i < config_.threads; ++i) {
    threads_.emplace_back([this, i] {
      std::unique_ptr<redis::GroupReader> reader;
      absl::Duration backoff = kMinBackoff;
      while (!stop_.load()) {
        try {
          if (reader == nullptr) reader = MakeReader(i);
          Process(*reader);
          if (i == 0) MaybePurge();
          backoff = kMinBackoff;
        } catch (const std::exception& e) {
          log::Log("error", "event consumer failed; retrying",
                   {{"component", "events"}, {"consumer", config_.name}, {"error", e.what()}});
          SleepUnlessStopped(backoff, stop_);
          backoff = std::min(backoff * 2, kMaxBackoff);
        }
      }
    });
  }
}

void Consumer::Stop() {
  stop_ = true;
  for (std::thread& t : threads_) {
    if (t.joinable()) t.join();
  }
  threads_.clear();
}

int Consumer::RunOnce() {
  if (once_reader_ == nullptr) once_reader_ = MakeReader(0);
  return Process(*once_reader_);
}

Consumer::Stats Consumer::stats() const {
  return Stats{applied_.load(), duplicates_.load(), failures_.load(), dead_lettered_.load(),
               skipped_.load()};
}

bool Consumer::Handles(std::string_view type) const {
  return config_.types.empty() ||
         std::find(config_.types.begin(), config_.types.end(), type) != config_.types.end();
}

void Consumer::MaybePurge() {
  const absl::Time now = absl::Now();
  if (now < next_purge_) return;
  next_purge_ = now + kConsumedPurgeEvery;
  try {
    // A full batch: more to purge, again after the next batch of events.
    if (PurgeOnce() >= kPurgeLimit) next_purge_ = now;
  } catch (const pg::Error& e) {
    log::Log("warn", "event consumer could not purge consumed_events",
             {{"component", "events"}, {"error", e.what()}});
  }
}

int64_t Consumer::PurgeOnce() {
  return pg::Exec(pool_, kPurgeConsumed, config_.name, absl::ToInt64Seconds(config_.purge_after),
                  int64_t{kPurgeLimit})
      .affected();
}

Consumer::Outcome Consumer::Apply(pg::Transaction& tx, const Delivery& d) {
  for (int attempt = 1;; ++attempt) {
    tx.Exec(kSavepoint);  // a failure here (e.g. the connection is gone) ends the batch
    try {
      const bool seen = tx.Exec(kMarkConsumed, config_.name, d.event_id).empty();
      if (!seen) handler_(tx, d);
      tx.Exec(kReleaseSavepoint);  // also fails when the handler swallowed a failed statement
      return seen ? Outcome::kDuplicate : Outcome::kApplied;
    } catch (const std::exception& e) {
      if (!tx.active()) throw;  // the handler finished the transaction: the batch cannot go on
      // Undoes the entry's effects and its consumed_events row; a failure here ends the batch.
      tx.Exec(kRollbackToSavepoint);
      tx.Exec(kReleaseSavepoint);
      const auto* pg_error = dynamic_cast<const pg::Error*>(&e);
      if (pg_error != nullptr && pg_error->serialization_failure() && attempt < kEntryAttempts) {
        pg::detail::BackoffBeforeRetry(attempt);
        continue;
      }
      log::Log("error", "event handler failed; the event stays pending",
               {{"component", "events"},
                {"consumer", config_.name},
                {"event_id", d.event_id},
                {"type", d.type},
                {"deliveries", std::to_string(d.deliveries)},
                {"error", e.what()}});
      return Outcome::kFailed;
    }
  }
}

std::vector<Consumer::Outcome> Consumer::ApplyAll(const std::vector<Delivery>& deliveries) {
  // The whole batch in one transaction (one durable commit); none when every entry was skipped.
  // When anything in it fails, the batch is applied again with a savepoint per entry, so that
  // only the failing entries stay pending. A batch holding a redelivered entry (one that failed
  // before, likely to fail again) goes entry by entry at once.
  std::vector<Outcome> outcomes;
  if (deliveries.empty()) return outcomes;
  const bool redelivered = std::any_of(deliveries.begin(), deliveries.end(),
                                       [](const Delivery& d) { return d.deliveries > 1; });
  bool batched = false;
  if (!redelivered) {
    try {
      outcomes = ApplyBatch(deliveries);
      batched = true;
    } catch (const std::exception& e) {
      log::Log("warn", "event batch failed; applying its events one by one",
               {{"component", "events"},
                {"consumer", config_.name},
                {"events", std::to_string(deliveries.size())},
                {"error", e.what()}});
    }
  }
  if (!batched) {
    try {
      outcomes = ApplyEach(deliveries);
    } catch (const std::exception& e) {
      log::Log("error", "event batch failed; its events stay pending",
               {{"component", "events"},
                {"consumer", config_.name},
                {"events", std::to_string(deliveries.size())},
                {"error", e.what()}});
      outcomes.assign(deliveries.size(), Outcome::kFailed);
    }
  }
  return outcomes;
}

std::vector<Consumer::Outcome> Consumer::ApplyBatch(const std::vector<Delivery>& deliveries) {
  std::vector<std::string_view> ids;
  ids.reserve(deliveries.size());
  for (const Delivery& d : deliveries)
    ids.push_back(d.event_id);
  return pg::WithTransaction(pool_, "consume_events", [&](pg::Transaction& tx) {
    // Ids not consumed before, with how many of their deliveries in this batch are still to run
    // (one: a second delivery of the same id in the batch is a duplicate).
    const pg::Result fresh = tx.Exec(kMarkConsumedBatch, config_.name, ids);
    absl::flat_hash_map<std::string, int> to_apply;
    to_apply.reserve(static_cast<size_t>(fresh.size()));
    for (int i = 0; i < fresh.size(); ++i)
      to_apply[fresh.Str(i, 0)] = 1;
    std::vector<Outcome> outcomes;
    outcomes.reserve(deliveries.size());
    for (const Delivery& d : deliveries) {
      auto it = to_apply.find(d.event_id);
      if (it == to_apply.end() || it->second == 0) {
        outcomes.push_back(Outcome::kDuplicate);
        continue;
      }
      it->second = 0;
      handler_(tx, d);  // a failure ends the batch (rolled back), then applied entry by entry
      outcomes.push_back(Outcome::kApplied);
    }
    tx.Commit();  // also fails when a handler swallowed a failed statement
    return outcomes;
  });
}

std::vector<Consumer::Outcome> Consumer::ApplyEach(const std::vector<Delivery>& deliveries) {
  std::vector<Outcome> outcomes;
  pg::WithTransaction(pool_, "consume_events_each", [&](pg::Transaction& tx) {
    outcomes.clear();  // a retried batch starts over
    for (const Delivery& d : deliveries)
      outcomes.push_back(Apply(tx, d));
    tx.Commit();
  });
  return outcomes;
}

int Consumer::Process(redis::GroupReader& reader) {
  const int64_t dead_before = reader.dead_lettered();
  std::vector<redis::Entry> entries = reader.Next();
  dead_lettered_ += reader.dead_lettered() - dead_before;
  const std::string& prefix = redis_.prefix;
  // Acknowledged after the batch: entries of types the handler ignores, then the ones applied.
  std::vector<redis::Entry> done;
  std::vector<Delivery> deliveries;
  std::vector<size_t> entry_of;  // deliveries[i] comes from entries[entry_of[i]]
  deliveries.reserve(entries.size());
  entry_of.reserve(entries.size());
  for (size_t i = 0; i < entries.size(); ++i) {
    redis::Entry& entry = entries[i];
    const std::string* id = entry.Field("id");
    if (id == nullptr || id->empty()) {
      ++failures_;  // stays pending, so it ends up in the dead-letter stream
      log::Log("error", "event without an id field",
               {{"component", "events"},
                {"consumer", config_.name},
                {"stream", entry.stream},
                {"entry_id", entry.id}});
      continue;
    }
    const std::string* type = entry.Field("type");
    if (!Handles(type == nullptr ? std::string_view() : std::string_view(*type))) {
      ++skipped_;  // nothing to apply, so nothing to record: PostgreSQL is not involved
      done.push_back(std::move(entry));
      continue;
    }
    Delivery& d = deliveries.emplace_back();
    d.event_id = *id;
    if (type != nullptr) d.type = *type;
    if (const std::string* v = entry.Field("aggregate")) d.aggregate_id = *v;
    if (const std::string* v = entry.Field("payload")) d.payload = *v;
    d.stream = entry.stream.substr(0, prefix.size()) == prefix ? entry.stream.substr(prefix.size())
                                                               : entry.stream;
    d.entry_id = entry.id;
    d.deliveries = entry.deliveries;
    entry_of.push_back(i);
  }

  const std::vector<Outcome> outcomes = ApplyAll(deliveries);
  for (size_t i = 0; i < deliveries.size(); ++i) {
    switch (outcomes[i]) {
      case Outcome::kApplied:
        ++applied_;
        break;
      case Outcome::kDuplicate:
        ++duplicates_;
        break;
      case Outcome::kFailed:
        ++failures_;  // stays pending: redelivered after claim_idle, dead-lettered at the limit
        continue;
    }
    done.push_back(std::move(entries[entry_of[i]]));
  }
  reader.Ack(done);  // after the commit: a crash in between means duplicates, skipped later
  return static_cast<int>(done.size());
}

}  // namespace pasar::events
