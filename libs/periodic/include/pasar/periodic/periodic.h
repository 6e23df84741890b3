// A background thread that runs one round of work every `interval` until stopped: the loop every
// sweeper, matcher and flusher of the services needs.
//
//   pasar::periodic::Worker worker("ticket sweeper", absl::Seconds(1), absl::Seconds(30),
//                                  [this] { SweepOnce(); });
//   worker.Start();  // ... worker.Stop() (the destructor stops it too)
//
// A round that throws is logged (pasar::log, level "error") and the wait before the next round
// doubles, up to `max_backoff`, so a worker whose PostgreSQL or Redis is away neither spins nor
// floods the log; the first round that succeeds restores `interval`. A round is never
// interrupted: Stop() wakes the wait, lets a running round finish and joins. Rounds with long
// passes can check stopping() between batches to finish sooner.
#pragma once

#include <functional>
#include <string>
#include <thread>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"

namespace pasar::periodic {

class Worker final {
 public:
  using Round = std::function<void()>;
  enum class FirstRound {
    kAtStart,        // run a round as soon as the thread starts, then wait
    kAfterInterval,  // wait `interval` first (the work is only due later)
  };

  // `name` identifies the worker in the logs. `max_backoff` below `interval` counts as
  // `interval` (a failing round is then retried at the normal pace, without backing off).
  explicit Worker(std::string name, absl::Duration interval, absl::Duration max_backoff,
                  Round round, FirstRound first = FirstRound::kAtStart);
  ~Worker();  // Stop()
  Worker(const Worker&) = delete;
  Worker& operator=(const Worker&) = delete;

  // Starts the thread; idempotent while it runs. A stopped worker may be started again.
  void Start();
  // Wakes the thread, waits for a running round to finish and joins. Idempotent; returns true
  // when it stopped a running thread. Must not be called from the round itself.
  bool Stop();
  // Ends the current wait: the next round starts now (or right after the running one). A wake
  // while no thread runs is dropped.
  void Wake();
  // True from Stop() until the next Start(); for rounds that work in batches.
  bool stopping() const;

  // The wait after a round, given the wait before it (`previous`): `interval` after a success,
  // otherwise twice `previous`, capped at `max_backoff` (or `interval` if that is larger).
  static absl::Duration NextWait(absl::Duration interval, absl::Duration max_backoff,
                                 absl::Duration previous, bool failed);

 private:
  void Loop();
  // Waits up to `wait` or until woken; false when the worker is stopping.
  bool Wait(absl::Duration wait);
  bool StopOrWake() const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) { return stop_ || wake_; }

  const std::string name_;
  const absl::Duration interval_;
  const absl::Duration max_backoff_;
  const Round round_;
  const FirstRound first_;

  mutable absl::Mutex mu_;
  bool stop_ ABSL_GUARDED_BY(mu_) = false;
  bool wake_ ABSL_GUARDED_BY(mu_) = false;

  // Serialises Start and Stop, so that concurrent calls never start or join the thread twice.
  absl::Mutex lifecycle_mu_;
  std::thread thread_ ABSL_GUARDED_BY(lifecycle_mu_);
};

}  // namespace pasar::periodic
