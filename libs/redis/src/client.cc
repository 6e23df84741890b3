#include <hiredis/hiredis.h>

#include <algorithm>
#include <mutex>

#include "connection.h"
#include "pasar/redis/redis.h"

namespace pasar::redis {

// ---- Config ----------------------------------------------------------------------------------

Config ConfigFromUrl(std::string url, std::string prefix) {
  ParseUrl(url);  // validates
  Config c;
  c.url = std::move(url);
  c.prefix = std::move(prefix);
  return c;
}

// ---- Reply -----------------------------------------------------------------------------------

Reply Reply::Adopt(redisReply* r) {
  if (r == nullptr) return Reply();
  return Reply(std::shared_ptr<const redisReply>(
      r, [](const redisReply* p) { freeReplyObject(const_cast<redisReply*>(p)); }));
}

Reply::Type Reply::type() const {
  if (r_ == nullptr) return Type::kNil;
  switch (r_->type) {
    case REDIS_REPLY_STRING:
      return Type::kString;
    case REDIS_REPLY_ARRAY:
      return Type::kArray;
    case REDIS_REPLY_INTEGER:
      return Type::kInteger;
    case REDIS_REPLY_STATUS:
      return Type::kStatus;
    case REDIS_REPLY_ERROR:
      return Type::kError;
    default:
      return Type::kNil;
  }
}

std::string_view Reply::str() const {
  if (r_ == nullptr || r_->str == nullptr) return {};
  switch (r_->type) {
    case REDIS_REPLY_STRING:
    case REDIS_REPLY_STATUS:
    case REDIS_REPLY_ERROR:
      return std::string_view(r_->str, r_->len);
    default:
      return {};
  }
}

int64_t Reply::integer() const {
  return r_ != nullptr && r_->type == REDIS_REPLY_INTEGER ? r_->integer : 0;
}

size_t Reply::size() const {
  return r_ != nullptr && r_->type == REDIS_REPLY_ARRAY ? r_->elements : 0;
}

Reply Reply::at(size_t i) const {
  if (i >= size()) {
    throw Error("redis: reply element " + std::to_string(i) + " out of range (size " +
                std::to_string(size()) + ")");
  }
  const redisReply* e = r_->element[i];
  if (e == nullptr) return Reply();
  return Reply(std::shared_ptr<const redisReply>(r_, e));  // shares ownership of the root
}

// ---- Client ----------------------------------------------------------------------------------

struct Client::Slot {
  explicit Slot(const Config& c) : conn(c) {}
  std::mutex mu;
  Connection conn;
};

Client::Client(Config config) : config_(std::move(config)) {
  ParseUrl(config_.url);  // fail fast on a malformed url
  const int n = std::max(1, config_.pool_size);
  slots_.reserve(n);
  for (int i = 0; i < n; ++i)
    slots_.push_back(std::make_unique<Slot>(config_));
}

Client::~Client() = default;

// Runs f(Connection&) on a free connection (or waits for one). A fresh connection is made with
// backoff when `patient`; an I/O error on a connection that was already open is retried once on
// a new one (the usual case after a server restart: the first use of the old socket fails).
template <class F>
auto Client::WithConnection(bool patient, F&& f) {
  const size_t n = slots_.size();
  const size_t start = next_.fetch_add(1, std::memory_order_relaxed) % n;
  Slot* slot = nullptr;
  std::unique_lock<std::mutex> lock;
  for (size_t i = 0; i < n && slot == nullptr; ++i) {
    Slot* s = slots_[(start + i) % n].get();
    std::unique_lock<std::mutex> l(s->mu, std::try_to_lock);
    if (l.owns_lock()) {
      slot = s;
      lock = std::move(l);
    }
  }
  if (slot == nullptr) {
    slot = slots_[start].get();
    lock = std::unique_lock<std::mutex>(slot->mu);
  }
  Connection& conn = slot->conn;
  const auto connect = [&] {
    if (patient) {
      conn.ConnectWithBackoff(config_.connect_timeout);
    } else {
      conn.Connect();
    }
  };
  const bool reused = conn.connected();
  if (!reused) connect();
  try {
    return f(conn);
  } catch (const ConnectionError&) {
    if (!reused) throw;
  }
  connect();
  return f(conn);
}

Reply Client::Command(const std::vector<std::string>& argv) {
  return Check(
      WithConnection(true, [&](Connection& c) { return c.Run(argv, config_.command_timeout); }));
}

std::vector<Reply> Client::Pipeline(const std::vector<std::vector<std::string>>& cmds) {
  if (cmds.empty()) return {};
  return WithConnection(
      true, [&](Connection& c) { return c.RunPipeline(cmds, config_.command_timeout); });
}

bool Client::Ping() {
  try {
    Reply r = WithConnection(
        false, [&](Connection& c) { return c.Run({"PING"}, config_.command_timeout); });
    return r.str() == "PONG";
  } catch (const Error&) {
    return false;
  }
}

std::string Client::XAdd(const std::string& stream,
                         const std::vector<std::pair<std::string, std::string>>& fields) {
  std::vector<std::string> argv;
  argv.reserve(3 + 2 * fields.size());
  argv.insert(argv.end(), {"XADD", stream, "*"});
  for (const auto& [k, v] : fields) {
    argv.push_back(k);
    argv.push_back(v);
  }
  return std::string(Command(argv).str());
}

void Client::Publish(const std::string& channel, const std::string& message) {
  Command({"PUBLISH", channel, message});
}

}  // namespace pasar::redis
