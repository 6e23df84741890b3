// Private to pasar_redis: one hiredis connection, the only place that touches redisContext.
#pragma once

#include <atomic>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/time/time.h"
#include "pasar/redis/redis.h"

struct redisContext;

namespace pasar::redis {

// host, port, database and optional password of a redis:// url.
struct Endpoint {
  std::string host;
  int port = 6379;
  int db = 0;
  std::string password;
};
Endpoint ParseUrl(std::string_view url);  // throws Error

class Connection final {
 public:
  explicit Connection(Config config);
  ~Connection();
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  bool connected() const { return ctx_ != nullptr; }
  // One attempt (connect_timeout), then AUTH / SELECT when the url asks. Throws ConnectionError.
  void Connect();
  // Attempts with exponential backoff until connected or `budget` has passed (at least one
  // attempt; stops early when *stop becomes true). Throws the last ConnectionError.
  void ConnectWithBackoff(absl::Duration budget, const std::atomic<bool>* stop = nullptr);
  void Reset();

  // Sends one command and reads its reply within `timeout`. Error replies are returned
  // (Reply::is_error()). Throws ConnectionError (and resets the connection) on I/O failure.
  Reply Run(const std::vector<std::string>& argv, absl::Duration timeout);
  std::vector<Reply> RunPipeline(const std::vector<std::vector<std::string>>& cmds,
                                 absl::Duration timeout);

  // For subscriptions: queue and flush commands without reading, and read one reply waiting at
  // most `wait` (nullopt when none arrived). Both throw ConnectionError.
  void Send(const std::vector<std::vector<std::string>>& cmds);
  std::optional<Reply> TryRead(absl::Duration wait);

 private:
  [[noreturn]] void Fail(std::string_view what);
  void SetTimeout(absl::Duration timeout);
  void Append(const std::vector<std::string>& argv);
  void Flush();
  Reply ReadBlocking();

  struct ContextDeleter {
    void operator()(redisContext* c) const;
  };
  Config config_;
  Endpoint endpoint_;
  std::unique_ptr<redisContext, ContextDeleter> ctx_;
  absl::Duration timeout_ = absl::ZeroDuration();
};

// Throws CommandError when `reply` is an error reply; returns it otherwise.
Reply Check(Reply reply);

}  // namespace pasar::redis
