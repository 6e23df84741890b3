#include <algorithm>
#include <map>

#include "absl/time/clock.h"
#include "connection.h"
#include "pasar/log/log.h"
#include "pasar/redis/redis.h"

namespace pasar::redis {
namespace {

constexpr std::string_view kDeadSuffix = ".dead";
constexpr std::string_view kOriginField = "origin_id";

bool StartsWith(std::string_view s, std::string_view p) {
  return s.substr(0, p.size()) == p;
}

std::string Millis(absl::Duration d) {
  return std::to_string(std::max<int64_t>(1, absl::ToInt64Milliseconds(d)));
}

// [id, [field, value, ...] | nil] -> Entry (fields empty when the entry was deleted).
Entry ParseEntry(const std::string& stream, const Reply& r) {
  Entry e;
  e.stream = stream;
  e.id = std::string(r.at(0).str());
  if (r.size() > 1) {
    const Reply fv = r.at(1);
    for (size_t i = 0; i + 1 < fv.size(); i += 2) {
      e.fields.emplace_back(std::string(fv.at(i).str()), std::string(fv.at(i + 1).str()));
    }
  }
  return e;
}

}  // namespace

const std::string* Entry::Field(std::string_view name) const {
  for (const auto& [k, v] : fields) {
    if (k == name) return &v;
  }
  return nullptr;
}

GroupReader::GroupReader(Config config, GroupReaderConfig reader)
    : config_(std::move(config)), reader_(std::move(reader)) {
  if (reader_.streams.empty()) throw Error("redis: GroupReader needs at least one stream");
  if (reader_.group.empty() || reader_.consumer.empty()) {
    throw Error("redis: GroupReader needs a group and a consumer name");
  }
  reader_.batch = std::max(1, reader_.batch);
  conn_ = std::make_unique<Connection>(config_);
  claim_cursor_.assign(reader_.streams.size(), "0-0");
  EnsureConnected();
}

GroupReader::~GroupReader() = default;

void GroupReader::EnsureConnected() {
  if (conn_->connected()) return;
  conn_->ConnectWithBackoff(config_.connect_timeout);
  CreateGroups();
  // After a reconnection, start again with our own pending entries.
  draining_own_ = true;
  pending_cursor_.assign(reader_.streams.size(), "0");
}

void GroupReader::CreateGroups() {
  std::vector<std::vector<std::string>> cmds;
  for (const std::string& s : reader_.streams) {
    cmds.push_back({"XGROUP", "CREATE", s, reader_.group, "0", "MKSTREAM"});
  }
  for (const Reply& r : conn_->RunPipeline(cmds, config_.command_timeout)) {
    if (r.is_error() && !StartsWith(r.str(), "BUSYGROUP")) Check(r);
  }
}

// One command with one retry: after an I/O error (reconnecting), or after NOGROUP (the server
// lost the stream, e.g. restarted without persistence: the groups are created again).
Reply GroupReader::Run(const std::vector<std::string>& argv, absl::Duration timeout) {
  for (int attempt = 0;; ++attempt) {
    EnsureConnected();
    try {
      Reply r = conn_->Run(argv, timeout);
      if (r.is_error() && StartsWith(r.str(), "NOGROUP") && attempt == 0) {
        CreateGroups();
        continue;
      }
      return Check(r);
    } catch (const ConnectionError&) {
      if (attempt > 0) throw;
    }
  }
}

std::vector<Reply> GroupReader::RunPipeline(const std::vector<std::vector<std::string>>& cmds) {
  for (int attempt = 0;; ++attempt) {
    EnsureConnected();
    try {
      return conn_->RunPipeline(cmds, config_.command_timeout);
    } catch (const ConnectionError&) {
      if (attempt > 0) throw;
    }
  }
}

std::vector<Entry> GroupReader::Next() {
  EnsureConnected();
  if (draining_own_) {
    std::vector<Entry> own = ReadOwnPending();
    if (!own.empty()) return own;
  }
  std::vector<Entry> claimed = Claim();
  if (!claimed.empty()) return claimed;
  return ReadNew();
}

std::vector<Entry> GroupReader::ReadOwnPending() {
  while (draining_own_) {
    std::vector<std::string> argv = {"XREADGROUP",     "GROUP", reader_.group,
                                     reader_.consumer, "COUNT", std::to_string(reader_.batch),
                                     "STREAMS"};
    std::vector<size_t> asked;
    for (size_t i = 0; i < reader_.streams.size(); ++i) {
      if (!pending_cursor_[i].empty()) {
        argv.push_back(reader_.streams[i]);
        asked.push_back(i);
      }
    }
    if (asked.empty()) {
      draining_own_ = false;
      break;
    }
    for (size_t i : asked)
      argv.push_back(pending_cursor_[i]);
    const Reply r = Run(argv, config_.command_timeout);
    std::map<std::string, std::vector<Entry>> by_stream;
    for (size_t i = 0; i < r.size(); ++i) {
      const Reply s = r.at(i);
      std::string name(s.at(0).str());
      const Reply list = s.at(1);
      for (size_t j = 0; j < list.size(); ++j)
        by_stream[name].push_back(ParseEntry(name, list.at(j)));
    }
    std::vector<Entry> entries;
    for (size_t i : asked) {
      auto it = by_stream.find(reader_.streams[i]);
      if (it == by_stream.end() || it->second.empty()) {
        pending_cursor_[i].clear();  // this stream has no more pending entries of ours
        continue;
      }
      pending_cursor_[i] = it->second.back().id;
      for (Entry& e : it->second)
        entries.push_back(std::move(e));
    }
    entries = Finish(std::move(entries), true);
    if (!entries.empty()) return entries;
  }
  return {};
}

std::vector<Entry> GroupReader::Claim() {
  const absl::Time now = absl::Now();
  const bool scanning = std::any_of(claim_cursor_.begin(), claim_cursor_.end(),
                                    [](const std::string& c) { return c != "0-0"; });
  if (!scanning && now < next_claim_) return {};
  std::vector<std::vector<std::string>> cmds;
  for (size_t i = 0; i < reader_.streams.size(); ++i) {
    cmds.push_back({"XAUTOCLAIM", reader_.streams[i], reader_.group, reader_.consumer,
                    Millis(reader_.claim_idle), claim_cursor_[i], "COUNT",
                    std::to_string(reader_.batch)});
  }
  std::vector<Reply> replies = RunPipeline(cmds);
  std::vector<Entry> entries;
  bool lost_group = false;
  for (size_t i = 0; i < replies.size(); ++i) {
    const Reply& r = replies[i];
    if (r.is_error()) {
      if (StartsWith(r.str(), "NOGROUP")) {
        lost_group = true;
        claim_cursor_[i] = "0-0";
        continue;
      }
      Check(r);
    }
    // [next cursor, [[id, fields]...], [deleted ids]] (Redis >= 7.0)
    claim_cursor_[i] = std::string(r.at(0).str());
    const Reply list = r.at(1);
    for (size_t j = 0; j < list.size(); ++j) {
      const Reply item = list.at(j);
      if (item.is_nil() || item.size() == 0) continue;
      entries.push_back(ParseEntry(reader_.streams[i], item));
    }
  }
  if (lost_group) CreateGroups();
  const bool done = std::all_of(claim_cursor_.begin(), claim_cursor_.end(),
                                [](const std::string& c) { return c == "0-0"; });
  if (done) {
    next_claim_ =
        now + std::clamp(reader_.claim_idle / 2, absl::Milliseconds(10), absl::Seconds(5));
  }
  return Finish(std::move(entries), true);
}

std::vector<Entry> GroupReader::ReadNew() {
  std::vector<std::string> argv = {"XREADGROUP",     "GROUP", reader_.group,
                                   reader_.consumer, "COUNT", std::to_string(reader_.batch)};
  if (reader_.block > absl::ZeroDuration()) {
    argv.push_back("BLOCK");
    argv.push_back(Millis(reader_.block));
  }
  argv.push_back("STREAMS");
  for (const std::string& s : reader_.streams)
    argv.push_back(s);
  for (size_t i = 0; i < reader_.streams.size(); ++i)
    argv.push_back(">");
  const Reply r = Run(argv, reader_.block + config_.command_timeout);
  std::vector<Entry> entries;
  for (size_t i = 0; i < r.size(); ++i) {
    const Reply s = r.at(i);
    std::string name(s.at(0).str());
    const Reply list = s.at(1);
    for (size_t j = 0; j < list.size(); ++j)
      entries.push_back(ParseEntry(name, list.at(j)));
  }
  return Finish(std::move(entries), false);
}

// Fills in delivery counts (XPENDING per id) when asked, acknowledges deleted entries, and moves
// entries delivered more than max_deliveries times to <stream>.dead.
std::vector<Entry> GroupReader::Finish(std::vector<Entry> entries, bool count_deliveries) {
  if (entries.empty()) return entries;
  if (count_deliveries) {
    std::vector<std::vector<std::string>> cmds;
    for (const Entry& e : entries) {
      cmds.push_back({"XPENDING", e.stream, reader_.group, e.id, e.id, "1"});
    }
    std::vector<Reply> replies = RunPipeline(cmds);
    for (size_t i = 0; i < entries.size(); ++i) {
      const Reply r = Check(replies[i]);
      // [[id, consumer, idle ms, deliveries]]; empty when no longer pending (acked meanwhile)
      entries[i].deliveries = r.size() > 0 ? r.at(0).at(3).integer() : 0;
    }
  }
  std::vector<Entry> keep;
  std::vector<std::vector<std::string>> cmds;
  int64_t dead = 0;
  for (Entry& e : entries) {
    if (count_deliveries && e.deliveries == 0) continue;  // acknowledged by someone meanwhile
    if (e.fields.empty()) {                               // deleted from the stream
      cmds.push_back({"XACK", e.stream, reader_.group, e.id});
      continue;
    }
    if (e.deliveries > reader_.max_deliveries) {
      std::vector<std::string> xadd = {"XADD", e.stream + std::string(kDeadSuffix), "*"};
      for (const auto& [k, v] : e.fields) {
        xadd.push_back(k);
        xadd.push_back(v);
      }
      xadd.push_back(std::string(kOriginField));
      xadd.push_back(e.id);
      cmds.push_back(std::move(xadd));
      cmds.push_back({"XACK", e.stream, reader_.group, e.id});
      ++dead;
      log::Warn("dead-lettered stream entry",
                {{"component", "redis"},
                 {"detail", e.stream + " " + e.id + " group " + reader_.group + " after " +
                                std::to_string(e.deliveries) + " deliveries"}});
      continue;
    }
    keep.push_back(std::move(e));
  }
  if (!cmds.empty()) {
    for (const Reply& r : RunPipeline(cmds))
      Check(r);
    dead_lettered_ += dead;
  }
  return keep;
}

void GroupReader::Ack(const Entry& entry) {
  Ack(std::vector<Entry>{entry});
}

void GroupReader::Ack(const std::vector<Entry>& entries) {
  if (entries.empty()) return;
  std::map<std::string, std::vector<std::string>> by_stream;
  for (const Entry& e : entries)
    by_stream[e.stream].push_back(e.id);
  std::vector<std::vector<std::string>> cmds;
  for (auto& [stream, ids] : by_stream) {
    std::vector<std::string> argv = {"XACK", stream, reader_.group};
    argv.insert(argv.end(), ids.begin(), ids.end());
    cmds.push_back(std::move(argv));
  }
  for (const Reply& r : RunPipeline(cmds))
    Check(r);
}

}  // namespace pasar::redis
