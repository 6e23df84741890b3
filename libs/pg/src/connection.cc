#include "connection.h"

#include <poll.h>

#include <cerrno>
#include <string>
#include <vector>

namespace pasar::pg::detail {
namespace {

// Trims libpq's trailing newline from an error message.
std::string Trimmed(const char* message) {
  std::string s = message == nullptr ? "" : message;
  while (!s.empty() && (s.back() == '\n' || s.back() == ' '))
    s.pop_back();
  return s;
}

// SQLSTATEs meaning the connection is gone or unusable (class 08, admin/crash shutdown,
// cannot connect now).
bool ConnectionState(std::string_view sqlstate) {
  return sqlstate.starts_with("08") || sqlstate == "57P01" || sqlstate == "57P02" ||
         sqlstate == "57P03";
}

}  // namespace

ConnPtr OpenConnection(const std::string& conninfo) {
  // Defaults come before "dbname" (the expanded conninfo), so the conninfo can override them.
  const char* const keywords[] = {
      "connect_timeout",           "keepalives",       "keepalives_idle",
      "keepalives_interval",       "keepalives_count", "tcp_user_timeout",
      "fallback_application_name", "dbname",           nullptr};
  const char* const values[] = {"5",    "1", "10", "5", "3", "30000", "pasar", conninfo.c_str(),
                                nullptr};
  ConnPtr conn(PQconnectdbParams(keywords, values, /*expand_dbname=*/1));
  if (!conn) throw ConnectionError("pg: cannot allocate a connection");
  if (PQstatus(conn.get()) != CONNECTION_OK) {
    throw ConnectionError("pg: cannot connect: " + Trimmed(PQerrorMessage(conn.get())));
  }
  // libpq would print notices (and a server's shutdown message) as raw lines on stderr, where
  // the services write JSON logs; errors that matter reach the caller as exceptions instead.
  PQsetNoticeProcessor(
      conn.get(), [](void*, const char*) {}, nullptr);
  return conn;
}

Result Check(PGconn* conn, PGresult* raw, std::string_view context) {
  Result result(raw);
  if (raw == nullptr) {
    throw ConnectionError("pg: " + std::string(context) + ": " + Trimmed(PQerrorMessage(conn)));
  }
  switch (PQresultStatus(raw)) {
    case PGRES_COMMAND_OK:
    case PGRES_TUPLES_OK:
    case PGRES_EMPTY_QUERY:
      return result;
    default:
      break;
  }
  const char* state = PQresultErrorField(raw, PG_DIAG_SQLSTATE);
  std::string sqlstate = state == nullptr ? "" : state;
  std::string message = "pg: " + std::string(context) + ": " + Trimmed(PQresultErrorMessage(raw));
  if (PQstatus(conn) == CONNECTION_BAD || ConnectionState(sqlstate)) {
    throw ConnectionError(message, std::move(sqlstate));
  }
  throw Error(message, std::move(sqlstate));
}

Connection::Connection(std::string conninfo, std::string search_path,
                       absl::Duration statement_timeout)
    : conninfo_(std::move(conninfo)),
      search_path_(std::move(search_path)),
      statement_timeout_(statement_timeout) {
  Open();
}

void Connection::Open() {
  conn_ = OpenConnection(conninfo_);
  prepared_.clear();
  broken_ = false;
  int64_t timeout_ms = absl::ToInt64Milliseconds(statement_timeout_);
  if (timeout_ms < 0 || statement_timeout_ == absl::InfiniteDuration()) timeout_ms = 0;
  const std::string timeout = std::to_string(timeout_ms);
  const Param params[] = {Param{timeout}, Param{search_path_}};
  if (search_path_.empty()) {
    ExecParams("SELECT set_config('statement_timeout', $1, false)", std::span(params, 1));
  } else {
    ExecParams(
        "SELECT set_config('statement_timeout', $1, false), set_config('search_path', $2, false)",
        params);
  }
}

void Connection::Reconnect() {
  broken_ = true;  // until Open succeeds
  conn_.reset();
  prepared_.clear();
  Open();
}

bool Connection::Alive() {
  if (!conn_ || broken_) return false;
  // An idle connection normally has nothing to read. After a server shutdown it has a FATAL
  // message followed by EOF; each PQconsumeInput call may see only the first, so read until the
  // socket is drained (bounded: a few rounds).
  for (int round = 0; round < 8; ++round) {
    pollfd pfd{PQsocket(conn_.get()), POLLIN, 0};
    const int rc = poll(&pfd, 1, /*timeout_ms=*/0);
    if (rc < 0 && errno == EINTR) continue;
    if (rc < 0) return false;
    if (rc == 0) break;
    if (PQconsumeInput(conn_.get()) == 0) return false;
    if (PQstatus(conn_.get()) != CONNECTION_OK) return false;
  }
  return PQstatus(conn_.get()) == CONNECTION_OK;
}

bool Connection::Idle() const {
  return conn_ && PQtransactionStatus(conn_.get()) == PQTRANS_IDLE;
}

std::string Connection::QuoteIdentifier(std::string_view ident) const {
  std::unique_ptr<char, decltype(&PQfreemem)> quoted(
      PQescapeIdentifier(conn_.get(), ident.data(), ident.size()), &PQfreemem);
  if (!quoted) throw Error("pg: cannot quote identifier: " + Trimmed(PQerrorMessage(conn_.get())));
  return quoted.get();
}

Result Connection::Checked(PGresult* raw, std::string_view context) {
  try {
    return Check(conn_.get(), raw, context);
  } catch (const ConnectionError&) {
    broken_ = true;
    throw;
  }
}

namespace {

struct RawParams {
  std::vector<const char*> values;
  std::vector<int> lengths;
  std::vector<int> formats;
};

RawParams ToRaw(std::span<const Param> params) {
  RawParams raw;
  raw.values.reserve(params.size());
  raw.lengths.reserve(params.size());
  raw.formats.reserve(params.size());
  for (const Param& p : params) {
    raw.values.push_back(p.value ? p.value->c_str() : nullptr);
    raw.lengths.push_back(p.value ? static_cast<int>(p.value->size()) : 0);
    raw.formats.push_back(p.binary ? 1 : 0);
  }
  return raw;
}

}  // namespace

Result Connection::Exec(const Query& q, std::span<const Param> params) {
  if (!conn_) throw ConnectionError("pg: " + std::string(q.name) + ": not connected");
  const std::string name(q.name);
  const auto it = prepared_.find(name);
  if (it == prepared_.end()) {
    const std::string sql(q.sql);
    Checked(PQprepare(conn_.get(), name.c_str(), sql.c_str(), 0, nullptr), "prepare " + name);
    prepared_.emplace(name, sql);
  } else if (it->second != q.sql) {
    throw Error("pg: query name " + name + " is used for two different statements");
  }
  const RawParams raw = ToRaw(params);
  return Checked(PQexecPrepared(conn_.get(), name.c_str(), static_cast<int>(params.size()),
                                raw.values.data(), raw.lengths.data(), raw.formats.data(),
                                /*resultFormat=*/0),
                 name);
}

Result Connection::ExecParams(std::string_view sql, std::span<const Param> params) {
  if (!conn_) throw ConnectionError("pg: not connected");
  const std::string text(sql);
  const RawParams raw = ToRaw(params);
  return Checked(PQexecParams(conn_.get(), text.c_str(), static_cast<int>(params.size()), nullptr,
                              raw.values.data(), raw.lengths.data(), raw.formats.data(),
                              /*resultFormat=*/0),
                 text);
}

Result Connection::ExecSimple(std::string_view sql) {
  if (!conn_) throw ConnectionError("pg: not connected");
  const std::string text(sql);
  return Checked(PQexec(conn_.get(), text.c_str()), text.substr(0, 80));
}

}  // namespace pasar::pg::detail
