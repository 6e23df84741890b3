// Waiting in tests for something another thread or process does: header-only, std only.
#pragma once

#include <chrono>
#include <thread>
#include <utility>

namespace pasar::testkit {

// Polls `done` every 20 ms until it returns true or `timeout` passes; returns its last value.
// The bound only matters when the test fails, so it is wide enough for a loaded machine running
// sanitizers; a test asserts the condition, never how soon it came.
template <class F>
bool Eventually(F&& done, std::chrono::milliseconds timeout = std::chrono::seconds(30)) {
  const auto until = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < until) {
    if (done()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return done();
}

}  // namespace pasar::testkit
