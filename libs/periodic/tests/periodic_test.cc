#include <catch2/catch.hpp>
#include <stdexcept>
#include <vector>

#include "absl/synchronization/mutex.h"
#include "absl/synchronization/notification.h"
#include "absl/time/time.h"
#include "pasar/periodic/periodic.h"

namespace periodic = pasar::periodic;
using FirstRound = periodic::Worker::FirstRound;

namespace {

// Bounds every wait of these tests; a working worker never comes near it. The intervals the
// tests must not see elapse are an hour, far beyond the ctest timeout, so a worker that waited
// them out instead of being stopped or woken fails the test.
constexpr absl::Duration kBound = absl::Seconds(30);
constexpr absl::Duration kHour = absl::Hours(1);

// Counts the rounds a worker ran and lets the test wait for a number of them.
class Rounds final {
 public:
  void Count() {
    absl::MutexLock lock(&mu_);
    ++count_;
  }
  int count() const {
    absl::MutexLock lock(&mu_);
    return count_;
  }
  // True once at least `n` rounds ran (false after kBound).
  bool AwaitAtLeast(int n) const {
    absl::MutexLock lock(&mu_);
    const auto reached = [this, n] { return count_ >= n; };
    return mu_.AwaitWithTimeout(absl::Condition(&reached), kBound);
  }

 private:
  mutable absl::Mutex mu_;
  int count_ ABSL_GUARDED_BY(mu_) = 0;
};

}  // namespace

TEST_CASE("a periodic worker runs a round every interval until stopped", "[periodic]") {
  Rounds rounds;
  periodic::Worker worker("test", absl::Milliseconds(1), absl::Milliseconds(1),
                          [&] { rounds.Count(); });
  CHECK_FALSE(worker.Stop());  // stopping a worker that never started is a no-op
  worker.Start();
  worker.Start();  // idempotent
  REQUIRE(rounds.AwaitAtLeast(5));
  CHECK(worker.Stop());
  CHECK(worker.stopping());
  const int after_stop = rounds.count();
  CHECK_FALSE(worker.Stop());           // idempotent
  CHECK(rounds.count() == after_stop);  // the thread is joined: no round runs after Stop

  // A stopped worker starts again.
  worker.Start();
  CHECK_FALSE(worker.stopping());
  REQUIRE(rounds.AwaitAtLeast(after_stop + 3));
}

TEST_CASE("Stop ends the wait at once, before or after the first round", "[periodic]") {
  SECTION("the first round is due after the interval") {
    Rounds rounds;
    periodic::Worker worker(
        "test", kHour, kHour, [&] { rounds.Count(); }, FirstRound::kAfterInterval);
    worker.Start();
    CHECK(worker.Stop());  // would wait out the hour if Stop did not wake the thread
    CHECK(rounds.count() == 0);
  }
  SECTION("the first round runs at start") {
    Rounds rounds;
    periodic::Worker worker("test", kHour, kHour, [&] { rounds.Count(); });
    worker.Start();
    REQUIRE(rounds.AwaitAtLeast(1));
    CHECK(worker.Stop());
    CHECK(rounds.count() == 1);
  }
  SECTION("the destructor stops a running worker") {
    Rounds rounds;
    {
      periodic::Worker worker("test", kHour, kHour, [&] { rounds.Count(); });
      worker.Start();
      REQUIRE(rounds.AwaitAtLeast(1));
    }
    CHECK(rounds.count() == 1);
  }
}

TEST_CASE("a round sees stopping() and can end its batches early", "[periodic]") {
  absl::Notification in_round;
  bool saw_stop = false;  // written by the round, read after the join
  periodic::Worker* self = nullptr;
  periodic::Worker worker("test", kHour, kHour, [&] {
    in_round.Notify();
    const absl::Time give_up = absl::Now() + kBound;
    while (!self->stopping() && absl::Now() < give_up)
      absl::SleepFor(absl::Milliseconds(1));
    saw_stop = self->stopping();
  });
  self = &worker;
  worker.Start();
  REQUIRE(in_round.WaitForNotificationWithTimeout(kBound));
  CHECK(worker.Stop());
  CHECK(saw_stop);
}

TEST_CASE("a failing round is logged, backs off and the worker keeps going", "[periodic]") {
  Rounds attempts;
  Rounds successes;
  periodic::Worker worker("test", absl::Milliseconds(1), absl::Milliseconds(4), [&] {
    attempts.Count();
    const int n = attempts.count();
    if (n == 1) throw 42;  // not even a std::exception
    if (n <= 4) throw std::runtime_error("database is away");
    successes.Count();
  });
  worker.Start();
  REQUIRE(successes.AwaitAtLeast(3));
  CHECK(worker.Stop());
  CHECK(attempts.count() == successes.count() + 4);
}

TEST_CASE("the wait doubles after each failure up to the cap, and resets on success",
          "[periodic]") {
  const absl::Duration interval = absl::Seconds(1);
  const absl::Duration cap = absl::Seconds(5);
  absl::Duration wait = interval;
  std::vector<absl::Duration> waits;
  for (int i = 0; i < 4; ++i) {
    wait = periodic::Worker::NextWait(interval, cap, wait, /*failed=*/true);
    waits.push_back(wait);
  }
  CHECK(waits == std::vector<absl::Duration>{absl::Seconds(2), absl::Seconds(4), absl::Seconds(5),
                                             absl::Seconds(5)});
  CHECK(periodic::Worker::NextWait(interval, cap, wait, /*failed=*/false) == interval);
  // A cap below the interval means no back-off: failures are retried at the normal pace.
  CHECK(periodic::Worker::NextWait(interval, absl::Milliseconds(10), interval, true) == interval);
  CHECK(periodic::Worker::NextWait(interval, interval, interval, true) == interval);
}

TEST_CASE("Wake starts the next round without waiting out the interval", "[periodic]") {
  SECTION("while the worker waits") {
    Rounds rounds;
    periodic::Worker worker(
        "test", kHour, kHour, [&] { rounds.Count(); }, FirstRound::kAfterInterval);
    worker.Start();
    worker.Wake();
    REQUIRE(rounds.AwaitAtLeast(1));
    worker.Wake();
    REQUIRE(rounds.AwaitAtLeast(2));
    CHECK(worker.Stop());
    CHECK(rounds.count() == 2);
  }
  SECTION("during a round: the wake is kept for the wait that follows") {
    Rounds rounds;
    absl::Notification in_first_round;
    absl::Notification release_first_round;
    periodic::Worker worker("test", kHour, kHour, [&] {
      rounds.Count();
      if (!in_first_round.HasBeenNotified()) {
        in_first_round.Notify();
        release_first_round.WaitForNotificationWithTimeout(kBound);
      }
    });
    worker.Start();
    REQUIRE(in_first_round.WaitForNotificationWithTimeout(kBound));
    worker.Wake();
    release_first_round.Notify();
    REQUIRE(rounds.AwaitAtLeast(2));
    CHECK(worker.Stop());
  }
}
