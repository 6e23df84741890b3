// Pool, Lease, autocommit Exec, Transaction.
#include <algorithm>
#include <random>
#include <string>

#include "connection.h"
#include "pasar/pg/pg.h"

namespace pasar::pg {

using detail::Connection;

// ---- Pool::Lease ----

Pool::Lease::Lease(Pool* pool, std::unique_ptr<Connection> conn, bool fresh)
    : pool_(pool), conn_(std::move(conn)), fresh_(fresh) {}

Pool::Lease::Lease(Lease&& other) noexcept
    : pool_(std::exchange(other.pool_, nullptr)),
      conn_(std::move(other.conn_)),
      fresh_(other.fresh_),
      discard_(other.discard_) {}

Pool::Lease& Pool::Lease::operator=(Lease&& other) noexcept {
  if (this != &other) {
    Return();
    pool_ = std::exchange(other.pool_, nullptr);
    conn_ = std::move(other.conn_);
    fresh_ = other.fresh_;
    discard_ = other.discard_;
  }
  return *this;
}

Pool::Lease::~Lease() {
  Return();
}

void Pool::Lease::Discard() {
  discard_ = true;
}

void Pool::Lease::Return() {
  if (pool_ != nullptr && conn_) pool_->Release(std::move(conn_), discard_);
  pool_ = nullptr;
}

// ---- Pool ----

Pool::Pool(PoolConfig config) : config_(std::move(config)) {
  if (config_.size < 1) throw Error("pg: pool size must be at least 1");
}

Pool::~Pool() = default;

bool Pool::SlotAvailable() const {
  return !idle_.empty() || open_ < config_.size;
}

Pool::Lease Pool::Acquire() {
  std::unique_ptr<Connection> conn;
  {
    absl::MutexLock lock(&mu_);
    bool available = SlotAvailable();
    if (!available) {
      ++waiting_;
      available = mu_.AwaitWithTimeout(absl::Condition(this, &Pool::SlotAvailable),
                                       config_.acquire_timeout);
      --waiting_;
    }
    if (!available) {
      throw PoolTimeout("pg: no connection free within " +
                        absl::FormatDuration(config_.acquire_timeout) + " (pool size " +
                        std::to_string(config_.size) + ")");
    }
    if (!idle_.empty()) {
      conn = std::move(idle_.back());
      idle_.pop_back();
    } else {
      ++open_;  // reserve the slot; the connection is opened outside the lock
    }
  }
  bool fresh = false;
  try {
    if (!conn) {
      conn = std::make_unique<Connection>(config_.conninfo, config_.search_path,
                                          config_.statement_timeout);
      fresh = true;
    } else if (!conn->Alive()) {
      conn->Reconnect();  // the server restarted or the link broke while idle
      fresh = true;
    }
  } catch (...) {
    conn.reset();
    absl::MutexLock lock(&mu_);
    --open_;
    throw;
  }
  return Lease(this, std::move(conn), fresh);
}

void Pool::Release(std::unique_ptr<Connection> conn, bool discard) {
  if (discard || conn->broken() || !conn->Idle()) {
    conn.reset();  // closes; a later Acquire opens a new one
    absl::MutexLock lock(&mu_);
    --open_;
    return;
  }
  absl::MutexLock lock(&mu_);
  idle_.push_back(std::move(conn));
}

int Pool::waiting() const {
  absl::MutexLock lock(&mu_);
  return waiting_;
}

bool Pool::Ping() {
  static constexpr Query kPing{"pasar_pg_ping", "SELECT 1"};
  try {
    return Exec(*this, kPing).Int(0, 0) == 1;
  } catch (const Error&) {
    return false;
  }
}

Result ExecParams(Pool& pool, const Query& q, std::span<const Param> params) {
  Pool::Lease lease = pool.Acquire();
  return lease.connection().Exec(q, params);
}

// ---- Transaction ----

namespace {

const char* BeginStatement(Transaction::Isolation iso) {
  switch (iso) {
    case Transaction::Isolation::kRepeatableRead:
      return "BEGIN ISOLATION LEVEL REPEATABLE READ";
    case Transaction::Isolation::kSerializable:
      return "BEGIN ISOLATION LEVEL SERIALIZABLE";
    case Transaction::Isolation::kReadCommitted:
      break;
  }
  return "BEGIN ISOLATION LEVEL READ COMMITTED";
}

}  // namespace

Transaction::Transaction(Pool& pool, std::string_view name, Isolation iso)
    : lease_(pool.Acquire()), name_(name) {
  const char* begin = BeginStatement(iso);
  try {
    lease_.connection().ExecSimple(begin);
  } catch (const ConnectionError&) {
    // The connection died between the pool's check and BEGIN (e.g. a server restart): nothing
    // ran yet, so reconnecting and retrying once is safe.
    lease_.connection().Reconnect();
    lease_.connection().ExecSimple(begin);
  }
}

Transaction::~Transaction() {
  if (done_) return;
  if (lease_.connection().broken()) return;  // the pool closes it
  try {
    lease_.connection().ExecSimple("ROLLBACK");
  } catch (...) {
    lease_.Discard();  // closing the connection rolls back
  }
}

void Transaction::EnsureActive() const {
  if (done_) throw Error("pg: transaction " + name_ + " is already finished");
}

Result Transaction::ExecParams(const Query& q, std::span<const Param> params) {
  EnsureActive();
  return lease_.connection().Exec(q, params);
}

void Transaction::Commit() {
  EnsureActive();
  detail::Connection& conn = lease_.connection();
  // COMMIT of a transaction in which a statement failed would answer ROLLBACK, not an error.
  if (conn.raw() != nullptr && PQtransactionStatus(conn.raw()) == PQTRANS_INERROR) {
    Rollback();
    throw Error("pg: transaction " + name_ + ": an earlier statement failed; rolled back");
  }
  done_ = true;
  conn.ExecSimple("COMMIT");
}

void Transaction::Rollback() {
  if (done_) return;
  done_ = true;
  lease_.connection().ExecSimple("ROLLBACK");
}

namespace detail {

void BackoffBeforeRetry(int attempt) {
  thread_local std::mt19937 rng{std::random_device{}()};
  const int cap_ms = std::min(200, 5 << std::min(attempt, 5));
  std::uniform_int_distribution<int> dist(1, cap_ms);
  absl::SleepFor(absl::Milliseconds(dist(rng)));
}

}  // namespace detail
}  // namespace pasar::pg
