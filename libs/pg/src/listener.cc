// Listener: LISTEN on its own connection, waits with poll() on the socket, reconnects.
#include <poll.h>

#include <cerrno>
#include <memory>
#include <string>

#include "connection.h"
#include "pasar/pg/pg.h"

namespace pasar::pg {
namespace {

constexpr absl::Duration kListenerStatementTimeout = absl::Seconds(10);

// Takes every pending notification off the connection; returns the last one's payload.
std::optional<std::string> DrainNotifications(PGconn* conn) {
  std::optional<std::string> payload;
  while (PGnotify* n = PQnotifies(conn)) {
    std::unique_ptr<PGnotify, decltype(&PQfreemem)> owned(n, &PQfreemem);
    payload = owned->extra == nullptr ? "" : owned->extra;
  }
  return payload;
}

}  // namespace

Listener::Listener(std::string conninfo, std::string channel)
    : conninfo_(std::move(conninfo)), channel_(std::move(channel)) {
  Connect();  // a failure is retried by Wait
}

Listener::Listener(const PoolConfig& config, std::string channel)
    : Listener(config.conninfo, std::move(channel)) {}

Listener::~Listener() = default;

bool Listener::Connect() {
  try {
    conn_ = std::make_unique<detail::Connection>(conninfo_, "", kListenerStatementTimeout);
    conn_->ExecSimple("LISTEN " + conn_->QuoteIdentifier(channel_));
    return true;
  } catch (const Error&) {
    conn_.reset();
    return false;
  }
}

bool Listener::Wait(absl::Duration timeout) {
  const absl::Time deadline = absl::Now() + timeout;
  const auto reconnect = [&]() {
    // Whatever was notified while the link was down is lost: report it as a wake-up.
    last_payload_.clear();
    if (Connect()) return true;
    absl::SleepFor(std::max(absl::ZeroDuration(), deadline - absl::Now()));
    return false;
  };
  if (!conn_ || !conn_->Alive()) return reconnect();
  for (;;) {
    if (auto payload = DrainNotifications(conn_->raw())) {
      last_payload_ = std::move(*payload);
      return true;
    }
    const absl::Duration remaining = deadline - absl::Now();
    if (remaining <= absl::ZeroDuration()) return false;
    pollfd pfd{PQsocket(conn_->raw()), POLLIN, 0};
    const int timeout_ms =
        static_cast<int>(std::min<int64_t>(absl::ToInt64Milliseconds(remaining) + 1, 60'000));
    const int rc = poll(&pfd, 1, timeout_ms);
    if (rc < 0 && errno != EINTR) return reconnect();
    if (rc > 0 && (PQconsumeInput(conn_->raw()) == 0 || PQstatus(conn_->raw()) != CONNECTION_OK)) {
      conn_.reset();
      return reconnect();
    }
  }
}

}  // namespace pasar::pg
