// pasar::redis — RAII over hiredis 0.14: a thread-safe client with reconnection, pipelines,
// Streams consumer groups (pending drain, XAUTOCLAIM, dead letters), leases and a fan-out
// subscriber. See docs/conventions.md for the key layout (prefix, streams, groups, leases).
//
// Key names: Client, GroupReader and Subscriber take FULL Redis key / channel names; build them
// with Client::Key or Config::Key (prefix + logical name). Only Lease applies the prefix itself
// (its key is prefix + "lease." + name). Entry::stream is the full stream key.
//
// Differences from plan/lib-api.md (additions only):
//   - Config::pool_size (connections of a Client) and Config::Key().
//   - ConnectionError (I/O failure: unreachable, connection lost, timeout) and CommandError
//     (the server answered with an error reply), both derived from Error.
//   - Client::Command throws CommandError on an error reply; Client::Pipeline returns error
//     replies in place (Reply::is_error()) so the caller sees which command failed.
//   - GroupReader::Ack(const std::vector<Entry>&), Entry::deliveries is the delivery count
//     including the current one.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/time/time.h"

struct redisReply;

namespace pasar::redis {

struct Config {
  std::string url = "redis://127.0.0.1:6379";  // redis://host:port[/db]
  std::string prefix = "pasar:";               // prepended to every key of Pasar
  absl::Duration connect_timeout = absl::Seconds(1);
  absl::Duration command_timeout = absl::Seconds(2);
  int pool_size = 4;  // connections a Client keeps (each used by one thread at a time)

  std::string Key(std::string_view name) const { return prefix + std::string(name); }
};

// Parses a redis://host:port[/db] url (throws Error when malformed).
Config ConfigFromUrl(std::string url, std::string prefix = "pasar:");

class Error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};
// The server could not be reached, the connection broke, or a reply did not come in time.
class ConnectionError : public Error {
 public:
  using Error::Error;
};
// The server answered with an error reply (message is the server's, e.g. "WRONGTYPE ...").
class CommandError : public Error {
 public:
  using Error::Error;
};

// A reply from the server. Owns the whole reply tree (shared between copies and elements).
class Reply final {
 public:
  enum class Type { kString, kArray, kInteger, kNil, kStatus, kError };

  Reply() = default;                  // a nil reply
  static Reply Adopt(redisReply* r);  // takes ownership of a top-level reply

  Type type() const;
  bool is_nil() const { return type() == Type::kNil; }
  bool is_error() const { return type() == Type::kError; }
  std::string_view str() const;  // string, status or error text; empty otherwise
  int64_t integer() const;       // integer reply (0 otherwise)
  size_t size() const;           // number of elements of an array (0 otherwise)
  Reply at(size_t i) const;      // element i of an array (throws Error when out of range)

 private:
  explicit Reply(std::shared_ptr<const redisReply> r) : r_(std::move(r)) {}
  std::shared_ptr<const redisReply> r_;
};

class Connection;  // private: one hiredis context

// Thread-safe client over a small pool of connections. A command that fails with an I/O error
// on a connection that was already open (e.g. the server restarted) is retried once on a fresh
// connection: commands are therefore at-least-once (Pasar's XADDs are deduplicated by event id).
// Reconnection uses bounded exponential backoff (at most connect_timeout in total per call).
class Client final {
 public:
  explicit Client(Config config);
  ~Client();
  Client(const Client&) = delete;
  Client& operator=(const Client&) = delete;

  const Config& config() const { return config_; }
  std::string Key(std::string_view name) const { return config_.Key(name); }

  // Binary-safe. Throws ConnectionError / CommandError.
  Reply Command(const std::vector<std::string>& argv);
  // All commands sent at once, replies in order; error replies are returned in place.
  std::vector<Reply> Pipeline(const std::vector<std::vector<std::string>>& cmds);
  bool Ping();  // true when the server answers PONG; never throws

  // XADD <stream> * field value ... ; returns the entry id. `stream` is a full key.
  std::string XAdd(const std::string& stream,
                   const std::vector<std::pair<std::string, std::string>>& fields);
  void Publish(const std::string& channel, const std::string& message);

 private:
  struct Slot;
  template <class F>
  auto WithConnection(bool patient, F&& f);

  Config config_;
  std::vector<std::unique_ptr<Slot>> slots_;
  std::atomic<unsigned> next_{0};
};

struct Entry {
  std::string stream;  // full stream key
  std::string id;      // stream entry id
  std::vector<std::pair<std::string, std::string>> fields;
  int64_t deliveries = 1;                                 // times delivered, this delivery included
  const std::string* Field(std::string_view name) const;  // nullptr when absent
};

struct GroupReaderConfig {
  std::vector<std::string> streams;  // full stream keys
  std::string group;
  std::string consumer;
  int batch = 100;
  absl::Duration block = absl::Seconds(1);
  absl::Duration claim_idle = absl::Seconds(30);
  int max_deliveries = 5;
};

// A consumer of a group on one or more streams, with its own connection; one per thread (not
// thread-safe). Connects and creates the groups at id 0 with MKSTREAM on construction (throws
// ConnectionError when the server is unreachable), and again after the server lost them.
class GroupReader final {
 public:
  GroupReader(Config config, GroupReaderConfig reader);
  ~GroupReader();
  GroupReader(const GroupReader&) = delete;
  GroupReader& operator=(const GroupReader&) = delete;

  // Own pending entries first (from id 0, until none are left), then entries of other consumers
  // idle longer than claim_idle (XAUTOCLAIM), then new entries ('>'), blocking up to `block`.
  // An entry delivered more than max_deliveries times is XADDed to <stream>.dead with its fields
  // plus `origin_id`, XACKed, counted and not returned. May return an empty batch.
  // Throws Error (after one reconnection attempt) when the server is unreachable.
  std::vector<Entry> Next();
  void Ack(const Entry& entry);
  void Ack(const std::vector<Entry>& entries);
  int64_t dead_lettered() const { return dead_lettered_.load(); }
  const GroupReaderConfig& config() const { return reader_; }

 private:
  Reply Run(const std::vector<std::string>& argv, absl::Duration timeout);
  std::vector<Reply> RunPipeline(const std::vector<std::vector<std::string>>& cmds);
  void EnsureConnected();
  void CreateGroups();
  std::vector<Entry> ReadOwnPending();
  std::vector<Entry> Claim();
  std::vector<Entry> ReadNew();
  std::vector<Entry> Finish(std::vector<Entry> entries, bool count_deliveries);

  Config config_;
  GroupReaderConfig reader_;
  std::unique_ptr<Connection> conn_;
  bool draining_own_ = true;
  std::vector<std::string> pending_cursor_;  // per stream, while draining own pending entries
  std::vector<std::string> claim_cursor_;    // per stream, XAUTOCLAIM scan position
  absl::Time next_claim_ = absl::InfinitePast();
  std::atomic<int64_t> dead_lettered_{0};
};

// A lease held by one holder at a time (e.g. the dispatch matcher of a market).
// Key: prefix + "lease." + name. Acquire is SET NX PX (re-acquiring one's own lease extends it);
// Renew and Release are compare-and-set in Lua, so only the holder can extend or delete it.
// Not thread-safe (one owner thread); the Client it uses must outlive it.
class Lease final {
 public:
  Lease(Client& client, std::string name, std::string holder, absl::Duration ttl);
  ~Lease();  // releases when held (errors ignored: the lease then simply expires)
  Lease(const Lease&) = delete;
  Lease& operator=(const Lease&) = delete;

  bool TryAcquire();
  bool Renew();    // false (and no longer held) when the lease was lost
  void Release();  // deletes the key only if this holder still holds it
  // Held as far as this process knows: acquired or renewed less than ttl ago.
  bool held() const;
  const std::string& key() const { return key_; }

 private:
  Client& client_;
  std::string key_;
  std::string holder_;
  absl::Duration ttl_;
  std::optional<absl::Time> valid_until_;
};

// Fan-out subscription on its own connection and thread. Channels ending in '*' are patterns
// (PSUBSCRIBE). Reconnects and re-subscribes with backoff; messages published while
// disconnected are lost (they are hints: readers re-read their state).
class Subscriber final {
 public:
  using Callback = std::function<void(const std::string& channel, const std::string& message)>;
  Subscriber(Config config, std::vector<std::string> channels, Callback callback);
  ~Subscriber();  // stops the thread (within about 200 ms)
  Subscriber(const Subscriber&) = delete;
  Subscriber& operator=(const Subscriber&) = delete;

  // True once the subscriptions are confirmed by the server (false again while reconnecting).
  bool subscribed() const;

 private:
  struct State;
  std::unique_ptr<State> state_;
};

}  // namespace pasar::redis
