#include "pasar/periodic/periodic.h"

#include <algorithm>
#include <exception>
#include <string>
#include <utility>

#include "pasar/log/log.h"

namespace pasar::periodic {

Worker::Worker(std::string name, absl::Duration interval, absl::Duration max_backoff, Round round,
               FirstRound first)
    : name_(std::move(name)),
      interval_(interval),
      max_backoff_(max_backoff),
      round_(std::move(round)),
      first_(first) {}

Worker::~Worker() {
  Stop();
}

void Worker::Start() {
  absl::MutexLock lifecycle(&lifecycle_mu_);
  if (thread_.joinable()) return;
  {
    absl::MutexLock lock(&mu_);
    stop_ = false;
    wake_ = false;
  }
  thread_ = std::thread([this] { Loop(); });
}

bool Worker::Stop() {
  absl::MutexLock lifecycle(&lifecycle_mu_);
  {
    absl::MutexLock lock(&mu_);
    stop_ = true;
  }
  if (!thread_.joinable()) return false;
  thread_.join();
  return true;
}

void Worker::Wake() {
  absl::MutexLock lock(&mu_);
  wake_ = true;
}

bool Worker::stopping() const {
  absl::MutexLock lock(&mu_);
  return stop_;
}

absl::Duration Worker::NextWait(absl::Duration interval, absl::Duration max_backoff,
                                absl::Duration previous, bool failed) {
  if (!failed) return interval;
  return std::min(std::max(max_backoff, interval), previous * 2);
}

bool Worker::Wait(absl::Duration wait) {
  absl::MutexLock lock(&mu_);
  mu_.AwaitWithTimeout(absl::Condition(this, &Worker::StopOrWake), wait);
  wake_ = false;
  return !stop_;
}

void Worker::Loop() {
  absl::Duration wait = interval_;
  if (first_ == FirstRound::kAfterInterval && !Wait(wait)) return;
  for (;;) {
    bool failed = true;
    std::string error;
    try {
      round_();
      failed = false;
    } catch (const std::exception& e) {
      error = e.what();
    } catch (...) {
      error = "unknown exception";
    }
    wait = NextWait(interval_, max_backoff_, wait, failed);
    if (failed) {
      log::Error("background round failed",
                 {{"worker", name_},
                  {"error", error},
                  {"retry_in_ms", std::to_string(absl::ToInt64Milliseconds(wait))}});
    }
    if (!Wait(wait)) return;
  }
}

}  // namespace pasar::periodic
