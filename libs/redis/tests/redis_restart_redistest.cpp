// Reconnection after a Redis restart ($PASAR_STACK restart-redis). SERIAL: it stops the server
// every other test uses. The stack's Redis keeps no data across the restart.
#include <catch2/catch.hpp>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <thread>

#include "pasar/redis/redis.h"
#include "pasar/testkit/eventually.h"
#include "pasar/testkit/testkit.h"

namespace pasar::redis {
namespace {

void RestartRedis() {
  const std::string stack = testkit::RequireEnv("PASAR_STACK");
  const std::string cmd = "'" + stack + "' restart-redis";
  REQUIRE(std::system(cmd.c_str()) == 0);
}

// Up to 30 s: only a failing test waits that long (reconnecting after the restart on a loaded
// machine may take a while).
using pasar::testkit::Eventually;

}  // namespace

TEST_CASE("client, group reader and subscriber recover after a Redis restart") {
  const Config config =
      ConfigFromUrl(testkit::RequireEnv("PASAR_TEST_REDIS"), testkit::UniqueRedisPrefix());
  Client client(config);
  REQUIRE(client.Ping());
  const std::string stream = client.Key("events.restart");
  client.XAdd(stream, {{"n", "before"}});

  GroupReaderConfig rc;
  rc.streams = {stream};
  rc.group = "g";
  rc.consumer = "c";
  rc.block = absl::Milliseconds(50);
  GroupReader reader(config, rc);
  std::vector<Entry> before = reader.Next();
  REQUIRE(before.size() == 1);
  reader.Ack(before);

  std::atomic<int> received{0};
  Subscriber sub(config, {client.Key("live.restart")},
                 [&](const std::string&, const std::string&) { ++received; });
  REQUIRE(Eventually([&] { return sub.subscribed(); }));

  RestartRedis();

  // The pooled connections are stale: the first command reconnects transparently.
  client.Command({"SET", client.Key("after"), "1"});
  CHECK(client.Command({"GET", client.Key("after")}).str() == "1");

  // The stream and its group were lost with the data; the reader creates the group again.
  const std::string id = client.XAdd(stream, {{"n", "after"}});
  std::vector<Entry> after;
  REQUIRE(Eventually([&] {
    after = reader.Next();
    return !after.empty();
  }));
  REQUIRE(after.size() == 1);
  CHECK(after[0].id == id);
  CHECK(*after[0].Field("n") == "after");
  reader.Ack(after);

  // The subscriber re-subscribes by itself.
  REQUIRE(Eventually([&] {
    if (!sub.subscribed()) return false;
    client.Publish(client.Key("live.restart"), "hint");
    return received.load() > 0;
  }));
  CHECK(received.load() >= 1);
}

}  // namespace pasar::redis
