// Live hints to local watchers (docs/conventions.md, "Redis"). After the relay XADDs an event it
// PUBLISHes "<aggregate id> <type>" on <prefix>live.<stream>; a LiveHub holds ONE subscription per
// process to one stream's channel and fans each hint out to the watchers of that aggregate on
// this instance (and to the watchers of every aggregate). A hint only wakes a watcher, which then
// re-reads its own PostgreSQL: a lost hint delays a message (until the watcher's backstop
// re-read) but never corrupts what it streams.
//
//   pasar::events::LiveHub hub(redis.config(), "events.order");       // in main.cpp
//   ...
//   pasar::events::LiveHub::Watch watch(hub, order_id);  // before the first read: nothing missed
//   read and send the state;
//   while (!ctx->IsCancelled()) {
//     const bool hinted = watch.Wait(absl::Seconds(1));  // wakes at least every second
//     if (hinted || backstop due) read and send what changed;
//   }
//
// Used by WatchOrder and WatchTickets (order: aggregate = order id; tickets watch every order)
// and WatchOffers (dispatch: aggregate = courier id).
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "pasar/redis/redis.h"

namespace pasar::events {

class LiveHub final {
 public:
  // Subscribes to config.Key("live." + stream), e.g. stream "events.order".
  LiveHub(const redis::Config& config, std::string_view stream);
  // No subscription: hints arrive only through Notify (tests of the watchers).
  LiveHub();
  ~LiveHub();  // unsubscribes first; every Watch must be gone by then
  LiveHub(const LiveHub&) = delete;
  LiveHub& operator=(const LiveHub&) = delete;

  // A watcher of one aggregate, or of every aggregate (empty id). Register it BEFORE the first
  // read of the state it watches, so that no change between that read and the first Wait is
  // missed.
  class Watch final {
   public:
    Watch(LiveHub& hub, std::string aggregate_id);
    ~Watch();
    Watch(const Watch&) = delete;
    Watch& operator=(const Watch&) = delete;
    // True when a hint arrived since the last call (or since construction); false after
    // `timeout` without one. Each hint is consumed once per watcher.
    bool Wait(absl::Duration timeout);

   private:
    LiveHub& hub_;
    std::string key_;
    uint64_t seen_ = 0;
  };

  // Delivers a hint as if it came from Redis: "<aggregate id> <type>" (or just the id).
  void Notify(std::string_view message);

 private:
  struct Slot {
    uint64_t generation = 0;  // hints so far
    int watchers = 0;
  };
  uint64_t Generation(const std::string& key) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  absl::Mutex mu_;
  absl::flat_hash_map<std::string, Slot> slots_ ABSL_GUARDED_BY(mu_);  // "" = every aggregate
  std::unique_ptr<redis::Subscriber> subscriber_;                      // last: stopped first
};

}  // namespace pasar::events
