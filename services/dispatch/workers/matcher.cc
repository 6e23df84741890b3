#include "workers/matcher.h"

#include <exception>
#include <stdexcept>

#include "absl/time/clock.h"
#include "pasar/log/log.h"

namespace pasar::dispatch {
namespace {

constexpr absl::Duration kKeepIdleLease = absl::Minutes(1);

}  // namespace

Matcher::Matcher(app::MatcherCases& cases, redis::Client& redis, LiveLocations& locations,
                 MatchingPolicy policy, MatcherConfig config, std::string instance_id)
    : cases_(cases),
      redis_(redis),
      locations_(locations),
      policy_(policy),
      config_(config),
      instance_id_(std::move(instance_id)),
      // No back-off: matching resumes at the first window after PostgreSQL or Redis is back.
      worker_("matcher", config_.window, config_.window, [this] { RunOnce(); }) {
  // A lease that lapses between two windows would hand markets back and forth.
  if (config_.lease_ttl <= config_.window) {
    throw std::invalid_argument("the matcher lease must outlive the batch window");
  }
}

Matcher::~Matcher() {
  Stop();
}

void Matcher::Stop() {
  worker_.Stop();
  for (auto& [market, ml] : leases_) {
    try {
      if (ml.lease) ml.lease->Release();
    } catch (const std::exception&) {
      // It expires by itself.
    }
  }
  leases_.clear();
}

int Matcher::RunOnce() {
  locations_.Refresh();
  const std::vector<std::string> markets = cases_.MarketsWithPendingJobs();
  const absl::Time now = absl::Now();
  for (const std::string& market : markets)
    leases_[market].last_needed = now;
  int offers = 0;
  for (auto it = leases_.begin(); it != leases_.end();) {
    const std::string& market = it->first;
    MarketLease& ml = it->second;
    // Ownership is sticky: a held lease is renewed while the market had pending jobs within
    // kKeepIdleLease, so one instance keeps a market instead of instances taking turns.
    if (now - ml.last_needed > kKeepIdleLease) {
      if (ml.lease) ml.lease->Release();
      it = leases_.erase(it);
      continue;
    }
    if (!ml.lease) {
      ml.lease = std::make_unique<redis::Lease>(redis_, "matcher." + market, instance_id_,
                                                config_.lease_ttl);
    }
    // Renewed right before the market is matched, so a slow market earlier in the loop cannot
    // let this one lapse before its offers are made.
    const bool was_held = ml.lease->held();
    const bool held = was_held ? ml.lease->Renew() : ml.lease->TryAcquire();
    if (!held) ml.fence.reset();
    try {
      // A lease taken afresh claims the market's fence, so offers of any earlier holder stop.
      if (held && (!was_held || !ml.fence))
        ml.fence = cases_.ClaimMatcherFence(market, instance_id_);
    } catch (const std::exception& e) {
      ml.fence.reset();
      log::Log("warn", "claiming a market's matcher fence failed",
               {{"market_id", market}, {"error", e.what()}});
    }
    if (held && ml.fence && ml.last_needed == now) {
      try {
        offers += MatchMarket(market, ml);
      } catch (const std::exception& e) {
        // One market's failure must not keep the others (and their leases) waiting.
        log::Log("warn", "matching a market failed", {{"market_id", market}, {"error", e.what()}});
      }
    }
    ++it;
  }
  if (metrics_ != nullptr) {
    metrics_->matcher_windows.Increment();
    metrics_->offers_made.Increment(offers);
  }
  return offers;
}

int Matcher::MatchMarket(const std::string& market_id, MarketLease& ml) {
  const redis::Lease& lease = *ml.lease;
  const std::vector<store::MatchJob> rows =
      cases_.PendingJobs(market_id, config_.max_jobs_per_window);
  if (rows.empty()) return 0;
  const int64_t now_ms = absl::ToUnixMillis(absl::Now());
  std::vector<PendingJob> jobs;
  jobs.reserve(rows.size());
  for (const auto& r : rows)
    jobs.push_back(r.job);

  // Spatial candidates (fresh fixes within each job's radius), copied out of the lock.
  std::vector<std::vector<SpatialIndex::Hit>> candidates;
  std::vector<std::string> owned_ids;  // keeps the ids alive after the lock is released
  std::vector<std::string> unique_ids;
  locations_.Read([&](const SpatialIndex& index) {
    for (const PendingJob& job : jobs)
      candidates.push_back(policy_.Candidates(index, job, now_ms));
    std::size_t total = 0;
    for (const auto& c : candidates)
      total += c.size();
    owned_ids.reserve(total);
    for (auto& c : candidates) {
      for (auto& hit : c) {
        owned_ids.emplace_back(hit.id);
        hit.id = owned_ids.back();
      }
    }
    return 0;
  });
  absl::flat_hash_set<std::string> seen;
  for (const std::string& id : owned_ids) {
    if (seen.insert(id).second) unique_ids.push_back(id);
  }
  if (unique_ids.empty()) return 0;
  const auto idle = cases_.IdleCouriers(unique_ids);
  const app::MatcherCases::MarketSettings settings =
      cases_.SettingsOf(market_id, config_.default_rule);
  // Stacked trips are planned by the exact solver only (a bundle is one of its rows); a greedy
  // market dispatches one order per trip whatever its bound.
  std::vector<TripProposal> plan;
  if (settings.rule == MatchingRule::kExact && settings.stacking_minutes > 0) {
    std::vector<geo::LatLng> drop_offs;
    drop_offs.reserve(rows.size());
    for (const auto& r : rows)
      drop_offs.push_back(r.drop_off);
    StackingConfig stacking;
    stacking.max_delay_s = int64_t{settings.stacking_minutes} * 60;
    plan = PlanStacked(policy_, stacking, jobs, drop_offs, candidates, idle);
  } else {
    for (Proposal& p : policy_.Plan(settings.rule, jobs, candidates, idle)) {
      plan.push_back(TripProposal{.job_ids = {std::move(p.job_id)},
                                  .courier_id = std::move(p.courier_id),
                                  .distance_m = p.distance_m,
                                  .eta_seconds = p.eta_seconds,
                                  .cost = p.cost});
    }
  }
  int made = 0;
  for (const TripProposal& p : plan) {
    // Once the lease may have lapsed (a slow window) another instance may hold the market:
    // stop, the rest waits for the next window. held() is measured from before the renewal
    // was sent, so it ends before the key expires in Redis.
    if (!lease.held()) break;
    bool fenced = false;
    if (cases_.MakeTripOffer(*ml.fence, p, &fenced)) ++made;
    if (fenced) {
      // Another instance has claimed the market since: never act on a lease lost meanwhile.
      log::Log("warn", "matcher fenced out of a market; letting it go",
               {{"market_id", market_id}, {"instance", instance_id_}});
      ml.fence.reset();
      ml.lease.reset();  // its release is a compare-and-delete: another holder's key stays
      break;
    }
  }
  return made;
}

}  // namespace pasar::dispatch
