// Offers (table offers): the lifecycle row a decision works on (domain::Offer), written back
// when resolved; a new offer; the contract's view of a courier's pending offer.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/time/time.h"
#include "domain/job.h"
#include "pasar/dispatch/v1/dispatch.pb.h"
#include "pasar/pg/pg.h"

namespace pasar::dispatch::store {

namespace v1 = ::pasar::dispatch::v1;

// The job and courier of offer `offer_id` when it was made to the courier whose subject is
// `subject` (else nullopt: someone else's offer is as good as none).
struct OfferParties {
  std::string job_id;
  std::string courier_id;
  std::string bundle_id;  // "" for a single order
};
std::optional<OfferParties> FindOfferOfSubject(pg::Transaction& tx, const std::string& offer_id,
                                               const std::string& subject);

// ---- lifecycle rows (FOR UPDATE) -------------------------------------------------------------
std::optional<domain::Offer> LockOffer(pg::Transaction& tx, const std::string& offer_id);
// The job's pending offer (there is at most one).
std::optional<domain::Offer> LockPendingOfferOfJob(pg::Transaction& tx, const std::string& job_id);
// A stacked trip's pending offers, in drop-off order: waiting for the rows, or (the sweeper)
// skipping those locked elsewhere; and their jobs, unlocked.
std::vector<domain::Offer> LockPendingOffersOfBundle(pg::Transaction& tx,
                                                     const std::string& bundle_id);
std::vector<domain::Offer> TryLockPendingOffersOfBundle(pg::Transaction& tx,
                                                        const std::string& bundle_id);
std::vector<std::string> PendingJobsOfBundle(pg::Transaction& tx, const std::string& bundle_id);
// Pending offers past their expiry, soonest first (SKIP LOCKED: several sweepers share them).
std::vector<domain::Offer> ClaimDueOffers(pg::Transaction& tx, int limit);
// The resolution a decision set (nothing unless offer.changed).
void SaveOffer(pg::Transaction& tx, const domain::Offer& offer);
// A new PENDING offer made by `made_by` (the matcher instance), expiring `ttl` after the
// database's now: (id, expires_at in unix ms).
std::pair<std::string, int64_t> InsertOffer(pg::Transaction& tx, const domain::Offer& offer,
                                            const std::string& market_id,
                                            const std::string& made_by, absl::Duration ttl);

// ---- views -----------------------------------------------------------------------------------
// The courier's pending offer with its job (nullopt when none); for a stacked trip the offer
// of its first drop-off, with every job of the trip in drop-off order (trip_jobs).
std::optional<v1::Offer> ReadPendingOffer(pg::Transaction& tx, const std::string& courier_id);
// How an offer ended: its state and, for one withdrawn or expired, the withdraw reason
// (UNSPECIFIED when none was recorded).
std::optional<std::pair<domain::OfferState, v1::WithdrawReason>> ReadOfferEnd(
    pg::Pool& pool, const std::string& offer_id);

}  // namespace pasar::dispatch::store
