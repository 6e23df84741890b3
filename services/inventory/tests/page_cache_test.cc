// The catalogue page cache's single flight: concurrent misses of one page share one read, within
// the freshness the cache promises (same catalogue version, a read younger than max_age). Pure:
// the reads are functions of the test, the clock is driven.
#include <catch2/catch.hpp>

#include <atomic>
#include <stdexcept>
#include <thread>

#include "absl/synchronization/notification.h"
#include "app/page_cache.h"

using namespace pasar::inventory;
namespace pb = pasar::inventory::v1;

namespace {

PageCache::Page PageNamed(const std::string& token) {
  auto page = std::make_shared<pb::ListProductsResponse>();
  page->set_next_page_token(token);
  return page;
}

// Waits (up to a generous deadline, for a slow sanitizer build) until `n` requests wait for the
// read of `key`; false if they never do.
bool WaitForWaiting(const PageCache& cache, const std::string& key, int n) {
  const absl::Time deadline = absl::Now() + absl::Seconds(30);
  while (cache.Waiting(key) < n) {
    if (absl::Now() > deadline) return false;
    absl::SleepFor(absl::Milliseconds(1));
  }
  return true;
}

// A request whose read blocks until released, on its own thread.
struct BlockedRead {
  absl::Notification started, release;
  std::atomic<int> reads{0};
  PageCache::Page got;
  absl::Status status;
  std::thread thread;

  void Start(PageCache& cache, const std::string& key, uint64_t version, absl::Status result) {
    thread = std::thread([this, &cache, key, version, result] {
      status = cache.GetOrRead(
          key, version,
          [&](PageCache::Page* out) {
            ++reads;
            started.Notify();
            release.WaitForNotification();
            if (result.ok()) *out = PageNamed("leader");
            return result;
          },
          &got);
    });
    started.WaitForNotification();
  }
  void Finish() {
    release.Notify();
    thread.join();
  }
};

}  // namespace

TEST_CASE("concurrent misses of one page share one read and its page", "[page_cache]") {
  absl::Time now = absl::UnixEpoch();
  PageCache cache(absl::Seconds(1), 16, [&] { return now; });
  BlockedRead leader;
  leader.Start(cache, "page-1", 7, absl::OkStatus());

  std::atomic<int> follower_reads{0};
  PageCache::Page follower_got;
  absl::Status follower_status = absl::UnknownError("not run");
  std::thread follower([&] {
    follower_status = cache.GetOrRead(
        "page-1", 7,
        [&](PageCache::Page* out) {
          ++follower_reads;
          *out = PageNamed("follower");
          return absl::OkStatus();
        },
        &follower_got);
  });
  REQUIRE(WaitForWaiting(cache, "page-1", 1));
  leader.Finish();
  follower.join();

  CHECK(leader.reads == 1);
  CHECK(follower_reads == 0);
  REQUIRE(follower_status.ok());
  REQUIRE(follower_got != nullptr);
  CHECK(follower_got == leader.got);  // the very same page
  CHECK(follower_got->next_page_token() == "leader");
  CHECK(cache.Waiting("page-1") == 0);
  // The shared read was stored: the next request is served from memory.
  CHECK(cache.Find("page-1", 7) == leader.got);
}

TEST_CASE("a request of a newer catalogue version or another page does not wait for a read",
          "[page_cache]") {
  absl::Time now = absl::UnixEpoch();
  PageCache cache(absl::Seconds(1), 16, [&] { return now; });
  BlockedRead leader;
  leader.Start(cache, "page-1", 7, absl::OkStatus());

  int reads = 0;
  auto read = [&](PageCache::Page* out) {
    ++reads;
    *out = PageNamed("own");
    return absl::OkStatus();
  };
  PageCache::Page got;
  // Version 8: a write finished on this instance after the leader's read began; the leader's
  // rows may not show it, so this request reads for itself (on this thread: it must not block).
  REQUIRE(cache.GetOrRead("page-1", 8, read, &got).ok());
  CHECK(got->next_page_token() == "own");
  REQUIRE(cache.GetOrRead("page-2", 7, read, &got).ok());
  CHECK(reads == 2);
  leader.Finish();
  // The leader's older version did not replace the newer page.
  CHECK(cache.Find("page-1", 8) != nullptr);
  CHECK(cache.Find("page-1", 7) == nullptr);
}

TEST_CASE("a read older than max_age is not joined", "[page_cache]") {
  absl::Time now = absl::UnixEpoch();
  PageCache cache(absl::Seconds(1), 16, [&] { return now; });
  BlockedRead leader;
  leader.Start(cache, "page-1", 7, absl::OkStatus());
  now += absl::Seconds(1);  // the leader's read began max_age ago: its rows may miss a write
  int reads = 0;
  PageCache::Page got;
  REQUIRE(cache
              .GetOrRead(
                  "page-1", 7,
                  [&](PageCache::Page* out) {
                    ++reads;
                    *out = PageNamed("own");
                    return absl::OkStatus();
                  },
                  &got)
              .ok());
  CHECK(reads == 1);
  CHECK(got->next_page_token() == "own");
  leader.Finish();
}

TEST_CASE("a failed shared read fails every request waiting for it and stores nothing",
          "[page_cache]") {
  absl::Time now = absl::UnixEpoch();
  PageCache cache(absl::Seconds(1), 16, [&] { return now; });

  SECTION("an error status") {
    BlockedRead leader;
    leader.Start(cache, "page-1", 7, absl::InvalidArgumentError("page_token: not ours"));
    absl::Status follower_status;
    std::thread follower([&] {
      PageCache::Page got;
      follower_status = cache.GetOrRead(
          "page-1", 7, [](PageCache::Page*) { return absl::OkStatus(); }, &got);
    });
    REQUIRE(WaitForWaiting(cache, "page-1", 1));
    leader.Finish();
    follower.join();
    CHECK(leader.status.code() == absl::StatusCode::kInvalidArgument);
    CHECK(follower_status.code() == absl::StatusCode::kInvalidArgument);
    CHECK(follower_status.message() == "page_token: not ours");
  }
  SECTION("an exception (PostgreSQL unreachable)") {
    absl::Notification started, release;
    bool leader_threw = false;  // Catch2's assertions are for the test's own thread only
    std::thread leader([&] {
      PageCache::Page got;
      try {
        (void)cache.GetOrRead(
            "page-1", 7,
            [&](PageCache::Page*) -> absl::Status {
              started.Notify();
              release.WaitForNotification();
              throw std::runtime_error("connection refused");
            },
            &got);
      } catch (const std::runtime_error&) {
        leader_threw = true;
      }
    });
    started.WaitForNotification();
    bool follower_threw = false;
    std::thread follower([&] {
      PageCache::Page got;
      try {
        (void)cache.GetOrRead(
            "page-1", 7, [](PageCache::Page*) { return absl::OkStatus(); }, &got);
      } catch (const std::runtime_error& e) {
        follower_threw = std::string(e.what()) == "connection refused";
      }
    });
    REQUIRE(WaitForWaiting(cache, "page-1", 1));
    release.Notify();
    leader.join();
    follower.join();
    CHECK(leader_threw);
    CHECK(follower_threw);
  }
  CHECK(cache.Find("page-1", 7) == nullptr);
  CHECK(cache.Waiting("page-1") == 0);
}

TEST_CASE("with the cache off every request reads for itself", "[page_cache]") {
  PageCache off(absl::ZeroDuration());
  int reads = 0;
  PageCache::Page got;
  for (int i = 0; i < 2; ++i) {
    REQUIRE(off.GetOrRead(
                   "page-1", 7,
                   [&](PageCache::Page* out) {
                     ++reads;
                     *out = PageNamed("own");
                     return absl::OkStatus();
                   },
                   &got)
                .ok());
  }
  CHECK(reads == 2);
  CHECK(off.Find("page-1", 7) == nullptr);
}
