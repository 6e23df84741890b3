// pasar::pg — PostgreSQL access over libpq: a bounded connection pool, prepared statements by
// name, explicit transactions, reconnection after the server restarts, LISTEN/NOTIFY.
//
//   constexpr pasar::pg::Query kGetStall{"get_stall", "SELECT name FROM stalls WHERE id = $1"};
//   pasar::pg::Pool pool({.conninfo = env_pg, .search_path = "inventory"});
//   auto r = pasar::pg::Exec(pool, kGetStall, stall_id);  // one statement, autocommit
//   pasar::pg::WithTransaction(pool, "reserve", [&](pasar::pg::Transaction& tx) {
//     tx.Exec(kTakeStock, product_id, quantity);
//     tx.Commit();  // no Commit() -> ROLLBACK
//   }, pasar::pg::Transaction::Isolation::kSerializable);
//
// Failures throw: ConnectionError (server unreachable / connection lost), PoolTimeout (no
// connection free within PoolConfig::acquire_timeout), Error (everything else, with the SQLSTATE).
// Every wait is bounded: connect_timeout (default 5 s unless the conninfo says otherwise),
// statement_timeout (PoolConfig), acquire_timeout (PoolConfig), TCP keepalives.
//
// Differences from plan/lib-api.md (additions only): Result::columns(), Result::Column(),
// Result::row() and Row (columns by name), Result::OptBool(),
// Result::OptDouble(); Transaction::Rollback(), Transaction::name(); Pool::Acquire() and
// Pool::Lease (used by Migrate and tests); Pool::config(); Listener::Wait also returns true after
// a reconnection (notifications may have been missed; re-check state); Listener::last_payload();
// integral parameters of any width, std::vector of any integral type and
// std::vector<std::string_view> are accepted.
#pragma once

#include <concepts>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"

struct pg_result;  // libpq's PGresult, owned only through Result

namespace pasar::pg {

// A named SQL statement; prepared once per connection under `name` (names must be unique in the
// process and always map to the same SQL). Declare as constexpr constants next to their store.
struct Query {
  std::string_view name;
  std::string_view sql;
};

// Any failure reported by PostgreSQL or libpq. sqlstate() is empty when the failure did not come
// with a SQLSTATE (e.g. a lost connection or a client-side conversion error).
class Error : public std::runtime_error {
 public:
  explicit Error(const std::string& message, std::string sqlstate = {});
  const std::string& sqlstate() const { return sqlstate_; }
  bool unique_violation() const { return sqlstate_ == "23505"; }
  // 40001 serialization_failure or 40P01 deadlock_detected: the transaction may be retried.
  bool serialization_failure() const { return sqlstate_ == "40001" || sqlstate_ == "40P01"; }

 private:
  std::string sqlstate_;
};

// The server is unreachable or the connection was lost (the statement's outcome is unknown).
class ConnectionError final : public Error {
 public:
  using Error::Error;
};

// No connection became free within PoolConfig::acquire_timeout.
class PoolTimeout final : public Error {
 public:
  using Error::Error;
};

// A parameter sent in binary as bytea (may contain zero bytes). The data must outlive the call.
struct Bytea {
  std::string_view data;
};

class Row;

// The result of one statement, text format, RAII over PGresult. Rows and columns are 0-based.
// Accessors throw Error on a NULL value (use IsNull / Opt*) or on a value of the wrong shape.
// Read rows by column name (row(i).Str("name"), see Row) rather than by position.
class Result final {
 public:
  Result();  // empty (no rows)
  explicit Result(pg_result* owned);
  Result(Result&&) noexcept = default;
  Result& operator=(Result&&) noexcept = default;
  ~Result() = default;

  int size() const;  // number of rows
  bool empty() const { return size() == 0; }
  int columns() const;
  int64_t affected() const;  // rows affected by INSERT/UPDATE/DELETE (0 otherwise)

  bool IsNull(int row, int col) const;
  std::string_view Text(int row, int col) const;  // "" for NULL; valid while the Result lives
  std::string Str(int row, int col) const;
  int64_t Int(int row, int col) const;
  bool Bool(int row, int col) const;
  double Double(int row, int col) const;
  std::string Bytes(int row, int col) const;  // a bytea column, decoded
  std::optional<int64_t> OptInt(int row, int col) const;
  std::optional<std::string> OptStr(int row, int col) const;
  std::optional<bool> OptBool(int row, int col) const;
  std::optional<double> OptDouble(int row, int col) const;

  // The index of the column called `name` (as the SELECT names it, aliases included); throws
  // Error when there is none.
  int Column(std::string_view name) const;
  // Row `i`, read by column name.
  Row row(int i) const;

 private:
  struct Deleter {
    void operator()(pg_result* r) const;
  };
  const char* Cell(int row, int col) const;  // checks bounds and NULL
  std::unique_ptr<pg_result, Deleter> res_;
};

// One row of a Result read by column name, so that a reader does not depend on the order of the
// SELECT list: every column is named there, expressions by an alias
// ("(extract(epoch FROM created_at) * 1e6)::bigint AS created_us"). Valid while the Result
// lives. The accessors are Result's, with a column name for the index.
//
//   for (int i = 0; i < r.size(); ++i) {
//     const pg::Row row = r.row(i);
//     stall.set_name(row.Str("name"));
//     stall.set_open(row.Bool("open"));
//   }
class Row final {
 public:
  Row(const Result& result, int row) : result_(result), row_(row) {}
  int index() const { return row_; }

  bool IsNull(std::string_view col) const { return result_.IsNull(row_, At(col)); }
  std::string_view Text(std::string_view col) const { return result_.Text(row_, At(col)); }
  std::string Str(std::string_view col) const { return result_.Str(row_, At(col)); }
  int64_t Int(std::string_view col) const { return result_.Int(row_, At(col)); }
  bool Bool(std::string_view col) const { return result_.Bool(row_, At(col)); }
  double Double(std::string_view col) const { return result_.Double(row_, At(col)); }
  std::string Bytes(std::string_view col) const { return result_.Bytes(row_, At(col)); }
  std::optional<int64_t> OptInt(std::string_view col) const {
    return result_.OptInt(row_, At(col));
  }
  std::optional<std::string> OptStr(std::string_view col) const {
    return result_.OptStr(row_, At(col));
  }
  std::optional<bool> OptBool(std::string_view col) const { return result_.OptBool(row_, At(col)); }
  std::optional<double> OptDouble(std::string_view col) const {
    return result_.OptDouble(row_, At(col));
  }

 private:
  int At(std::string_view col) const { return result_.Column(col); }
  const Result& result_;
  int row_;
};

inline Row Result::row(int i) const {
  return Row(*this, i);
}

// One statement parameter after conversion: text (or binary for bytea), or NULL.
struct Param {
  std::optional<std::string> value;
  bool binary = false;
};

// Conversions of the supported parameter types (see ToParam overloads below).
namespace detail {
std::string ArrayLiteral(const std::vector<std::string>& items);  // {"a","b\"c"} with escaping
std::string DoubleText(double v);                                 // round-trips, NaN/Infinity
}  // namespace detail

inline Param ToParam(std::string_view v) {
  return Param{std::string(v)};
}
inline Param ToParam(const std::string& v) {
  return Param{v};
}
inline Param ToParam(const char* v) {
  return v == nullptr ? Param{} : Param{std::string(v)};
}
inline Param ToParam(std::nullopt_t) {
  return Param{};
}
inline Param ToParam(Bytea v) {
  return Param{std::string(v.data), true};
}
inline Param ToParam(bool v) {
  return Param{std::string(v ? "true" : "false")};
}
inline Param ToParam(double v) {
  return Param{detail::DoubleText(v)};
}
template <std::integral T>
requires(!std::same_as<T, bool>) Param ToParam(T v) {
  return Param{std::to_string(v)};
}
inline Param ToParam(const std::vector<std::string>& v) {
  return Param{detail::ArrayLiteral(v)};
}
inline Param ToParam(const std::vector<std::string_view>& v) {
  return ToParam(std::vector<std::string>(v.begin(), v.end()));
}
template <std::integral T>
requires(!std::same_as<T, bool>) Param ToParam(const std::vector<T>& v) {
  std::string s = "{";
  for (size_t i = 0; i < v.size(); ++i) {
    if (i > 0) s += ',';
    s += std::to_string(v[i]);
  }
  s += '}';
  return Param{std::move(s)};
}
// Last, so that it sees every overload above (and, by ADL, ToParam of the caller's types).
template <class T>
Param ToParam(const std::optional<T>& v) {
  return v.has_value() ? ToParam(*v) : Param{};
}

template <class... A>
std::vector<Param> Params(const A&... args) {
  std::vector<Param> params;
  params.reserve(sizeof...(A));
  (params.push_back(ToParam(args)), ...);
  return params;
}

struct PoolConfig {
  std::string conninfo{};     // libpq connection string or URI
  std::string search_path{};  // set at connect when not empty (e.g. "inventory")
  int size = 8;               // maximum number of connections
  absl::Duration acquire_timeout = absl::Seconds(2);
  absl::Duration statement_timeout = absl::Seconds(10);
};

namespace detail {
class Connection;  // private to the library (src/connection.h)
}

// A bounded pool of connections, thread-safe. Connections open lazily; a connection that lost
// its server is reopened on the next Acquire. The pool must outlive every Lease and Transaction.
class Pool final {
 public:
  // Exclusive use of one connection; returns it to the pool on destruction (a connection that
  // saw a ConnectionError, or was Discard()ed, is closed and reopened on a later Acquire).
  class Lease final {
   public:
    Lease(Lease&& other) noexcept;
    Lease& operator=(Lease&& other) noexcept;
    Lease(const Lease&) = delete;
    Lease& operator=(const Lease&) = delete;
    ~Lease();
    detail::Connection& connection() const { return *conn_; }
    void Discard();                        // close the connection instead of reusing it
    bool fresh() const { return fresh_; }  // opened by this Acquire

   private:
    friend class Pool;
    Lease(Pool* pool, std::unique_ptr<detail::Connection> conn, bool fresh);
    void Return();
    Pool* pool_ = nullptr;
    std::unique_ptr<detail::Connection> conn_;
    bool fresh_ = false;
    bool discard_ = false;
  };

  explicit Pool(PoolConfig config);
  Pool(const Pool&) = delete;
  Pool& operator=(const Pool&) = delete;
  ~Pool();

  // Waits up to acquire_timeout for a free slot (PoolTimeout), then checks the connection is
  // alive, reconnecting if not (ConnectionError when the server is unreachable).
  Lease Acquire();
  // True when a connection can be acquired and answers SELECT 1 (for health checks).
  bool Ping();
  const PoolConfig& config() const { return config_; }
  // Callers blocked in Acquire() right now, waiting for a free slot (for tests and metrics).
  int waiting() const;

 private:
  void Release(std::unique_ptr<detail::Connection> conn, bool discard);
  bool SlotAvailable() const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  const PoolConfig config_;
  mutable absl::Mutex mu_;
  std::vector<std::unique_ptr<detail::Connection>> idle_ ABSL_GUARDED_BY(mu_);
  int open_ ABSL_GUARDED_BY(mu_) = 0;     // connections in existence or being opened
  int waiting_ ABSL_GUARDED_BY(mu_) = 0;  // callers in Acquire() finding no free slot
};

// Runs one statement outside any explicit transaction (autocommit).
Result ExecParams(Pool& pool, const Query& q, std::span<const Param> params);
template <class... A>
Result Exec(Pool& pool, const Query& q, const A&... args) {
  const std::vector<Param> params = Params(args...);
  return ExecParams(pool, q, params);
}

// BEGIN on construction (on a leased connection), ROLLBACK in the destructor unless committed.
// `name` identifies the transaction in errors and logs. Not thread-safe (one thread at a time).
class Transaction final {
 public:
  enum class Isolation { kReadCommitted, kRepeatableRead, kSerializable };

  explicit Transaction(Pool& pool, std::string_view name,
                       Isolation iso = Isolation::kReadCommitted);
  Transaction(const Transaction&) = delete;
  Transaction& operator=(const Transaction&) = delete;
  ~Transaction();

  template <class... A>
  Result Exec(const Query& q, const A&... args) {
    const std::vector<Param> params = Params(args...);
    return ExecParams(q, params);
  }
  Result ExecParams(const Query& q, std::span<const Param> params);
  void Commit();    // throws on failure (e.g. serialization failure); the transaction is then over
  void Rollback();  // explicit rollback; no-op when already finished
  bool active() const { return !done_; }
  const std::string& name() const { return name_; }

 private:
  void EnsureActive() const;
  Pool::Lease lease_;
  std::string name_;
  bool done_ = false;
};

namespace detail {
void BackoffBeforeRetry(int attempt);  // short randomized sleep, grows with attempt
}

// Runs f(Transaction&) in a fresh transaction; on a serialization failure or deadlock
// (40001/40P01), anywhere in f or at Commit, retries the whole function, up to `attempts` runs.
// f must call tx.Commit(); returning without it rolls back. Returns what f returns.
template <class F>
auto WithTransaction(Pool& pool, std::string_view name, F&& f,
                     Transaction::Isolation iso = Transaction::Isolation::kReadCommitted,
                     int attempts = 5) {
  for (int attempt = 1;; ++attempt) {
    try {
      Transaction tx(pool, name, iso);
      return f(tx);
    } catch (const Error& e) {
      if (!e.serialization_failure() || attempt >= attempts) throw;
    }
    detail::BackoffBeforeRetry(attempt);
  }
}

// LISTEN on one channel over its own connection (not from a pool). Not thread-safe.
class Listener final {
 public:
  Listener(std::string conninfo, std::string channel);
  Listener(const PoolConfig& config, std::string channel);
  Listener(const Listener&) = delete;
  Listener& operator=(const Listener&) = delete;
  ~Listener();

  // Waits up to `timeout` (poll() on the socket) for a NOTIFY on the channel; consumes every
  // pending notification. Returns true when notified, and also after the connection had to be
  // re-established (notifications may have been missed while it was down): re-check state then.
  // Returns false on timeout or while the server is unreachable. Never throws for I/O failures.
  bool Wait(absl::Duration timeout);
  // Payload of the last notification received by Wait ("" if none or after a reconnection).
  const std::string& last_payload() const { return last_payload_; }

 private:
  bool Connect();  // true when connected and listening
  std::string conninfo_;
  std::string channel_;
  std::unique_ptr<detail::Connection> conn_;
  std::string last_payload_;
};

}  // namespace pasar::pg
