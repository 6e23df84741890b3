#include "app/holders.h"

#include "store/couriers.h"
#include "store/offers.h"

namespace pasar::dispatch::app {

domain::Holders LockedHolders::view() {
  domain::Holders h;
  h.offer = offer ? &*offer : nullptr;
  h.offered_to = offered_to ? &*offered_to : nullptr;
  h.assigned = assigned ? &*assigned : nullptr;
  return h;
}

LockedHolders LockHolders(pg::Transaction& tx, const domain::Job& job) {
  LockedHolders holders;
  if (!domain::BeforePickup(job.state)) return holders;
  holders.offer = store::LockPendingOfferOfJob(tx, job.id);
  if (holders.offer) holders.offered_to = store::LockCourier(tx, holders.offer->courier_id);
  if (!job.courier_id.empty()) holders.assigned = store::LockCourier(tx, job.courier_id);
  return holders;
}

void SaveHolders(pg::Transaction& tx, const LockedHolders& holders) {
  if (holders.offer) store::SaveOffer(tx, *holders.offer);
  if (holders.offered_to) store::SaveCourier(tx, *holders.offered_to);
  if (holders.assigned) store::SaveCourier(tx, *holders.assigned);
}

}  // namespace pasar::dispatch::app
