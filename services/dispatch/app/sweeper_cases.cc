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
      const domain::Decision d = domain::ReleaseSilentCourier(job, courier ? &*courier : nullptr);
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
