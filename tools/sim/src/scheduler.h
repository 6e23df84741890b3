// Timed tasks for the simulated people (a trader accepting after a delay, a customer cancelling
// later): a queue ordered by due time, run by a few worker threads.
#pragma once

#include <functional>
#include <queue>
#include <thread>
#include <vector>

#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"

namespace pasar::sim {

class Scheduler final {
 public:
  explicit Scheduler(int threads);
  Scheduler(const Scheduler&) = delete;
  Scheduler& operator=(const Scheduler&) = delete;
  ~Scheduler();  // Stop()

  // Runs `task` on a worker at `when` (or as soon as a worker is free after it).
  void At(absl::Time when, std::function<void()> task);
  void After(absl::Duration delay, std::function<void()> task);
  // Tasks queued or running.
  int busy() const;
  // Drops the tasks not yet started, waits for the running ones, joins the workers.
  void Stop();

 private:
  struct Item {
    absl::Time when;
    uint64_t order;  // FIFO among equal times
    std::function<void()> task;
    bool operator>(const Item& o) const { return when != o.when ? when > o.when : order > o.order; }
  };
  void Work();

  mutable absl::Mutex mu_;
  std::priority_queue<Item, std::vector<Item>, std::greater<Item>> queue_ ABSL_GUARDED_BY(mu_);
  uint64_t next_order_ ABSL_GUARDED_BY(mu_) = 0;
  int running_ ABSL_GUARDED_BY(mu_) = 0;
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  std::vector<std::thread> workers_;
};

}  // namespace pasar::sim
