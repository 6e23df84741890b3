#include <algorithm>
#include <mutex>
#include <thread>

#include "absl/time/clock.h"
#include "connection.h"
#include "pasar/log/log.h"
#include "pasar/redis/redis.h"

namespace pasar::redis {
namespace {

constexpr absl::Duration kPollInterval = absl::Milliseconds(100);
constexpr absl::Duration kMinBackoff = absl::Milliseconds(50);
constexpr absl::Duration kMaxBackoff = absl::Seconds(2);

bool IsPattern(const std::string& channel) {
  return !channel.empty() && channel.back() == '*';
}

}  // namespace

struct Subscriber::State {
  Config config;
  std::vector<std::string> channels;
  Callback callback;
  std::atomic<bool> stop{false};
  std::atomic<bool> subscribed{false};
  std::thread thread;

  void Run();
  void Session(Connection& conn);
  void Sleep(absl::Duration d) const;
};

void Subscriber::State::Sleep(absl::Duration d) const {
  const absl::Time until = absl::Now() + d;
  while (!stop.load() && absl::Now() < until) {
    std::this_thread::sleep_for(absl::ToChronoMilliseconds(std::min(kPollInterval, d)));
  }
}

// One connection's life: subscribe, then dispatch messages until stopped or the connection fails.
void Subscriber::State::Session(Connection& conn) {
  std::vector<std::string> subscribe = {"SUBSCRIBE"};
  std::vector<std::string> psubscribe = {"PSUBSCRIBE"};
  for (const std::string& c : channels)
    (IsPattern(c) ? psubscribe : subscribe).push_back(c);
  std::vector<std::vector<std::string>> cmds;
  if (subscribe.size() > 1) cmds.push_back(subscribe);
  if (psubscribe.size() > 1) cmds.push_back(psubscribe);
  conn.Send(cmds);
  size_t confirmed = 0;
  while (!stop.load()) {
    std::optional<Reply> r = conn.TryRead(kPollInterval);
    if (!r.has_value()) continue;
    if (r->is_error()) throw CommandError("redis: subscribe: " + std::string(r->str()));
    if (r->size() < 3) continue;
    const std::string_view kind = r->at(0).str();
    if (kind == "subscribe" || kind == "psubscribe") {
      if (++confirmed == channels.size()) subscribed = true;
    } else if (kind == "message" || kind == "pmessage") {
      const size_t base = kind == "message" ? 1 : 2;
      if (r->size() < base + 2) continue;
      const std::string channel(r->at(base).str());
      const std::string message(r->at(base + 1).str());
      try {
        callback(channel, message);
      } catch (const std::exception& e) {
        log::Error("subscriber callback failed", {{"component", "redis"}, {"detail", e.what()}});
      }
    }
  }
}

void Subscriber::State::Run() {
  absl::Duration backoff = kMinBackoff;
  while (!stop.load()) {
    Connection conn(config);
    try {
      conn.Connect();
      backoff = kMinBackoff;
      Session(conn);
    } catch (const Error& e) {
      if (stop.load()) break;
      log::Warn("subscriber reconnecting", {{"component", "redis"}, {"detail", e.what()}});
    }
    subscribed = false;
    Sleep(backoff);
    backoff = std::min(backoff * 2, kMaxBackoff);
  }
  subscribed = false;
}

Subscriber::Subscriber(Config config, std::vector<std::string> channels, Callback callback)
    : state_(std::make_unique<State>()) {
  if (channels.empty()) throw Error("redis: Subscriber needs at least one channel");
  ParseUrl(config.url);
  std::sort(channels.begin(), channels.end());
  channels.erase(std::unique(channels.begin(), channels.end()), channels.end());
  state_->config = std::move(config);
  state_->channels = std::move(channels);
  state_->callback = std::move(callback);
  state_->thread = std::thread([s = state_.get()] { s->Run(); });
}

Subscriber::~Subscriber() {
  state_->stop = true;
  if (state_->thread.joinable()) state_->thread.join();
}

bool Subscriber::subscribed() const {
  return state_->subscribed.load();
}

}  // namespace pasar::redis
