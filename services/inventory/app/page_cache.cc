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

PageCache::Page PageCache::FreshLocked(const std::string& key, uint64_t version,
                                       absl::Time now) const {
  const auto it = pages_.find(key);
  if (it == pages_.end() || it->second.version != version || now - it->second.read_at >= max_age_) {
    return nullptr;
  }
  return it->second.page;
}

PageCache::Page PageCache::Find(const std::string& key, uint64_t version) const {
  if (!enabled()) return nullptr;
  const absl::Time now = clock_();
  absl::ReaderMutexLock lock(&mu_);
  return FreshLocked(key, version, now);
}

void PageCache::Put(const std::string& key, uint64_t version, absl::Time read_at, Page page) {
  if (!enabled()) return;
  const absl::Time now = clock_();
  absl::MutexLock lock(&mu_);
  PutLocked(key, version, read_at, std::move(page), now);
}

void PageCache::PutLocked(const std::string& key, uint64_t version, absl::Time read_at, Page page,
                          absl::Time now) {
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

absl::Status PageCache::GetOrRead(const std::string& key, uint64_t version, const Read& read,
                                  Page* out) {
  if (!enabled()) return read(out);
  std::shared_ptr<Flight> flight;
  bool leader = false;
  {
    const absl::Time now = clock_();
    absl::MutexLock lock(&mu_);
    if (Page page = FreshLocked(key, version, now)) {
      *out = std::move(page);
      return absl::OkStatus();
    }
    auto it = flights_.find(key);
    if (it != flights_.end() && it->second->version == version &&
        now - it->second->read_at < max_age_) {
      flight = it->second;
      ++flight->waiting;
    } else {
      flight = std::make_shared<Flight>();
      flight->version = version;
      flight->read_at = now;
      flights_[key] = flight;  // a newer version's read replaces an older one's
      leader = true;
    }
  }
  if (!leader) {
    flight->done.WaitForNotification();
    {
      absl::MutexLock lock(&mu_);
      --flight->waiting;
    }
    if (flight->error) std::rethrow_exception(flight->error);
    if (flight->status.ok()) *out = flight->page;
    return flight->status;
  }
  try {
    flight->status = read(&flight->page);
  } catch (...) {
    flight->error = std::current_exception();
  }
  {
    const absl::Time now = clock_();
    absl::MutexLock lock(&mu_);
    if (flight->status.ok() && !flight->error) {
      PutLocked(key, version, flight->read_at, flight->page, now);
    }
    auto it = flights_.find(key);
    if (it != flights_.end() && it->second == flight) flights_.erase(it);
  }
  flight->done.Notify();
  if (flight->error) std::rethrow_exception(flight->error);
  if (flight->status.ok()) *out = flight->page;
  return flight->status;
}

int PageCache::Waiting(const std::string& key) const {
  absl::ReaderMutexLock lock(&mu_);
  const auto it = flights_.find(key);
  return it == flights_.end() ? 0 : it->second->waiting;
}

}  // namespace pasar::inventory
