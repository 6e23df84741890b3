// pasar::testkit::PublishAsRelay against the real Redis of PASAR_TEST_REDIS.
#include <catch2/catch.hpp>

#include <chrono>
#include <condition_variable>
#include <mutex>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "pasar/redis/redis.h"
#include "pasar/testkit/relay.h"
#include "pasar/testkit/testkit.h"

namespace {

using Fields = std::vector<std::pair<std::string, std::string>>;

// Every entry of the stream `key` as (entry id, fields in stored order).
std::vector<std::pair<std::string, Fields>> ReadStream(pasar::redis::Client& redis,
                                                       const std::string& key) {
  std::vector<std::pair<std::string, Fields>> out;
  const pasar::redis::Reply r = redis.Command({"XRANGE", key, "-", "+"});
  for (size_t i = 0; i < r.size(); ++i) {
    Fields fields;
    const pasar::redis::Reply f = r.at(i).at(1);
    for (size_t k = 0; k + 1 < f.size(); k += 2)
      fields.emplace_back(std::string(f.at(k).str()), std::string(f.at(k + 1).str()));
    out.emplace_back(std::string(r.at(i).at(0).str()), std::move(fields));
  }
  return out;
}

}  // namespace

TEST_CASE("PublishAsRelay writes the entry and the live hint as the relay does") {
  const pasar::redis::Config config = pasar::redis::ConfigFromUrl(
      pasar::testkit::RequireEnv("PASAR_TEST_REDIS"), pasar::testkit::UniqueRedisPrefix());
  pasar::redis::Client redis(config);

  std::mutex mu;
  std::condition_variable cv;
  std::vector<std::pair<std::string, std::string>> hints;
  pasar::redis::Subscriber sub(config, {config.Key("live.events.order")},
                               [&](const std::string& channel, const std::string& message) {
                                 std::lock_guard lock(mu);
                                 hints.emplace_back(channel, message);
                                 cv.notify_all();
                               });
  for (int i = 0; i < 1500 && !sub.subscribed(); ++i)  // up to 15 s
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  REQUIRE(sub.subscribed());

  // A serialized protobuf may hold any byte, NUL included.
  const std::string payload(
      "\x0a\x03"
      "abc\0\xff",
      7);
  const std::string first = pasar::testkit::PublishAsRelay(redis, "events.order", "event-1",
                                                           "OrderConfirmed", "order-1", payload);
  const std::string second = pasar::testkit::PublishAsRelay(redis, "events.order", "event-2",
                                                            "OrderCancelled", "order-2", "x");

  const auto entries = ReadStream(redis, config.Key("events.order"));
  REQUIRE(entries.size() == 2);
  CHECK(entries[0].first == first);
  CHECK(entries[0].second == Fields{{"id", "event-1"},
                                    {"type", "OrderConfirmed"},
                                    {"aggregate", "order-1"},
                                    {"payload", payload}});
  CHECK(entries[1].first == second);
  CHECK(entries[1].second == Fields{{"id", "event-2"},
                                    {"type", "OrderCancelled"},
                                    {"aggregate", "order-2"},
                                    {"payload", "x"}});
  // Only under the test's prefix.
  CHECK(redis.Command({"EXISTS", "events.order"}).integer() == 0);

  std::unique_lock lock(mu);
  REQUIRE(cv.wait_for(lock, std::chrono::seconds(30), [&] { return hints.size() >= 2; }));
  CHECK(hints == std::vector<std::pair<std::string, std::string>>{
                     {config.Key("live.events.order"), "order-1 OrderConfirmed"},
                     {config.Key("live.events.order"), "order-2 OrderCancelled"}});
}
