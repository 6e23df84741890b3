#include "api/watch_hub.h"

#include <algorithm>

namespace pasar::dispatch::api {

void WatchHub::Signal::Notify() {
  {
    std::lock_guard lock(mu_);
    notified_ = true;
  }
  cv_.notify_all();
}

bool WatchHub::Signal::Wait(absl::Duration timeout) {
  std::unique_lock lock(mu_);
  cv_.wait_for(lock, absl::ToChronoMilliseconds(timeout), [this] { return notified_; });
  const bool was = notified_;
  notified_ = false;
  return was;
}

WatchHub::WatchHub(const redis::Config& config) {
  subscriber_ = std::make_unique<redis::Subscriber>(
      config, std::vector<std::string>{config.Key("live.events.dispatch")},
      [this](const std::string&, const std::string& message) {
        Notify(message.substr(0, message.find(' ')));
      });
}

std::shared_ptr<WatchHub::Signal> WatchHub::Register(const std::string& courier_id) {
  auto signal = std::make_shared<Signal>();
  std::lock_guard lock(mu_);
  watchers_[courier_id].push_back(signal);
  return signal;
}

void WatchHub::Unregister(const std::string& courier_id, const std::shared_ptr<Signal>& signal) {
  std::lock_guard lock(mu_);
  auto it = watchers_.find(courier_id);
  if (it == watchers_.end()) return;
  auto& list = it->second;
  list.erase(std::remove(list.begin(), list.end(), signal), list.end());
  if (list.empty()) watchers_.erase(it);
}

void WatchHub::Notify(const std::string& aggregate) {
  std::vector<std::shared_ptr<Signal>> targets;
  {
    std::lock_guard lock(mu_);
    auto it = watchers_.find(aggregate);
    if (it == watchers_.end()) return;
    targets = it->second;
  }
  for (const auto& s : targets)
    s->Notify();
}

}  // namespace pasar::dispatch::api
