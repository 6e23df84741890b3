#include "app/sweeper_cases.h"

#include <optional>

#include "app/holders.h"
#include "app/record.h"
#include "domain/decisions.h"
#include "store/couriers.h"
#include "store/jobs.h"
#include "store/offers.h"

namespace pasar::dispatch::app {

int SweeperCases::ExpireOffers(int limit) {
  return pg::WithTransaction(pool_, "expire_offers", [&](pg::Transaction& tx) {
    int expired = 0;
    for (domain::Offer& offer : store::ClaimDueOffers(tx, limit)) {
      if (!offer.bundle_id.empty()) {
        if (ExpireTrip(tx, offer.bundle_id)) ++expired;
        continue;
      }
      // The offer is locked; take the job only if free (an AcceptOffer holding it goes first).
      auto job = store::TryLockJob(tx, offer.job_id);
      if (!job) continue;
      auto courier = store::LockCourier(tx, offer.courier_id);
      if (!courier) continue;
      const domain::Decision d = domain::ExpireOffer(*job, offer, *courier, timers_.limits());
      if (!d.ok()) continue;
      store::SaveOffer(tx, offer);
      store::SaveJob(tx, *job);
      store::SaveCourier(tx, *courier);
      Record(tx, job->id, job->correlation_id, d);
      ++expired;
    }
    tx.Commit();
    return expired;
  });
}

bool SweeperCases::ExpireTrip(pg::Transaction& tx, const std::string& bundle_id) {
  // Every pending offer of the trip (those of this sweep are locked by it already), and every job
  // free: else the trip waits for the next sweep (an AcceptOffer holding them goes first).
  std::vector<domain::Offer> offers = store::TryLockPendingOffersOfBundle(tx, bundle_id);
  if (offers.empty() || offers.size() != store::PendingJobsOfBundle(tx, bundle_id).size()) {
    return false;
  }
  std::vector<domain::Job> jobs;
  for (const domain::Offer& o : offers) {
    auto job = store::TryLockJob(tx, o.job_id);
    if (!job) return false;
    jobs.push_back(std::move(*job));
  }
  auto courier = store::LockCourier(tx, offers.front().courier_id);
  if (!courier) return false;
  std::vector<domain::TripLeg> legs;
  for (std::size_t i = 0; i < jobs.size(); ++i)
    legs.push_back({&jobs[i], &offers[i]});
  const domain::Decision d = domain::ExpireTrip(legs, *courier, timers_.limits());
  if (!d.ok()) return false;
  for (std::size_t i = 0; i < jobs.size(); ++i) {
    store::SaveOffer(tx, offers[i]);
    store::SaveJob(tx, jobs[i]);
    domain::Decision mine;
    mine.exclusions.push_back(d.exclusions[i]);
    mine.events.push_back(d.events[i]);
    Record(tx, jobs[i].id, jobs[i].correlation_id, mine);
  }
  store::SaveCourier(tx, *courier);
  return true;
}

int SweeperCases::FailOverdueJobs(int limit) {
  return pg::WithTransaction(pool_, "fail_overdue_jobs", [&](pg::Transaction& tx) {
    int failed = 0;
    for (domain::Job& job : store::ClaimOverdueJobs(tx, limit)) {
      LockedHolders holders = LockHolders(tx, job);
      const domain::Decision d = domain::FailOverdueJob(job, holders.view());
      if (!d.ok()) continue;
      SaveHolders(tx, holders);
      store::SaveJob(tx, job);
      Record(tx, job.id, job.correlation_id, d);
      ++failed;
    }
    tx.Commit();
    return failed;
  });
}

int SweeperCases::ReleaseSilentCouriers(absl::Duration stale_after, int limit) {
  return pg::WithTransaction(pool_, "release_silent", [&](pg::Transaction& tx) {
    int released = 0;
    for (domain::Job& job : store::ClaimSilentAssignments(tx, stale_after, limit)) {
      std::optional<domain::Courier> courier = store::LockCourier(tx, job.courier_id);
      const domain::BundleRest rest = app::TripRest(tx, job, job.courier_id);
      const domain::Decision d =
          domain::ReleaseSilentCourier(job, courier ? &*courier : nullptr, rest);
      if (!d.ok()) continue;
      if (courier) store::SaveCourier(tx, *courier);
      store::SaveJob(tx, job);
      Record(tx, job.id, job.correlation_id, d);
      ++released;
    }
    tx.Commit();
    return released;
  });
}

}  // namespace pasar::dispatch::app
