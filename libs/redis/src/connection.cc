#include "connection.h"

#include <hiredis/hiredis.h>
#include <poll.h>
#include <signal.h>
#include <sys/time.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <mutex>
#include <thread>

#include "absl/time/clock.h"

namespace pasar::redis {
namespace {

timeval Timeval(absl::Duration d) {
  return absl::ToTimeval(std::max(d, absl::Milliseconds(1)));
}

int ParseInt(std::string_view s, std::string_view url) {
  int v = 0;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || p != s.data() + s.size() || s.empty()) {
    throw Error("redis: malformed url '" + std::string(url) + "'");
  }
  return v;
}

// hiredis writes with write(2): writing to a connection the server has reset (Redis restarted
// while this process was paused or slow) raises SIGPIPE, whose default action kills the whole
// process without a word. A broken connection is an error this library handles (reconnect,
// retry): the signal is ignored, once per process, unless the program installed a handler.
void IgnoreSigpipe() {
  static std::once_flag once;
  std::call_once(once, [] {
    struct sigaction current {};
    if (sigaction(SIGPIPE, nullptr, &current) == 0 && current.sa_handler == SIG_DFL) {
      signal(SIGPIPE, SIG_IGN);
    }
  });
}

}  // namespace

Endpoint ParseUrl(std::string_view url) {
  std::string_view rest = url;
  constexpr std::string_view kScheme = "redis://";
  if (rest.substr(0, kScheme.size()) == kScheme) rest.remove_prefix(kScheme.size());
  Endpoint e;
  if (const auto at = rest.rfind('@'); at != std::string_view::npos) {
    std::string_view auth = rest.substr(0, at);
    rest.remove_prefix(at + 1);
    if (const auto colon = auth.find(':'); colon != std::string_view::npos) {
      auth.remove_prefix(colon + 1);  // redis://[user]:password@ — the user is not used (no ACL)
    }
    e.password = std::string(auth);
  }
  if (const auto slash = rest.find('/'); slash != std::string_view::npos) {
    std::string_view db = rest.substr(slash + 1);
    rest = rest.substr(0, slash);
    if (!db.empty()) e.db = ParseInt(db, url);
  }
  if (const auto colon = rest.rfind(':'); colon != std::string_view::npos) {
    e.port = ParseInt(rest.substr(colon + 1), url);
    rest = rest.substr(0, colon);
  }
  if (rest.empty()) throw Error("redis: malformed url '" + std::string(url) + "' (no host)");
  e.host = std::string(rest);
  return e;
}

void Connection::ContextDeleter::operator()(redisContext* c) const {
  redisFree(c);
}

Connection::Connection(Config config)
    : config_(std::move(config)), endpoint_(ParseUrl(config_.url)) {
  IgnoreSigpipe();
}

Connection::~Connection() = default;

void Connection::Reset() {
  ctx_.reset();
  timeout_ = absl::ZeroDuration();
}

void Connection::Connect() {
  Reset();
  std::unique_ptr<redisContext, ContextDeleter> ctx(redisConnectWithTimeout(
      endpoint_.host.c_str(), endpoint_.port, Timeval(config_.connect_timeout)));
  if (ctx == nullptr) throw ConnectionError("redis: cannot allocate a connection");
  if (ctx->err != 0) {
    throw ConnectionError("redis: cannot connect to " + endpoint_.host + ":" +
                          std::to_string(endpoint_.port) + ": " + ctx->errstr);
  }
  redisEnableKeepAlive(ctx.get());
  ctx_ = std::move(ctx);
  if (!endpoint_.password.empty()) {
    Reply r = Run({"AUTH", endpoint_.password}, config_.command_timeout);
    if (r.is_error()) {
      Reset();
      throw ConnectionError("redis: AUTH failed: " + std::string(r.str()));
    }
  }
  if (endpoint_.db != 0) {
    Reply r = Run({"SELECT", std::to_string(endpoint_.db)}, config_.command_timeout);
    if (r.is_error()) {
      Reset();
      throw ConnectionError("redis: SELECT failed: " + std::string(r.str()));
    }
  }
}

void Connection::ConnectWithBackoff(absl::Duration budget, const std::atomic<bool>* stop) {
  const absl::Time deadline = absl::Now() + budget;
  absl::Duration delay = absl::Milliseconds(10);
  constexpr absl::Duration kMaxDelay = absl::Milliseconds(250);
  while (true) {
    try {
      Connect();
      return;
    } catch (const ConnectionError&) {
      const absl::Time now = absl::Now();
      if (now + delay > deadline || (stop != nullptr && stop->load())) throw;
    }
    std::this_thread::sleep_for(absl::ToChronoMilliseconds(delay));
    delay = std::min(delay * 2, kMaxDelay);
  }
}

void Connection::Fail(std::string_view what) {
  std::string msg = "redis: " + std::string(what);
  if (ctx_ != nullptr && ctx_->err != 0) msg += ": " + std::string(ctx_->errstr);
  Reset();
  throw ConnectionError(msg);
}

void Connection::SetTimeout(absl::Duration timeout) {
  if (timeout == timeout_) return;
  if (redisSetTimeout(ctx_.get(), Timeval(timeout)) != REDIS_OK) Fail("cannot set timeout");
  timeout_ = timeout;
}

void Connection::Append(const std::vector<std::string>& argv) {
  std::vector<const char*> ptrs;
  std::vector<size_t> lens;
  ptrs.reserve(argv.size());
  lens.reserve(argv.size());
  for (const std::string& a : argv) {
    ptrs.push_back(a.data());
    lens.push_back(a.size());
  }
  if (redisAppendCommandArgv(ctx_.get(), static_cast<int>(argv.size()), ptrs.data(), lens.data()) !=
      REDIS_OK) {
    Fail("cannot queue command");
  }
}

void Connection::Flush() {
  int done = 0;
  while (done == 0) {
    if (redisBufferWrite(ctx_.get(), &done) != REDIS_OK) Fail("write failed");
  }
}

Reply Connection::ReadBlocking() {
  void* raw = nullptr;
  if (redisGetReply(ctx_.get(), &raw) != REDIS_OK || raw == nullptr) Fail("read failed");
  return Reply::Adopt(static_cast<redisReply*>(raw));
}

Reply Connection::Run(const std::vector<std::string>& argv, absl::Duration timeout) {
  if (!connected()) throw ConnectionError("redis: not connected");
  if (argv.empty()) throw Error("redis: empty command");
  SetTimeout(timeout);
  Append(argv);
  return ReadBlocking();
}

std::vector<Reply> Connection::RunPipeline(const std::vector<std::vector<std::string>>& cmds,
                                           absl::Duration timeout) {
  if (!connected()) throw ConnectionError("redis: not connected");
  SetTimeout(timeout);
  for (const auto& argv : cmds) {
    if (argv.empty()) throw Error("redis: empty command in pipeline");
  }
  for (const auto& argv : cmds)
    Append(argv);
  std::vector<Reply> replies;
  replies.reserve(cmds.size());
  for (size_t i = 0; i < cmds.size(); ++i)
    replies.push_back(ReadBlocking());
  return replies;
}

void Connection::Send(const std::vector<std::vector<std::string>>& cmds) {
  if (!connected()) throw ConnectionError("redis: not connected");
  SetTimeout(config_.command_timeout);
  for (const auto& argv : cmds)
    Append(argv);
  Flush();
}

std::optional<Reply> Connection::TryRead(absl::Duration wait) {
  if (!connected()) throw ConnectionError("redis: not connected");
  void* raw = nullptr;
  if (redisGetReplyFromReader(ctx_.get(), &raw) != REDIS_OK) Fail("protocol error");
  if (raw != nullptr) return Reply::Adopt(static_cast<redisReply*>(raw));
  pollfd p{};
  p.fd = ctx_->fd;
  p.events = POLLIN;
  const int n = poll(&p, 1, static_cast<int>(absl::ToInt64Milliseconds(wait)));
  if (n < 0) {
    if (errno == EINTR) return std::nullopt;
    Fail("poll failed");
  }
  if (n == 0) return std::nullopt;
  if (redisBufferRead(ctx_.get()) != REDIS_OK) Fail("read failed");
  if (redisGetReplyFromReader(ctx_.get(), &raw) != REDIS_OK) Fail("protocol error");
  if (raw == nullptr) return std::nullopt;
  return Reply::Adopt(static_cast<redisReply*>(raw));
}

Reply Check(Reply reply) {
  if (reply.is_error()) throw CommandError("redis: " + std::string(reply.str()));
  return reply;
}

}  // namespace pasar::redis
