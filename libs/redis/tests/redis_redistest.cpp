// pasar::redis against a real Redis (PASAR_TEST_REDIS); fails when it is missing or unreachable.
#include <catch2/catch.hpp>

#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <map>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "pasar/redis/redis.h"
#include "pasar/testkit/testkit.h"

namespace pasar::redis {
namespace {

Config TestConfig() {
  Config c = ConfigFromUrl(testkit::RequireEnv("PASAR_TEST_REDIS"), testkit::UniqueRedisPrefix());
  return c;
}

GroupReaderConfig ReaderConfig(const std::string& stream, const std::string& consumer) {
  GroupReaderConfig r;
  r.streams = {stream};
  r.group = "testers";
  r.consumer = consumer;
  r.batch = 10;
  r.block = absl::Milliseconds(50);
  r.claim_idle = absl::Milliseconds(100);
  r.max_deliveries = 5;
  return r;
}

int64_t PendingCount(Client& client, const std::string& stream, const std::string& group) {
  return client.Command({"XPENDING", stream, group}).at(0).integer();
}

// Calls reader.Next() until `want` entries have been collected or `rounds` calls were made.
std::vector<Entry> Collect(GroupReader& reader, size_t want, int rounds = 200) {
  std::vector<Entry> got;
  for (int i = 0; i < rounds && got.size() < want; ++i) {
    for (Entry& e : reader.Next())
      got.push_back(std::move(e));
  }
  return got;
}

}  // namespace

TEST_CASE("ConfigFromUrl parses redis urls and rejects malformed ones") {
  const Config c = ConfigFromUrl("redis://127.0.0.1:6380/2", "p:");
  CHECK(c.url == "redis://127.0.0.1:6380/2");
  CHECK(c.Key("events.order") == "p:events.order");
  CHECK_THROWS_AS(ConfigFromUrl("redis://host:notaport", "p:"), Error);
  CHECK_THROWS_AS(ConfigFromUrl("redis://:1234", "p:"), Error);
}

TEST_CASE("commands are binary safe, pipelines keep order, errors are reported") {
  Client client(TestConfig());
  REQUIRE(client.Ping());
  const std::string key = client.Key("bin");
  const std::string value("a\0b\r\nc", 6);
  client.Command({"SET", key, value});
  CHECK(client.Command({"GET", key}).str() == value);
  CHECK(client.Command({"GET", client.Key("missing")}).is_nil());

  const std::string counter = client.Key("counter");
  std::vector<std::vector<std::string>> cmds;
  for (int i = 0; i < 10; ++i)
    cmds.push_back({"INCR", counter});
  cmds.push_back({"LPUSH", counter, "x"});  // WRONGTYPE, returned in place
  cmds.push_back({"GET", counter});
  const std::vector<Reply> replies = client.Pipeline(cmds);
  REQUIRE(replies.size() == 12);
  for (int i = 0; i < 10; ++i)
    CHECK(replies[i].integer() == i + 1);
  CHECK(replies[10].is_error());
  CHECK(replies[11].str() == "10");

  CHECK_THROWS_AS(client.Command({"LPUSH", counter, "x"}), CommandError);
  CHECK(client.Command({"DEL", key, counter}).integer() == 2);
}

TEST_CASE("the client is safe to use from several threads") {
  Client client(TestConfig());
  REQUIRE(client.Ping());
  const std::string counter = client.Key("shared");
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 200; ++i)
        client.Command({"INCR", counter});
    });
  }
  for (auto& t : threads)
    t.join();
  CHECK(client.Command({"GET", counter}).str() == "1600");
}

TEST_CASE("a group reader reads new entries once and Ack clears them") {
  Client client(TestConfig());
  REQUIRE(client.Ping());
  const std::string stream = client.Key("events.test");
  for (int i = 0; i < 3; ++i)
    client.XAdd(stream, {{"n", std::to_string(i)}});
  GroupReader reader(client.config(), ReaderConfig(stream, "c1"));
  std::vector<Entry> got = Collect(reader, 3);
  REQUIRE(got.size() == 3);
  for (int i = 0; i < 3; ++i) {
    CHECK(got[i].stream == stream);
    REQUIRE(got[i].Field("n") != nullptr);
    CHECK(*got[i].Field("n") == std::to_string(i));
    CHECK(got[i].Field("absent") == nullptr);
    CHECK(got[i].deliveries == 1);
  }
  CHECK(PendingCount(client, stream, "testers") == 3);
  reader.Ack(got);
  CHECK(PendingCount(client, stream, "testers") == 0);
  CHECK(reader.Next().empty());
}

TEST_CASE("a restarted consumer first gets its own pending entries back") {
  Client client(TestConfig());
  REQUIRE(client.Ping());
  const std::string stream = client.Key("events.test");
  for (int i = 0; i < 3; ++i)
    client.XAdd(stream, {{"n", std::to_string(i)}});
  {
    GroupReader first(client.config(), ReaderConfig(stream, "same"));
    REQUIRE(Collect(first, 3).size() == 3);  // read, never acknowledged
  }
  client.XAdd(stream, {{"n", "3"}});
  GroupReaderConfig rc = ReaderConfig(stream, "same");
  rc.claim_idle = absl::Hours(1);  // only the own-pending phase can return the old entries
  GroupReader again(client.config(), rc);
  const std::vector<Entry> pending = again.Next();
  REQUIRE(pending.size() == 3);
  for (const Entry& e : pending)
    CHECK(e.deliveries == 2);
  again.Ack(pending);
  const std::vector<Entry> fresh = Collect(again, 1);
  REQUIRE(fresh.size() == 1);
  CHECK(*fresh[0].Field("n") == "3");
  again.Ack(fresh);
  CHECK(PendingCount(client, stream, "testers") == 0);
}

TEST_CASE("entries of a consumer killed mid-batch are claimed and processed by another") {
  Client client(TestConfig());
  REQUIRE(client.Ping());
  const std::string stream = client.Key("events.test");
  std::set<std::string> ids;
  for (int i = 0; i < 5; ++i)
    ids.insert(client.XAdd(stream, {{"n", std::to_string(i)}}));

  {
    GroupReader victim(client.config(), ReaderConfig(stream, "victim"));
    REQUIRE(Collect(victim, 5).size() == 5);  // took the batch, then "died" without acking
  }
  CHECK(PendingCount(client, stream, "testers") == 5);

  GroupReader rescuer(client.config(), ReaderConfig(stream, "rescuer"));
  const std::vector<Entry> claimed = Collect(rescuer, 5);
  REQUIRE(claimed.size() == 5);
  std::set<std::string> claimed_ids;
  for (const Entry& e : claimed) {
    claimed_ids.insert(e.id);
    CHECK(e.deliveries == 2);
  }
  CHECK(claimed_ids == ids);
  rescuer.Ack(claimed);
  CHECK(PendingCount(client, stream, "testers") == 0);
}

TEST_CASE("an entry delivered more than max_deliveries times goes to the dead-letter stream") {
  Client client(TestConfig());
  REQUIRE(client.Ping());
  const std::string stream = client.Key("events.test");
  const std::string id = client.XAdd(stream, {{"type", "Poison"}, {"payload", "x"}});
  GroupReaderConfig rc = ReaderConfig(stream, "c1");
  rc.max_deliveries = 3;
  GroupReader reader(client.config(), rc);

  int64_t max_seen = 0;
  for (int i = 0; i < 500 && reader.dead_lettered() == 0; ++i) {
    for (const Entry& e : reader.Next()) {  // never acknowledged: a handler that always fails
      CHECK(e.id == id);
      max_seen = std::max(max_seen, e.deliveries);
    }
  }
  REQUIRE(reader.dead_lettered() == 1);
  CHECK(max_seen == 3);
  CHECK(PendingCount(client, stream, "testers") == 0);

  const Reply dead = client.Command({"XRANGE", stream + ".dead", "-", "+"});
  REQUIRE(dead.size() == 1);
  const Reply fields = dead.at(0).at(1);
  std::map<std::string, std::string> f;
  for (size_t i = 0; i + 1 < fields.size(); i += 2) {
    f[std::string(fields.at(i).str())] = std::string(fields.at(i + 1).str());
  }
  CHECK(f["type"] == "Poison");
  CHECK(f["payload"] == "x");
  CHECK(f["origin_id"] == id);
  CHECK(reader.Next().empty());
}

TEST_CASE("a lease is exclusive, expires, and only its holder renews or releases it") {
  Client client(TestConfig());
  REQUIRE(client.Ping());
  // a's lease must outlive the checks made while it holds it, however slow the machine; the
  // test then waits for it to expire.
  Lease a(client, "matcher.m1", "holder-a", absl::Seconds(2));
  Lease b(client, "matcher.m1", "holder-b", absl::Seconds(30));
  CHECK(a.key() == client.Key("lease.matcher.m1"));

  REQUIRE(a.TryAcquire());
  CHECK(a.held());
  CHECK(a.TryAcquire());  // re-acquiring one's own lease extends it
  CHECK_FALSE(b.TryAcquire());
  CHECK_FALSE(b.held());
  CHECK_FALSE(b.Renew());
  b.Release();  // not the holder: nothing happens
  CHECK(client.Command({"GET", a.key()}).str() == "holder-a");
  CHECK(a.Renew());

  // Let a's lease expire (ttl 2 s, never renewed again), then b takes it (bounded: 30 s).
  bool taken = false;
  for (int i = 0; i < 600 && !taken; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    taken = b.TryAcquire();
  }
  REQUIRE(taken);
  CHECK(b.held());
  CHECK_FALSE(a.held());
  CHECK_FALSE(a.Renew());
  a.Release();  // a lost it: b's lease stays
  CHECK(client.Command({"GET", b.key()}).str() == "holder-b");
  b.Release();
  CHECK_FALSE(b.held());
  CHECK(client.Command({"GET", b.key()}).is_nil());
}

TEST_CASE("a subscriber receives messages on channels and patterns") {
  const Config config = TestConfig();
  Client client(config);
  REQUIRE(client.Ping());
  std::mutex mu;
  std::condition_variable cv;
  std::vector<std::pair<std::string, std::string>> got;
  Subscriber sub(config, {config.Key("live.events.order"), config.Key("live.pat.*")},
                 [&](const std::string& channel, const std::string& msg) {
                   std::lock_guard lock(mu);
                   got.emplace_back(channel, msg);
                   cv.notify_all();
                 });
  for (int i = 0; i < 1500 && !sub.subscribed(); ++i) {  // up to 15 s
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  REQUIRE(sub.subscribed());
  client.Publish(config.Key("live.events.order"), "o1 OrderPlaced");
  client.Publish(config.Key("live.other"), "not subscribed");
  client.Publish(config.Key("live.pat.x"), std::string("bin\0ary", 7));
  std::unique_lock lock(mu);
  REQUIRE(cv.wait_for(lock, std::chrono::seconds(30), [&] { return got.size() >= 2; }));
  REQUIRE(got.size() == 2);
  CHECK(got[0] == std::make_pair(config.Key("live.events.order"), std::string("o1 OrderPlaced")));
  CHECK(got[1] == std::make_pair(config.Key("live.pat.x"), std::string("bin\0ary", 7)));
}

TEST_CASE("an unreachable server is an error, not a hang") {
  Config config = TestConfig();
  config.url = "redis://127.0.0.1:1";  // nothing listens there
  config.connect_timeout = absl::Milliseconds(200);
  Client client(config);
  CHECK_FALSE(client.Ping());
  CHECK_THROWS_AS(client.Command({"PING"}), ConnectionError);
}

TEST_CASE(
    "a connection the server reset is an error to handle, not a SIGPIPE that kills the "
    "process") {
  // A peer that answers one command and then goes away, as a Redis restarted while this process
  // was paused: the next large write on that connection is answered with a reset, and the
  // write after it gets EPIPE, and SIGPIPE unless the signal is ignored.
  const int listener = socket(AF_INET, SOCK_STREAM, 0);
  REQUIRE(listener >= 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  REQUIRE(bind(listener, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0);
  socklen_t len = sizeof addr;
  REQUIRE(getsockname(listener, reinterpret_cast<sockaddr*>(&addr), &len) == 0);
  REQUIRE(listen(listener, 4) == 0);
  std::atomic<bool> reset{false};
  std::thread peer([&] {
    const int c = accept(listener, nullptr, nullptr);
    if (c < 0) return;
    char buf[256];
    if (recv(c, buf, sizeof buf, 0) > 0) send(c, "+OK\r\n", 5, MSG_NOSIGNAL);
    close(c);
    reset = true;
  });
  Config c = ConfigFromUrl("redis://127.0.0.1:" + std::to_string(ntohs(addr.sin_port)), "p:");
  c.connect_timeout = absl::Milliseconds(500);
  c.command_timeout = absl::Milliseconds(500);
  c.pool_size = 1;  // the second command goes over the first one's connection
  Client client(c);
  CHECK(client.Command({"SET", "k", "v"}).str() == "OK");
  peer.join();
  REQUIRE(reset.load());
  std::this_thread::sleep_for(std::chrono::milliseconds(100));  // the close has arrived
  // Several megabytes: written in several write(2) calls, the later ones after the reset. They
  // fail (EPIPE); the retry on a new connection is never answered (nobody accepts it): an
  // Error, and the process is still here to catch it.
  CHECK_THROWS_AS(client.Command({"SET", "k", std::string(8 << 20, 'x')}), Error);
  close(listener);
}

}  // namespace pasar::redis
