#include "scheduler.h"

#include <utility>

#include "absl/time/clock.h"

namespace pasar::sim {

Scheduler::Scheduler(int threads) {
  for (int i = 0; i < threads; ++i)
    workers_.emplace_back([this] { Work(); });
}

Scheduler::~Scheduler() {
  Stop();
}

void Scheduler::At(absl::Time when, std::function<void()> task) {
  absl::MutexLock lock(&mu_);
  if (stopping_) return;
  queue_.push(Item{when, next_order_++, std::move(task)});
}

void Scheduler::After(absl::Duration delay, std::function<void()> task) {
  At(absl::Now() + delay, std::move(task));
}

int Scheduler::busy() const {
  absl::MutexLock lock(&mu_);
  return static_cast<int>(queue_.size()) + running_;
}

void Scheduler::Stop() {
  {
    absl::MutexLock lock(&mu_);
    stopping_ = true;
  }
  for (std::thread& t : workers_) {
    if (t.joinable()) t.join();
  }
  absl::MutexLock lock(&mu_);
  while (!queue_.empty())
    queue_.pop();
}

void Scheduler::Work() {
  for (;;) {
    std::function<void()> task;
    {
      absl::MutexLock lock(&mu_);
      // Due tasks or a stop; re-evaluated whenever At() releases the mutex, and at least every
      // 100 ms (or at the next due time) for tasks that become due while waiting.
      auto ready = [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
        return stopping_ || (!queue_.empty() && queue_.top().when <= absl::Now());
      };
      while (!ready()) {
        absl::Duration wait = absl::Milliseconds(100);
        if (!queue_.empty()) wait = std::min(wait, queue_.top().when - absl::Now());
        mu_.AwaitWithTimeout(absl::Condition(&ready), std::max(wait, absl::Milliseconds(1)));
      }
      if (stopping_) return;
      task = std::move(const_cast<Item&>(queue_.top()).task);
      queue_.pop();
      ++running_;
    }
    task();
    absl::MutexLock lock(&mu_);
    --running_;
  }
}

}  // namespace pasar::sim
