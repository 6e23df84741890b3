// Live hints for WatchOrder / WatchTickets: ONE Redis subscription per process (channel
// <prefix>live.events.order, published by the relay of whichever instance changed an order)
// fanned out to the local watchers. A hint only wakes watchers up; they re-read PostgreSQL, so a
// lost hint delays a message (until the backstop timer) but never corrupts the stream.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "absl/container/flat_hash_map.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "pasar/redis/redis.h"

namespace pasar::order {

class LiveHub final {
 public:
  // Subscribes to config.Key("live.events.order"). Pass a null config in tests of the hub.
  explicit LiveHub(const redis::Config& config);
  LiveHub();  // no subscription (Notify only)
  ~LiveHub();
  LiveHub(const LiveHub&) = delete;
  LiveHub& operator=(const LiveHub&) = delete;

  // A watcher of one order (`order_id`), or of every order (empty, for ticket watchers).
  class Watch final {
   public:
    Watch(LiveHub& hub, std::string order_id);
    ~Watch();
    Watch(const Watch&) = delete;
    Watch& operator=(const Watch&) = delete;
    // Returns true when a hint arrived since the last call (or construction), else false after
    // `timeout`.
    bool Wait(absl::Duration timeout);

   private:
    LiveHub& hub_;
    std::string key_;
    uint64_t seen_ = 0;
  };

  // Delivers a hint "<order id> <type>" as if it came from Redis.
  void Notify(const std::string& message);

 private:
  struct Slot {
    uint64_t generation = 0;
    int watchers = 0;
  };
  uint64_t Generation(const std::string& key) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  absl::Mutex mu_;
  absl::flat_hash_map<std::string, Slot> slots_ ABSL_GUARDED_BY(mu_);  // "" = every order
  std::unique_ptr<redis::Subscriber> subscriber_;
};

}  // namespace pasar::order
