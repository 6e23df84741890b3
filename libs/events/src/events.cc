#include "pasar/events/events.h"

#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <map>
#include <mutex>

#include "absl/strings/escaping.h"
#include "absl/time/clock.h"
#include "internal.h"
#include "pasar/log/log.h"

namespace pasar::events {
namespace {

// ---- SQL (component "events"; tables live in the service's schema) --------------------------

constexpr std::string_view kMigration1 = R"sql(
CREATE TABLE outbox (
  id           bigserial PRIMARY KEY,
  event_id     text NOT NULL UNIQUE,
  stream       text NOT NULL,
  type         text NOT NULL,
  aggregate_id text NOT NULL,
  payload      bytea NOT NULL,
  created_at   timestamptz NOT NULL DEFAULT now(),
  sent_at      timestamptz
);
CREATE INDEX outbox_unsent ON outbox (id) WHERE sent_at IS NULL;
CREATE INDEX outbox_sent ON outbox (sent_at) WHERE sent_at IS NOT NULL;

CREATE TABLE consumed_events (
  consumer    text NOT NULL,
  event_id    text NOT NULL,
  consumed_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (consumer, event_id)
);
CREATE INDEX consumed_events_at ON consumed_events (consumed_at);
)sql";

// What Redis acknowledged: the entry id XADD gave each row, and per stream the last entry id the
// relay recorded, so that the relay can tell when Redis has lost entries (see Relay).
constexpr std::string_view kMigration2 = R"sql(
ALTER TABLE outbox ADD COLUMN entry_ms bigint, ADD COLUMN entry_seq bigint;
CREATE TABLE outbox_streams (
  stream     text PRIMARY KEY,
  last_ms    bigint NOT NULL,
  last_seq   bigint NOT NULL,
  updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE TABLE outbox_losses (
  id           bigserial PRIMARY KEY,
  stream       text NOT NULL,
  expected     text NOT NULL,
  redis_last   text NOT NULL,
  republished  bigint NOT NULL,
  detected_at  timestamptz NOT NULL DEFAULT now()
);
)sql";

// The channel is derived from the schema the statement runs in, so every service's relays only
// wake for their own outbox.
constexpr std::string_view kChannelPrefix = "pasar_outbox_";

constexpr pg::Query kAppend{
    "events_append_outbox",
    "WITH ins AS (INSERT INTO outbox (event_id, stream, type, aggregate_id, payload) "
    "VALUES ($1, $2, $3, $4, $5) RETURNING id) "
    "SELECT pg_notify('pasar_outbox_' || current_schema(), '') FROM ins"};
// Several events in one statement, in the order given (ids follow WITH ORDINALITY); payloads
// travel as hex text (a text array cannot carry arbitrary bytes). One notification.
constexpr pg::Query kAppendMany{
    "events_append_outbox_many",
    "WITH ins AS (INSERT INTO outbox (event_id, stream, type, aggregate_id, payload) "
    "SELECT e, s, t, a, decode(p, 'hex') FROM unnest($1::text[], $2::text[], $3::text[], "
    "$4::text[], $5::text[]) WITH ORDINALITY AS v(e, s, t, a, p, n) ORDER BY n RETURNING id) "
    "SELECT pg_notify('pasar_outbox_' || current_schema(), '') FROM (SELECT 1 FROM ins LIMIT 1) "
    "AS one"};
constexpr pg::Query kCurrentSchema{"events_current_schema", "SELECT current_schema()"};
// The relay's round trips are the event hop's latency (an event committed while the relay ships
// a batch waits for the next one), so a batch takes as few statements as its steps allow: the
// lock, the batch with the recorded stream ids, the XADDs, the marks with the new stream ids.
//
// Relays ship one batch at a time per schema, so a stream keeps the outbox order. In the same
// statement: the relay's commit only records sent_at; losing it in a PostgreSQL crash ships the
// rows again, which consumers deduplicate, so it need not wait for the WAL flush (one fsync less
// per batch on the event hop's latency path): SET LOCAL synchronous_commit = off.
constexpr pg::Query kRelayLock{
    "events_relay_lock",
    "SELECT pg_try_advisory_xact_lock(1885434977, hashtext(current_schema())), "
    "set_config('synchronous_commit', 'off', true)"};
// The unsent rows of the batch (id not null, in outbox order), then the last entry id recorded
// per stream (outbox_streams: id null; stream, last_ms, last_seq). After the lock: a snapshot
// taken once the previous relay's batch is committed.
constexpr pg::Query kSelectBatch{
    "events_select_unsent",
    "WITH batch AS (SELECT id, event_id, stream, type, aggregate_id, payload FROM outbox "
    "WHERE sent_at IS NULL ORDER BY id LIMIT $1 FOR UPDATE SKIP LOCKED) "
    "SELECT id, event_id, stream, type, aggregate_id, payload, NULL::bigint AS last_ms, "
    "NULL::bigint AS last_seq FROM batch "
    "UNION ALL SELECT NULL, NULL, stream, NULL, NULL, NULL, last_ms, last_seq FROM outbox_streams "
    "ORDER BY 1 NULLS LAST"};
// The rows shipped, with their entry ids, and per stream the last entry id (one statement).
constexpr pg::Query kMarkSent{
    "events_mark_sent",
    "WITH sent AS (UPDATE outbox o SET sent_at = now(), entry_ms = v.ms, entry_seq = v.seq "
    "FROM unnest($1::bigint[], $2::bigint[], $3::bigint[]) AS v(id, ms, seq) WHERE o.id = v.id) "
    "INSERT INTO outbox_streams (stream, last_ms, last_seq) "
    "SELECT * FROM unnest($4::text[], $5::bigint[], $6::bigint[]) "
    "ON CONFLICT (stream) DO UPDATE SET last_ms = EXCLUDED.last_ms, last_seq = EXCLUDED.last_seq, "
    "updated_at = now()"};
constexpr pg::Query kRecordStreamLast{
    "events_record_stream_last",
    "INSERT INTO outbox_streams (stream, last_ms, last_seq) VALUES ($1, $2, $3) "
    "ON CONFLICT (stream) DO UPDATE SET last_ms = EXCLUDED.last_ms, last_seq = EXCLUDED.last_seq, "
    "updated_at = now()"};
// Every sent row of the stream that Redis no longer has goes back to unsent, so the relay ships
// it again in outbox order. When the whole stream is gone (last 0-0), rows sent before entry ids
// were recorded go too.
constexpr pg::Query kRepublish{
    "events_republish_lost",
    "UPDATE outbox SET sent_at = NULL, entry_ms = NULL, entry_seq = NULL "
    "WHERE stream = $1 AND sent_at IS NOT NULL AND ((entry_ms, entry_seq) > ($2::bigint, "
    "$3::bigint) OR (entry_ms IS NULL AND $2::bigint = 0 AND $3::bigint = 0))"};
constexpr pg::Query kRecordLoss{
    "events_record_loss",
    "INSERT INTO outbox_losses (stream, expected, redis_last, republished) "
    "VALUES ($1, $2, $3, $4)"};

// Checks, atomically inside Redis, that the stream still holds everything the outbox recorded as
// sent (its last generated id is not behind the recorded one), and only then appends the entries
// and publishes their live hints ("<aggregate> <type>", after the XADDs, in the same round trip:
// a hint only wakes watchers, who re-read what their producer committed before the relay saw it).
// A client that reconnects and retries cannot append to a stream that lost data in between.
//   KEYS[1] the stream; ARGV[1], ARGV[2]: recorded last id (ms, seq; 0 0 when none);
//   ARGV[3] MAXLEN; ARGV[4] the live channel; then 4 values per entry: id, type, aggregate,
//   payload.
//   Returns {0, "<ms>-<seq>"} when Redis is behind (nothing appended), else {1, entry ids...}.
constexpr std::string_view kCheckedXAdd = R"lua(
local last = '0-0'
local info = redis.pcall('XINFO', 'STREAM', KEYS[1])
if type(info) == 'table' and not info.err then
  for i = 1, #info, 2 do
    if info[i] == 'last-generated-id' then last = info[i + 1] end
  end
end
local dash = string.find(last, '-', 1, true)
local ms = tonumber(string.sub(last, 1, dash - 1))
local seq = tonumber(string.sub(last, dash + 1))
local want_ms = tonumber(ARGV[1])
local want_seq = tonumber(ARGV[2])
if ms < want_ms or (ms == want_ms and seq < want_seq) then return {0, last} end
local out = {1}
for b = 5, #ARGV, 4 do
  out[#out + 1] = redis.call('XADD', KEYS[1], 'MAXLEN', '~', ARGV[3], '*', 'id', ARGV[b],
                             'type', ARGV[b + 1], 'aggregate', ARGV[b + 2], 'payload', ARGV[b + 3])
end
for b = 5, #ARGV, 4 do
  redis.call('PUBLISH', ARGV[4], ARGV[b + 2] .. ' ' .. ARGV[b + 1])
end
return out
)lua";
constexpr pg::Query kPurgeSent{
    "events_purge_sent",
    "DELETE FROM outbox WHERE id IN (SELECT id FROM outbox WHERE sent_at IS NOT NULL "
    "AND sent_at < now() - make_interval(secs => $1) ORDER BY sent_at LIMIT $2)"};
using internal::kMaxBackoff;
using internal::kMinBackoff;
using internal::kPurgeLimit;
using internal::SleepUnlessStopped;

}  // namespace

void internal::SleepUnlessStopped(absl::Duration d, const std::atomic<bool>& stop) {
  const absl::Time until = absl::Now() + d;
  while (!stop.load()) {
    const absl::Duration left = until - absl::Now();
    if (left <= absl::ZeroDuration()) return;
    std::this_thread::sleep_for(absl::ToChronoMilliseconds(std::min(left, absl::Milliseconds(50))));
  }
}

// ---- Outbox ----------------------------------------------------------------------------------

std::vector<pg::Migration> Migrations() {
  return {pg::Migration{1, "outbox_and_consumed_events", std::string(kMigration1)},
          pg::Migration{2, "outbox_entry_ids", std::string(kMigration2)}};
}

std::string NotifyChannel(std::string_view schema) {
  return std::string(kChannelPrefix) + std::string(schema);
}

void AppendToOutbox(pg::Transaction& tx, const OutboxEvent& e) {
  tx.Exec(kAppend, e.event_id, e.stream, e.type, e.aggregate_id, pg::Bytea{e.payload});
}

void AppendToOutbox(pg::Transaction& tx, std::span<const OutboxEvent> events) {
  if (events.empty()) return;
  if (events.size() == 1) return AppendToOutbox(tx, events.front());
  std::vector<std::string_view> event_ids, streams, types, aggregates;
  std::vector<std::string> payloads;
  for (const OutboxEvent& e : events) {
    event_ids.push_back(e.event_id);
    streams.push_back(e.stream);
    types.push_back(e.type);
    aggregates.push_back(e.aggregate_id);
    payloads.push_back(absl::BytesToHexString(e.payload));
  }
  tx.Exec(kAppendMany, event_ids, streams, types, aggregates, payloads);
}

// ---- Relay -----------------------------------------------------------------------------------

Relay::Relay(pg::Pool& pool, redis::Client& redis, std::string conninfo_for_listen,
             RelayConfig config)
    : pool_(pool),
      redis_(redis),
      conninfo_(conninfo_for_listen.empty() ? pool.config().conninfo
                                            : std::move(conninfo_for_listen)),
      config_(config) {
  config_.batch = std::max(1, config_.batch);
}

Relay::~Relay() {
  Stop();
}

void Relay::Start() {
  if (thread_.joinable()) return;
  stop_ = false;
  thread_ = std::thread([this] { Loop(); });
}

void Relay::Stop() {
  stop_ = true;
  if (thread_.joinable()) thread_.join();
}

namespace {

// A Redis stream entry id, "<ms>-<seq>".
struct EntryId {
  int64_t ms = 0;
  int64_t seq = 0;
};

EntryId ParseEntryId(std::string_view id) {
  const size_t dash = id.find('-');
  if (dash == std::string_view::npos) throw redis::Error("redis: bad entry id " + std::string(id));
  return EntryId{std::stoll(std::string(id.substr(0, dash))),
                 std::stoll(std::string(id.substr(dash + 1)))};
}

std::string Format(EntryId id) {
  return std::to_string(id.ms) + "-" + std::to_string(id.seq);
}

// A stream Redis holds less of than the outbox shipped to it.
struct Loss {
  std::string stream;
  EntryId expected, redis_last;
  int64_t republished = 0;
};
// The rows of one stream in a batch (indices into the batch's result).
struct PerStream {
  std::string stream;
  std::vector<int> rows;
};

// The rows of kSelectBatch's result that are the batch (the first ones, with an id).
int BatchRows(const pg::Result& rows) {
  int n = 0;
  while (n < rows.size() && rows.OptInt(n, 0).has_value())
    ++n;
  return n;
}

// The last entry id recorded per stream: kSelectBatch's rows after the batch.
std::map<std::string, EntryId> RecordedLasts(const pg::Result& rows, int batch_rows) {
  std::map<std::string, EntryId> recorded;
  for (int i = batch_rows; i < rows.size(); ++i)
    recorded[rows.Str(i, 2)] = EntryId{rows.Int(i, 6), rows.Int(i, 7)};
  return recorded;
}

// The batch per stream, streams in order of their first row; with verify_all, every stream the
// outbox ever shipped to is checked, with no entries when it has none in this batch.
std::vector<PerStream> GroupByStream(const pg::Result& rows, int batch_rows,
                                     const std::map<std::string, EntryId>& recorded,
                                     bool verify_all) {
  std::vector<PerStream> streams;
  auto slot = [&](const std::string& stream) -> PerStream& {
    for (PerStream& p : streams) {
      if (p.stream == stream) return p;
    }
    return streams.emplace_back(PerStream{stream, {}});
  };
  for (int i = 0; i < batch_rows; ++i)
    slot(rows.Str(i, 2)).rows.push_back(i);
  if (verify_all) {
    for (const auto& [stream, last] : recorded)
      slot(stream);
  }
  return streams;
}

// One checked XADD (kCheckedXAdd) per stream: the id Redis must still hold, then the entries.
std::vector<std::vector<std::string>> CheckedXAdds(const std::vector<PerStream>& streams,
                                                   const pg::Result& rows,
                                                   const std::map<std::string, EntryId>& recorded,
                                                   const redis::Client& redis,
                                                   int64_t max_stream_length) {
  std::vector<std::vector<std::string>> cmds;
  cmds.reserve(streams.size());
  for (const PerStream& p : streams) {
    const EntryId want = recorded.count(p.stream) ? recorded.at(p.stream) : EntryId{};
    std::vector<std::string>& cmd = cmds.emplace_back();
    cmd.reserve(8 + 4 * p.rows.size());
    cmd.insert(cmd.end(), {"EVAL", std::string(kCheckedXAdd), "1", redis.Key(p.stream),
                           std::to_string(want.ms), std::to_string(want.seq),
                           std::to_string(max_stream_length), redis.Key("live." + p.stream)});
    for (int i : p.rows) {
      cmd.insert(cmd.end(), {rows.Str(i, 1), rows.Str(i, 3), rows.Str(i, 4), rows.Bytes(i, 5)});
    }
  }
  return cmds;
}

// Redis no longer holds what it acknowledged on `stream` (`reply` is the script's refusal, with
// the last id Redis has): everything after that is marked unsent to be shipped again (this
// batch's rows of the stream stay unsent and follow in order), and the loss is recorded.
Loss RecordLoss(pg::Transaction& tx, const std::string& stream, EntryId expected,
                const redis::Reply& reply) {
  Loss loss{stream, expected, ParseEntryId(reply.at(1).str()), 0};
  loss.republished =
      tx.Exec(kRepublish, stream, loss.redis_last.ms, loss.redis_last.seq).affected();
  tx.Exec(kRecordStreamLast, stream, loss.redis_last.ms, loss.redis_last.seq);
  tx.Exec(kRecordLoss, stream, Format(loss.expected), Format(loss.redis_last), loss.republished);
  return loss;
}

void LogLoss(const Loss& loss) {
  log::Log("error", "redis lost events the outbox had shipped; shipping them again",
           {{"component", "events"},
            {"stream", loss.stream},
            {"recorded_last", Format(loss.expected)},
            {"redis_last", Format(loss.redis_last)},
            {"republished", std::to_string(loss.republished)}});
}

}  // namespace

int Relay::RunOnce() {
  std::vector<Loss> losses;
  const absl::Time now = absl::Now();
  const bool verify_all = now >= next_verify_;
  const int shipped = pg::WithTransaction(pool_, "outbox_relay", [&](pg::Transaction& tx) {
    losses.clear();
    if (!tx.Exec(kRelayLock).Bool(0, 0)) return 0;  // another relay is shipping a batch
    const pg::Result rows = tx.Exec(kSelectBatch, config_.batch);
    const int batch_rows = BatchRows(rows);
    if (batch_rows == 0 && !verify_all) return 0;
    std::map<std::string, EntryId> recorded = RecordedLasts(rows, batch_rows);
    const std::vector<PerStream> streams = GroupByStream(rows, batch_rows, recorded, verify_all);
    const std::vector<redis::Reply> replies =
        redis_.Pipeline(CheckedXAdds(streams, rows, recorded, redis_, config_.max_stream_length));
    std::vector<int64_t> ids, entry_ms, entry_seq, last_ms, last_seq;
    std::vector<std::string_view> last_streams;
    for (size_t k = 0; k < streams.size(); ++k) {
      const PerStream& p = streams[k];
      const redis::Reply& r = replies.at(k);
      if (r.is_error()) throw redis::CommandError("redis: relay XADD: " + std::string(r.str()));
      if (r.at(0).integer() == 0) {
        losses.push_back(RecordLoss(tx, p.stream, recorded[p.stream], r));
        continue;
      }
      if (r.size() != p.rows.size() + 1) throw redis::Error("redis: relay: short XADD reply");
      EntryId last;
      for (size_t j = 0; j < p.rows.size(); ++j) {
        const int i = p.rows[j];
        last = ParseEntryId(r.at(j + 1).str());
        ids.push_back(rows.Int(i, 0));
        entry_ms.push_back(last.ms);
        entry_seq.push_back(last.seq);
      }
      if (!p.rows.empty()) {
        last_streams.push_back(p.stream);
        last_ms.push_back(last.ms);
        last_seq.push_back(last.seq);
      }
    }
    if (!ids.empty()) tx.Exec(kMarkSent, ids, entry_ms, entry_seq, last_streams, last_ms, last_seq);
    tx.Commit();
    return static_cast<int>(ids.size());
  });
  if (verify_all) next_verify_ = now + config_.verify_every;
  shipped_ += shipped;
  for (const Loss& loss : losses) {
    ++losses_;
    republished_ += loss.republished;
    LogLoss(loss);
  }
  return shipped;
}

Relay::Stats Relay::stats() const {
  return Stats{shipped_.load(), losses_.load(), republished_.load()};
}

void Relay::MaybePurge() {
  const absl::Time now = absl::Now();
  if (now < next_purge_) return;
  next_purge_ = now + config_.purge_every;
  if (PurgeOnce() >= kPurgeLimit) next_purge_ = now;  // more to purge: again on the next round
}

int64_t Relay::PurgeOnce() {
  return pg::Exec(pool_, kPurgeSent, absl::ToInt64Seconds(config_.purge_after),
                  int64_t{kPurgeLimit})
      .affected();
}

void Relay::Loop() {
  std::unique_ptr<pg::Listener> listener;
  absl::Duration backoff = kMinBackoff;
  while (!stop_.load()) {
    try {
      if (listener == nullptr) {
        const std::string schema = pg::Exec(pool_, kCurrentSchema).Str(0, 0);
        listener = std::make_unique<pg::Listener>(conninfo_, NotifyChannel(schema));
      }
      const int64_t losses = losses_.load();
      const int shipped = RunOnce();
      MaybePurge();
      backoff = kMinBackoff;
      // After a loss, the rows marked unsent again are shipped at once.
      if (shipped == 0 && losses_.load() == losses) listener->Wait(config_.idle_poll);
    } catch (const std::exception& e) {
      log::Log("error", "outbox relay failed; retrying",
               {{"component", "events"},
                {"error", e.what()},
                {"retry_in_ms", std::to_string(absl::ToInt64Milliseconds(backoff))}});
      SleepUnlessStopped(backoff, stop_);
      backoff = std::min(backoff * 2, kMaxBackoff);
    }
  }
}

}  // namespace pasar::events
