#include "app/matcher_cases.h"

#include <cmath>
#include <variant>

#include "app/record.h"
#include "domain/decisions.h"
#include "store/couriers.h"
#include "store/jobs.h"
#include "store/offers.h"
#include "store/report.h"

namespace pasar::dispatch::app {

std::vector<std::string> MatcherCases::MarketsWithPendingJobs() {
  return store::MarketsWithPendingJobs(pool_);
}

std::vector<store::MatchJob> MatcherCases::PendingJobs(const std::string& market_id, int limit) {
  pg::Transaction tx(pool_, "pending_jobs");
  std::vector<store::MatchJob> jobs = store::PendingJobs(tx, market_id, limit);
  tx.Commit();
  return jobs;
}

MatcherCases::MarketSettings MatcherCases::SettingsOf(const std::string& market_id,
                                                      MatchingRule fallback) {
  const std::optional<store::MarketPolicyRow> stored = store::ReadMarketPolicy(pool_, market_id);
  if (!stored) return MarketSettings{fallback, 0};
  return MarketSettings{ParseRule(stored->policy).value_or(fallback), stored->stacking_minutes};
}

absl::flat_hash_map<std::string, IdleCourier> MatcherCases::IdleCouriers(
    const std::vector<std::string>& ids) {
  return store::IdleCouriers(pool_, ids);
}

store::MatcherFence MatcherCases::ClaimMatcherFence(const std::string& market_id,
                                                    const std::string& holder) {
  return store::ClaimMatcherFence(pool_, market_id, holder);
}

bool MatcherCases::MakeOffer(const store::MatcherFence& fence, const Proposal& p, bool* fenced) {
  if (fenced != nullptr) *fenced = false;
  return pg::WithTransaction(pool_, "make_offer", [&](pg::Transaction& tx) {
    if (!store::HoldsFence(tx, fence)) {
      if (fenced != nullptr) *fenced = true;
      return false;
    }
    auto job = store::TryLockPendingJob(tx, p.job_id);
    if (!job) return false;
    auto courier = store::TryLockIdleCourier(tx, p.courier_id);
    if (!courier) return false;
    const bool excluded = store::IsExcluded(tx, p.job_id, p.courier_id);
    domain::Offer offer;
    offer.eta_seconds = p.eta_seconds;
    offer.distance_to_market_meters = std::llround(p.distance_m);
    domain::Decision d = domain::MakeOffer(*job, *courier, excluded, offer);
    if (!d.ok()) return false;
    const auto [offer_id, expires_at_ms] =
        store::InsertOffer(tx, offer, fence.market_id, fence.holder, timers_.offer_ttl);
    // The offer's id and expiry are the database's.
    auto& made = std::get<domain::OfferMade>(d.events.front());
    made.offer_id = offer_id;
    made.expires_at_ms = expires_at_ms;
    store::SaveJob(tx, *job);
    store::SaveCourier(tx, *courier);
    Record(tx, job->id, job->correlation_id, d);
    tx.Commit();
    return true;
  });
}

bool MatcherCases::MakeTripOffer(const store::MatcherFence& fence, const TripProposal& trip,
                                 bool* fenced) {
  if (trip.job_ids.size() == 1) {
    return MakeOffer(fence,
                     Proposal{.job_id = trip.job_ids.front(),
                              .courier_id = trip.courier_id,
                              .distance_m = trip.distance_m,
                              .eta_seconds = trip.eta_seconds,
                              .cost = trip.cost},
                     fenced);
  }
  if (fenced != nullptr) *fenced = false;
  return pg::WithTransaction(pool_, "make_trip_offer", [&](pg::Transaction& tx) {
    if (!store::HoldsFence(tx, fence)) {
      if (fenced != nullptr) *fenced = true;
      return false;
    }
    // Every job of the bundle still PENDING and free, else no offer at all this window.
    std::vector<domain::Job> jobs;
    for (const std::string& id : trip.job_ids) {
      auto job = store::TryLockPendingJob(tx, id);
      if (!job) return false;
      jobs.push_back(std::move(*job));
    }
    auto courier = store::TryLockIdleCourier(tx, trip.courier_id);
    if (!courier) return false;
    std::vector<domain::Offer> offers(jobs.size());
    std::vector<domain::TripLeg> legs;
    std::vector<bool> excluded;
    for (std::size_t i = 0; i < jobs.size(); ++i) {
      offers[i].eta_seconds = trip.eta_seconds;
      offers[i].distance_to_market_meters = std::llround(trip.distance_m);
      legs.push_back({&jobs[i], &offers[i]});
      excluded.push_back(store::IsExcluded(tx, jobs[i].id, trip.courier_id));
    }
    domain::Decision d = domain::MakeTripOffer(legs, *courier, excluded);
    if (!d.ok()) return false;
    for (std::size_t i = 0; i < jobs.size(); ++i) {
      const auto [offer_id, expires_at_ms] =
          store::InsertOffer(tx, offers[i], fence.market_id, fence.holder, timers_.offer_ttl);
      auto& made = std::get<domain::OfferMade>(d.events[i]);
      made.offer_id = offer_id;
      made.expires_at_ms = expires_at_ms;
      store::SaveJob(tx, jobs[i]);
    }
    store::SaveCourier(tx, *courier);
    for (std::size_t i = 0; i < jobs.size(); ++i) {
      domain::Decision one;
      one.events.push_back(std::move(d.events[i]));
      Record(tx, jobs[i].id, jobs[i].correlation_id, one);
    }
    tx.Commit();
    return true;
  });
}

}  // namespace pasar::dispatch::app
