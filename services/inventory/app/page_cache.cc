#include "app/page_cache.h"

#include <chrono>

namespace pasar::inventory {
namespace {

absl::Time SteadyNow() {
  return absl::UnixEpoch() + absl::FromChrono(std::chrono::steady_clock::now().time_since_epoch());
}

}  // namespace

PageCache::PageCache(absl::Duration max_age, size_t capacity, Clock clock)
    : max_age_(max_age), capacity_(capacity), clock_(clock ? std::move(clock) : SteadyNow) {}

PageCache::Page PageCache::Find(const std::string& key, uint64_t version) const {
  if (!enabled()) return nullptr;
  const absl::Time now = clock_();
  absl::ReaderMutexLock lock(&mu_);
  const auto it = pages_.find(key);
  if (it == pages_.end() || it->second.version != version || now - it->second.read_at >= max_age_) {
    return nullptr;
  }
  return it->second.page;
}

void PageCache::Put(const std::string& key, uint64_t version, absl::Time read_at, Page page) {
  if (!enabled()) return;
  const absl::Time now = clock_();
  absl::MutexLock lock(&mu_);
  if (pages_.size() >= capacity_ && !pages_.contains(key)) {
    // Full: what can no longer be served goes first, everything when that frees nothing.
    absl::erase_if(pages_, [&](const auto& kv) {
      return kv.second.version != version || now - kv.second.read_at >= max_age_;
    });
    if (pages_.size() >= capacity_) pages_.clear();
  }
  Entry& e = pages_[key];
  // A slower reader of an older version does not replace a newer page.
  if (e.page != nullptr && (e.version > version || (e.version == version && e.read_at > read_at))) {
    return;
  }
  e = Entry{version, read_at, std::move(page)};
}

}  // namespace pasar::inventory
