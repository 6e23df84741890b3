// The live-hint fan-out without Redis (hints delivered with Notify).
#include <catch2/catch.hpp>

#include <thread>

#include "pasar/events/live.h"

using pasar::events::LiveHub;

TEST_CASE("a hint wakes the watchers of its order and the watchers of every order") {
  LiveHub hub;
  LiveHub::Watch one(hub, "order-1");
  LiveHub::Watch other(hub, "order-2");
  LiveHub::Watch all(hub, "");
  hub.Notify("order-1 OrderStatusChanged");
  CHECK(one.Wait(absl::Seconds(5)));
  CHECK(all.Wait(absl::Seconds(5)));
  CHECK_FALSE(other.Wait(absl::Milliseconds(20)));
  // A hint is consumed once per watcher.
  CHECK_FALSE(one.Wait(absl::Milliseconds(20)));
}

TEST_CASE("a watcher blocked in Wait is woken by a hint from another thread") {
  LiveHub hub;
  LiveHub::Watch watch(hub, "order-9");
  std::thread notifier([&] { hub.Notify("order-9 OrderConfirmed"); });
  CHECK(watch.Wait(absl::Seconds(30)));
  notifier.join();
}
