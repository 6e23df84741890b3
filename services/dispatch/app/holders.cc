#include "app/holders.h"

#include "store/couriers.h"
#include "store/jobs.h"
#include "store/offers.h"

namespace pasar::dispatch::app {

domain::Holders LockedHolders::view() {
  domain::Holders h;
  h.offer = offer ? &*offer : nullptr;
  h.offered_to = offered_to ? &*offered_to : nullptr;
  h.assigned = assigned ? &*assigned : nullptr;
  h.rest = rest;
  return h;
}

LockedHolders LockHolders(pg::Transaction& tx, const domain::Job& job) {
  LockedHolders holders;
  if (!domain::BeforePickup(job.state)) return holders;
  holders.offer = store::LockPendingOfferOfJob(tx, job.id);
  if (holders.offer) holders.offered_to = store::LockCourier(tx, holders.offer->courier_id);
  if (!job.courier_id.empty()) holders.assigned = store::LockCourier(tx, job.courier_id);
  // What the courier keeps of the job's stacked trip once the job leaves it (read under the
  // courier's lock): other pending offers of the bundle, or other jobs of it.
  if (!job.bundle_id.empty()) {
    if (holders.offer) {
      holders.rest.others = store::PendingJobsOfBundle(tx, job.bundle_id).size() > 1;
    } else if (!job.courier_id.empty()) {
      holders.rest = TripRest(tx, job, job.courier_id);
    }
  }
  return holders;
}

domain::BundleRest TripRest(pg::Transaction& tx, const domain::Job& job,
                            const std::string& courier_id) {
  const store::TripJobs others = store::OtherTripJobs(tx, job, courier_id);
  return domain::BundleRest{
      .others = !others.ids.empty(),
      .next_job_id = others.ids.empty() ? "" : others.ids.front(),
      .on_board = !others.ids.empty() && store::OtherTripStopsLeft(tx, job, courier_id) == 0};
}

void SaveHolders(pg::Transaction& tx, const LockedHolders& holders) {
  if (holders.offer) store::SaveOffer(tx, *holders.offer);
  if (holders.offered_to) store::SaveCourier(tx, *holders.offered_to);
  if (holders.assigned) store::SaveCourier(tx, *holders.assigned);
}

}  // namespace pasar::dispatch::app
