#include "workers/live_locations.h"

#include <exception>
#include <optional>

#include "pasar/log/log.h"
#include "store/locations.h"

namespace pasar::dispatch {

LiveLocations::LiveLocations(pg::Pool& pool, FixRules rules, absl::Duration flush_every)
    : pool_(pool),
      rules_(rules),
      // No back-off: a failed flush keeps its fixes, and the next one writes them all at once.
      flusher_(
          "location flusher", flush_every, flush_every, [this] { Flush(); },
          periodic::Worker::FirstRound::kAfterInterval) {}

LiveLocations::~LiveLocations() {
  Stop();
}

void LiveLocations::Start() {
  Refresh();
  flusher_.Start();
}

void LiveLocations::Stop() {
  if (flusher_.Stop()) {
    try {
      Flush();
    } catch (const std::exception& e) {
      log::Log("warn", "final location flush failed", {{"error", e.what()}});
    }
  }
}

LiveLocations::Counts LiveLocations::Report(const std::string& courier_id, std::vector<Fix> fixes,
                                            int64_t now_ms) {
  // On the server's clock first: a phone with a fast clock must not look fresher than it is.
  fixes = ToServerTime(rules_, std::move(fixes), now_ms);
  Counts counts;
  {
    std::unique_lock lock(index_mu_);
    std::optional<Fix> latest = index_.Get(courier_id);
    bool changed = false;
    for (const Fix& fix : fixes) {
      switch (CheckFix(rules_, fix, latest ? &*latest : nullptr, now_ms)) {
        case FixVerdict::kAccept:
          latest = fix;
          changed = true;
          ++counts.accepted;
          break;
        case FixVerdict::kDuplicate:  // accepted, nothing new to store
          ++counts.accepted;
          break;
        default:
          ++counts.rejected;
          break;
      }
    }
    if (changed) {
      index_.Upsert(courier_id, *latest);
      std::lock_guard dirty(dirty_mu_);
      dirty_[courier_id] = *latest;
    }
  }
  if (metrics_ != nullptr) {
    metrics_->fixes_accepted.Increment(static_cast<double>(counts.accepted));
    metrics_->fixes_rejected.Increment(static_cast<double>(counts.rejected));
  }
  return counts;
}

void LiveLocations::Refresh() {
  std::lock_guard guard(refresh_mu_);
  std::vector<std::pair<std::string, Fix>> rows;
  const int64_t seq = store::ReadFixesSince(
      pool_, seen_seq_, [&](const std::string& id, const Fix& fix) { rows.emplace_back(id, fix); });
  if (!rows.empty()) {
    std::unique_lock lock(index_mu_);
    for (const auto& [id, fix] : rows) {
      const auto current = index_.Get(id);
      if (!current || current->recorded_at_ms < fix.recorded_at_ms) index_.Upsert(id, fix);
    }
    if (metrics_ != nullptr) metrics_->couriers_indexed.Set(static_cast<double>(index_.size()));
  }
  seen_seq_ = seq;
}

void LiveLocations::Flush() {
  std::vector<std::pair<std::string, Fix>> batch;
  {
    std::lock_guard lock(dirty_mu_);
    batch.assign(dirty_.begin(), dirty_.end());
    dirty_.clear();
  }
  if (batch.empty()) return;
  try {
    store::FlushFixes(pool_, batch);
  } catch (...) {
    // Put them back unless a newer fix arrived meanwhile; retried on the next tick.
    std::lock_guard lock(dirty_mu_);
    for (auto& [id, fix] : batch) {
      auto [it, inserted] = dirty_.emplace(id, fix);
      if (!inserted && it->second.recorded_at_ms < fix.recorded_at_ms) it->second = fix;
    }
    throw;
  }
  if (metrics_ != nullptr) metrics_->fixes_flushed.Increment(static_cast<double>(batch.size()));
}

}  // namespace pasar::dispatch
