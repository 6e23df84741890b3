// Jobs (tables jobs, job_stops, job_exclusions, assignments, cancelled_orders): the lifecycle
// rows a decision works on (domain::Job, domain::Stop), locked, and written back by the
// transition the decision applied; the records that go with them.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/time/time.h"
#include "domain/decisions.h"
#include "domain/job.h"
#include "pasar/events/v1/events.pb.h"
#include "pasar/pg/pg.h"

namespace pasar::dispatch::store {

// ---- lifecycle rows --------------------------------------------------------------------------
// FOR UPDATE (waits for the row).
std::optional<domain::Job> LockJob(pg::Transaction& tx, const std::string& id);
// FOR UPDATE SKIP LOCKED: nullopt when another transaction holds it.
std::optional<domain::Job> TryLockJob(pg::Transaction& tx, const std::string& id);
// The job if PENDING within its dispatch deadline and not locked elsewhere: the matcher's.
std::optional<domain::Job> TryLockPendingJob(pg::Transaction& tx, const std::string& id);
// PENDING or OFFERED jobs past their dispatch deadline, oldest deadline first (SKIP LOCKED).
std::vector<domain::Job> ClaimOverdueJobs(pg::Transaction& tx, int limit);
// ASSIGNED jobs whose courier sent no fix for `stale_after` since the assignment (SKIP LOCKED).
std::vector<domain::Job> ClaimSilentAssignments(pg::Transaction& tx, absl::Duration stale_after,
                                                int limit);
// Writes what a decision changed: the row by its transition (an assignment is also recorded in
// the assignments history; a courier taken back leaves the job PENDING in a fresh dispatch
// window of its own timeout from now, never a shorter one), and a counted PIN attempt.
void SaveJob(pg::Transaction& tx, const domain::Job& job);

// A PENDING job (with its stops) for an order; false when the job exists already.
bool InsertJob(pg::Transaction& tx, const ::pasar::events::v1::OrderConfirmed& order,
               const std::string& correlation_id, int dispatch_timeout_seconds);
// Orders cancelled before (or without) their job: a late OrderConfirmed is ignored.
bool OrderCancelledBefore(pg::Transaction& tx, const std::string& order_id);
void RememberCancelledOrder(pg::Transaction& tx, const std::string& order_id);
// A ticket packed by its trader (TicketReady), whether or not its job exists yet.
void RememberPackedTicket(pg::Transaction& tx, const std::string& ticket_id);
// Deletes up to `limit` packed tickets older than `retention` (service::Purger); returns how
// many.
int64_t PurgePackedTickets(pg::Pool& pool, absl::Duration retention, int limit);

// ---- stops -----------------------------------------------------------------------------------
std::optional<domain::Stop> LockStop(pg::Transaction& tx, const std::string& job_id,
                                     const std::string& ticket_id);
// A counted attempt, or the pickup (with what was paid).
void SaveStop(pg::Transaction& tx, const std::string& job_id, const domain::Stop& stop);

// ---- what goes with a decision ---------------------------------------------------------------
// Exclusions, released assignments and reset pickup code counters.
void SaveRecords(pg::Transaction& tx, const std::string& job_id, const domain::Decision& d);
bool IsExcluded(pg::Transaction& tx, const std::string& job_id, const std::string& courier_id);

// The courier's latest assignment: its job, and why it was taken back (nullopt while it is, or
// was delivered as, theirs).
struct LatestAssignment {
  std::string job_id;
  std::optional<std::string> release_reason;  // a domain::WithdrawReason name
};
std::optional<LatestAssignment> ReadLatestAssignment(pg::Transaction& tx,
                                                     const std::string& courier_id);

// ---- stacked trips ---------------------------------------------------------------------------
// The other jobs of `job`'s bundle still held by `courier_id`: assigned and not delivered, in
// drop-off order, then the failed ones whose goods are still on the bike (RETURNING); `earlier`
// when a drop-off still to make comes before `job`'s. Read after the courier is locked: every
// change to a courier's trip locks the courier.
struct TripJobs {
  std::vector<std::string> ids;
  bool earlier = false;
};
TripJobs OtherTripJobs(pg::Transaction& tx, const domain::Job& job, const std::string& courier_id);
// Tickets of those jobs not picked up yet.
int OtherTripStopsLeft(pg::Transaction& tx, const domain::Job& job, const std::string& courier_id);

}  // namespace pasar::dispatch::store
