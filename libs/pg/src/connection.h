// One libpq connection (private to pasar_pg): opens with bounded timeouts, sets the session
// (statement_timeout, search_path), prepares named statements lazily, maps failures to Error.
#pragma once

#include <libpq-fe.h>

#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>

#include "absl/time/time.h"
#include "pasar/pg/pg.h"

namespace pasar::pg::detail {

struct ConnDeleter {
  void operator()(PGconn* c) const { PQfinish(c); }
};
using ConnPtr = std::unique_ptr<PGconn, ConnDeleter>;

// Opens a connection to `conninfo` (connect_timeout 5 s and TCP keepalives unless the conninfo
// says otherwise). Throws ConnectionError when it fails.
ConnPtr OpenConnection(const std::string& conninfo);

// Throws the matching Error for a failed result (or a null one) on `conn`; returns the Result
// when the status is a success.
Result Check(PGconn* conn, PGresult* raw, std::string_view context);

class Connection final {
 public:
  // Opens now; throws ConnectionError.
  Connection(std::string conninfo, std::string search_path, absl::Duration statement_timeout);
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  // Runs a named statement, preparing it on first use on this connection.
  Result Exec(const Query& q, std::span<const Param> params);
  // Runs SQL with parameters, unprepared (for one-off internal statements).
  Result ExecParams(std::string_view sql, std::span<const Param> params);
  // Runs SQL text without parameters; may hold several statements (migrations, BEGIN, ...).
  Result ExecSimple(std::string_view sql);

  // Reads what the server sent (notices, a termination) and reports whether the link is usable.
  bool Alive();
  // Closes and reopens (throws ConnectionError); forgets the prepared statements.
  void Reconnect();
  // True once a ConnectionError was seen: the connection must be reset before reuse.
  bool broken() const { return broken_; }
  // Idle (not inside a transaction block)?
  bool Idle() const;
  PGconn* raw() const { return conn_.get(); }
  std::string QuoteIdentifier(std::string_view ident) const;

 private:
  void Open();
  Result Checked(PGresult* raw, std::string_view context);

  const std::string conninfo_;
  const std::string search_path_;
  const absl::Duration statement_timeout_;
  ConnPtr conn_;
  std::unordered_map<std::string, std::string> prepared_;  // name -> sql
  bool broken_ = false;
};

}  // namespace pasar::pg::detail
