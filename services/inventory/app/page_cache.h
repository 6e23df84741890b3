// The catalogue's product pages kept in memory for a short while: ListProducts is a customer's
// most frequent call (dozens of pages per order) and most of them ask for the same few pages.
//
// Freshness: a page is served from memory only while
//   - no write of this instance's store has finished since its rows were read (the store's
//     catalogue version, Store::CatalogVersion, is the same as when the rows were read), so a
//     write through this instance is visible to the next read on it, and
//   - it is younger than `max_age`, measured from before the rows were read, so a write committed
//     elsewhere (another instance, or an event this instance's consumer applies) is visible to
//     every read that starts more than `max_age` after its commit.
// A max_age of zero turns the cache off. Thread-safe.
//
// Single flight: when a page is missing or stale, concurrent requests for it at the same catalogue
// version share one read (the first reads, the others wait for its result), so a popular page
// expiring does not send every waiting request to PostgreSQL at once. A request joins only a read
// of the current version that started less than max_age ago, so the freshness above holds for
// what it is given.
#pragma once

#include <cstddef>
#include <cstdint>
#include <exception>
#include <functional>
#include <memory>
#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "absl/synchronization/mutex.h"
#include "absl/synchronization/notification.h"
#include "absl/time/time.h"
#include "pasar/inventory/v1/inventory.pb.h"

namespace pasar::inventory {

class PageCache final {
 public:
  // Monotonic instants (tests drive their own).
  using Clock = std::function<absl::Time()>;
  using Page = std::shared_ptr<const v1::ListProductsResponse>;

  // At most `capacity` pages are kept (memory: capacity times the size of a page).
  explicit PageCache(absl::Duration max_age, size_t capacity = 512, Clock clock = nullptr);

  bool enabled() const { return max_age_ > absl::ZeroDuration(); }
  absl::Time Now() const { return clock_(); }

  // The page stored under `key` when it was read at `version` (the current one) less than
  // max_age ago; null otherwise.
  Page Find(const std::string& key, uint64_t version) const;
  // Stores `page`, read at `version` by a query that started at `read_at` (taken from Now()
  // before the query was sent).
  void Put(const std::string& key, uint64_t version, absl::Time read_at, Page page);

  // The page under `key` at `version`: from memory when fresh, else from `read` (called at most
  // once at a time per key and version; concurrent callers wait for it and get its page, its
  // error status or its exception). A failed read stores nothing.
  using Read = std::function<absl::Status(Page*)>;
  absl::Status GetOrRead(const std::string& key, uint64_t version, const Read& read, Page* out);

  // Requests now waiting for another request's read of `key` (tests, metrics).
  int Waiting(const std::string& key) const;

 private:
  struct Entry {
    uint64_t version = 0;
    absl::Time read_at;
    Page page;
  };

  struct Flight {
    uint64_t version = 0;
    absl::Time read_at;
    int waiting = 0;  // guarded by the cache's mu_
    absl::Notification done;
    absl::Status status;  // set before done
    Page page;
    std::exception_ptr error;
  };

  Page FreshLocked(const std::string& key, uint64_t version, absl::Time now) const
      ABSL_SHARED_LOCKS_REQUIRED(mu_);
  void PutLocked(const std::string& key, uint64_t version, absl::Time read_at, Page page,
                 absl::Time now) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  const absl::Duration max_age_;
  const size_t capacity_;
  const Clock clock_;
  mutable absl::Mutex mu_;
  absl::flat_hash_map<std::string, Entry> pages_ ABSL_GUARDED_BY(mu_);
  absl::flat_hash_map<std::string, std::shared_ptr<Flight>> flights_ ABSL_GUARDED_BY(mu_);
};

}  // namespace pasar::inventory
