// What the matcher reads (markets with pending jobs, the pending jobs with their exclusions)
// and the fencing tokens of the markets' matchers (table matcher_fences).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "domain/matching.h"
#include "pasar/pg/pg.h"

namespace pasar::dispatch::store {

std::vector<std::string> MarketsWithPendingJobs(pg::Pool& pool);

// A pending job as the matcher needs it.
struct MatchJob {
  PendingJob job;
  geo::LatLng drop_off;  // where the order is delivered (stacked trips)
  int64_t created_at_ms = 0;
};
// The market's PENDING jobs within their dispatch deadline, oldest first, with the couriers
// excluded from each and whether all their tickets are packed.
std::vector<MatchJob> PendingJobs(pg::Transaction& tx, const std::string& market_id, int limit);

// The right to make offers for a market: a fencing token in PostgreSQL, advanced each time an
// instance takes the market's Redis lease. Redis's lease alone cannot stop an instance that was
// paused past its TTL (or a Redis that lost the key) from acting on a lease it no longer has;
// the token can: every offer checks it in its own transaction (HoldsFence).
struct MatcherFence {
  std::string market_id;
  std::string holder;  // the instance (offers.made_by)
  int64_t token = 0;
};
MatcherFence ClaimMatcherFence(pg::Pool& pool, const std::string& market_id,
                               const std::string& holder);
// True while `fence` is the market's current token. Takes a shared lock on it: a claim by
// another instance waits for this transaction, and every offer after the claim sees the new
// token.
bool HoldsFence(pg::Transaction& tx, const MatcherFence& fence);

}  // namespace pasar::dispatch::store
