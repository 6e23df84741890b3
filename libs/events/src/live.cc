#include "pasar/events/live.h"

#include <vector>

namespace pasar::events {

LiveHub::LiveHub() = default;

LiveHub::LiveHub(const redis::Config& config, std::string_view stream)
    : subscriber_(std::make_unique<redis::Subscriber>(
          config, std::vector<std::string>{config.Key("live." + std::string(stream))},
          [this](const std::string&, const std::string& message) { Notify(message); })) {}

LiveHub::~LiveHub() {
  subscriber_.reset();
}

void LiveHub::Notify(std::string_view message) {
  const std::string aggregate(message.substr(0, message.find(' ')));
  absl::MutexLock lock(&mu_);
  if (auto it = slots_.find(aggregate); it != slots_.end()) ++it->second.generation;
  if (auto it = slots_.find(""); it != slots_.end()) ++it->second.generation;
}

uint64_t LiveHub::Generation(const std::string& key) {
  return slots_[key].generation;
}

LiveHub::Watch::Watch(LiveHub& hub, std::string aggregate_id)
    : hub_(hub), key_(std::move(aggregate_id)) {
  absl::MutexLock lock(&hub_.mu_);
  Slot& slot = hub_.slots_[key_];
  ++slot.watchers;
  seen_ = slot.generation;
}

LiveHub::Watch::~Watch() {
  absl::MutexLock lock(&hub_.mu_);
  auto it = hub_.slots_.find(key_);
  if (it != hub_.slots_.end() && --it->second.watchers <= 0) hub_.slots_.erase(it);
}

bool LiveHub::Watch::Wait(absl::Duration timeout) {
  absl::MutexLock lock(&hub_.mu_);
  auto changed = [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(hub_.mu_) {
    return hub_.Generation(key_) != seen_;
  };
  const bool woke = hub_.mu_.AwaitWithTimeout(absl::Condition(&changed), timeout);
  seen_ = hub_.Generation(key_);
  return woke;
}

}  // namespace pasar::events
