// Live hints for WatchOffers: one Redis subscription per process on
// <prefix>live.events.dispatch (the relay PUBLISHes "<aggregate> <type>" after each XADD;
// dispatch events about a courier carry the courier id as aggregate), fanned out to the local
// streams watching that courier. A hint only wakes a stream, which re-reads the database.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/time/time.h"
#include "pasar/redis/redis.h"

namespace pasar::dispatch::api {

class WatchHub final {
 public:
  // A wake-up flag of one stream.
  class Signal final {
   public:
    void Notify();
    // True when notified since the last call (then clears it); waits at most `timeout`.
    bool Wait(absl::Duration timeout);

   private:
    std::mutex mu_;
    std::condition_variable cv_;
    bool notified_ = false;
  };

  explicit WatchHub(const redis::Config& config);
  WatchHub(const WatchHub&) = delete;
  WatchHub& operator=(const WatchHub&) = delete;

  std::shared_ptr<Signal> Register(const std::string& courier_id);
  void Unregister(const std::string& courier_id, const std::shared_ptr<Signal>& signal);
  // Wakes the streams of `aggregate` (a courier id).
  void Notify(const std::string& aggregate);

 private:
  std::mutex mu_;
  absl::flat_hash_map<std::string, std::vector<std::shared_ptr<Signal>>> watchers_;
  std::unique_ptr<redis::Subscriber> subscriber_;  // last: stops before the registry goes
};

// Unregisters on destruction.
class WatchRegistration final {
 public:
  WatchRegistration(WatchHub& hub, std::string courier_id)
      : hub_(hub), courier_id_(std::move(courier_id)), signal_(hub_.Register(courier_id_)) {}
  ~WatchRegistration() { hub_.Unregister(courier_id_, signal_); }
  WatchRegistration(const WatchRegistration&) = delete;
  WatchRegistration& operator=(const WatchRegistration&) = delete;
  WatchHub::Signal& signal() { return *signal_; }

 private:
  WatchHub& hub_;
  std::string courier_id_;
  std::shared_ptr<WatchHub::Signal> signal_;
};

}  // namespace pasar::dispatch::api
