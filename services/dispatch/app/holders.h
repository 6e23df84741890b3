// Who may hold a job before pickup (its pending offer and that offer's courier, the courier it
// is assigned to), locked in the order job -> offer -> courier, for the decisions that take a
// job back (domain::Holders).
#pragma once

#include <optional>

#include "domain/decisions.h"
#include "pasar/pg/pg.h"

namespace pasar::dispatch::app {

struct LockedHolders {
  std::optional<domain::Offer> offer;
  std::optional<domain::Courier> offered_to;
  std::optional<domain::Courier> assigned;
  domain::BundleRest rest;

  domain::Holders view();
};

// Locks the holders of a locked `job` (none once a ticket is picked up or the job is over).
LockedHolders LockHolders(pg::Transaction& tx, const domain::Job& job);
// Writes what the decision changed in them.
void SaveHolders(pg::Transaction& tx, const LockedHolders& holders);

// What `courier_id` keeps of `job`'s stacked trip once `job` leaves their hands (other jobs to
// deliver, or goods of a failed one to bring back), read under the courier's lock; nothing for
// a job of no bundle.
domain::BundleRest TripRest(pg::Transaction& tx, const domain::Job& job,
                            const std::string& courier_id);

}  // namespace pasar::dispatch::app
