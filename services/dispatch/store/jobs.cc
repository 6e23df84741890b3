#include "store/jobs.h"

#include <utility>

#include <google/protobuf/util/time_util.h>

namespace pasar::dispatch::store {
namespace {

namespace ev = ::pasar::events::v1;
using domain::JobEvent;

// ---- the lifecycle row ---------------------------------------------------------------------
// Stop counts are read by a statement of their own once the row is locked (kStopCounts): a
// subquery of the locking statement would see the stops as of before the wait.
// clang-format off
#define DSP_JOB_ROW                                                                         \
  "j.id, j.market_id, j.correlation_id, j.status, coalesce(j.courier_id::text, ''), "       \
  "j.goods_total_idr, j.cash_to_collect_idr, j.delivery_fee_idr, j.delivery_pin, "          \
  "j.pin_attempts, j.offers_made, j.dispatch_deadline <= now(), "                        \
  "coalesce(j.bundle_id, ''), coalesce(j.bundle_position, 0) "
// clang-format on
enum JobRow : int {
  kId,
  kMarket,
  kCorrelation,
  kStatus,
  kCourier,
  kGoodsTotal,
  kCashToCollect,
  kDeliveryFee,
  kPin,
  kPinAttempts,
  kOffersMade,
  kOverdue,
  kBundle,
  kBundlePosition,
};

constexpr pg::Query kLockJob{"dsp_lock_job",
                             "SELECT " DSP_JOB_ROW "FROM jobs j WHERE j.id = $1 FOR UPDATE"};
constexpr pg::Query kTryLockJob{
    "dsp_try_lock_job", "SELECT " DSP_JOB_ROW "FROM jobs j WHERE j.id = $1 FOR UPDATE SKIP LOCKED"};
constexpr pg::Query kTryLockPendingJob{"dsp_try_lock_pending_job",
                                       "SELECT " DSP_JOB_ROW
                                       "FROM jobs j WHERE j.id = $1 AND j.status = 'PENDING' "
                                       "AND j.dispatch_deadline > now() FOR UPDATE SKIP LOCKED"};
constexpr pg::Query kClaimOverdueJobs{
    "dsp_claim_overdue_jobs",
    "SELECT " DSP_JOB_ROW
    "FROM jobs j WHERE j.status IN ('PENDING', 'OFFERED') "
    "AND j.dispatch_deadline <= now() ORDER BY j.dispatch_deadline LIMIT $1 "
    "FOR UPDATE SKIP LOCKED"};
constexpr pg::Query kClaimSilentAssignments{
    "dsp_claim_silent_assignments",
    "SELECT " DSP_JOB_ROW
    "FROM jobs j "
    "LEFT JOIN courier_locations l ON l.courier_id = j.courier_id "
    "WHERE j.status = 'ASSIGNED' AND greatest(j.assigned_at, "
    "to_timestamp(coalesce(l.recorded_at_ms, 0) / 1000.0)) < now() - make_interval(secs => $1) "
    "ORDER BY j.assigned_at LIMIT $2 FOR UPDATE OF j SKIP LOCKED"};
#undef DSP_JOB_ROW
constexpr pg::Query kStopCounts{
    "dsp_stop_counts",
    "SELECT job_id, count(*), count(*) FILTER (WHERE picked_up_at IS NOT NULL) FROM job_stops "
    "WHERE job_id = ANY($1::text[]) GROUP BY job_id"};
enum StopCountCol : int { kCountJob, kCountStops, kCountPicked };

// ---- writes by transition ------------------------------------------------------------------
constexpr pg::Query kJobOffered{
    "dsp_job_offered",
    "UPDATE jobs SET status = $2, offers_made = $3, bundle_id = nullif($4, ''), "
    "bundle_position = CASE WHEN $4 = '' THEN NULL ELSE $5::int END, version = version + 1 "
    "WHERE id = $1"};
constexpr pg::Query kJobAssign{
    "dsp_job_assign",
    "UPDATE jobs SET status = $2, courier_id = $3, assigned_at = now(), "
    "first_assigned_at = coalesce(first_assigned_at, now()), version = version + 1 "
    "WHERE id = $1 "
    "RETURNING (extract(epoch from now() - created_at) * 1000)::bigint, "
    "first_assigned_at = now()"};
enum AssignCol : int { kLatencyMs, kFirst };
constexpr pg::Query kInsertAssignment{
    "dsp_insert_assignment",
    "INSERT INTO assignments (job_id, courier_id, market_id, latency_ms, first) "
    "VALUES ($1, $2, $3, $4, $5)"};
// A job matched again (PENDING) leaves the stacked trip it was offered in.
constexpr pg::Query kJobStatus{
    "dsp_job_status",
    "UPDATE jobs SET status = $2, version = version + 1, "
    "bundle_id = CASE WHEN $2 = 'PENDING' THEN NULL ELSE bundle_id END, "
    "bundle_position = CASE WHEN $2 = 'PENDING' THEN NULL ELSE bundle_position END WHERE id = $1"};
// Back to matching without its courier, with a fresh dispatch window: the time spent with the
// released courier is not the job's fault, and a release after the first deadline would else
// fail it at once. A window is never shortened.
constexpr pg::Query kJobUnassign{
    "dsp_job_unassign",
    "UPDATE jobs SET status = $2, courier_id = NULL, assigned_at = NULL, bundle_id = NULL, "
    "bundle_position = NULL, dispatch_deadline = greatest(dispatch_deadline, "
    "now() + make_interval(secs => dispatch_timeout_seconds)), "
    "version = version + 1 WHERE id = $1"};
constexpr pg::Query kJobFinish{
    "dsp_job_finish",
    "UPDATE jobs SET status = $2, finished_at = now(), version = version + 1, "
    "delivered_at = CASE WHEN $3 THEN now() ELSE delivered_at END WHERE id = $1"};
constexpr pg::Query kJobPinAttempts{"dsp_job_pin_attempts",
                                    "UPDATE jobs SET pin_attempts = $2 WHERE id = $1"};

constexpr pg::Query kInsertJob{
    "dsp_insert_job",
    "INSERT INTO jobs (id, market_id, market_name, pickup_lat, pickup_lng, drop_off_lat, "
    "drop_off_lng, drop_off_address, drop_off_note, goods_total_idr, cash_to_collect_idr, "
    "delivery_fee_idr, service_fee_idr, distance_meters, delivery_pin, status, correlation_id, "
    "dispatch_deadline, dispatch_timeout_seconds) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, "
    "$10, $11, $12, $13, $14, $15, $16, $17, CASE WHEN $18::bigint > 0 THEN "
    "to_timestamp($18::bigint / 1000.0) ELSE now() + make_interval(secs => $19::int) END, "
    "$19::int) ON CONFLICT (id) DO NOTHING RETURNING 1"};
constexpr pg::Query kInsertStop{
    "dsp_insert_stop",
    "INSERT INTO job_stops (job_id, ticket_id, position, stall_id, stall_name, amount_idr, "
    "pickup_code) VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT DO NOTHING"};
constexpr pg::Query kOrderCancelledBefore{"dsp_order_cancelled_before",
                                          "SELECT 1 FROM cancelled_orders WHERE order_id = $1"};
constexpr pg::Query kRememberCancelled{
    "dsp_remember_cancelled",
    "INSERT INTO cancelled_orders (order_id) VALUES ($1) ON CONFLICT DO NOTHING"};
constexpr pg::Query kRememberPacked{
    "dsp_remember_packed",
    "INSERT INTO packed_tickets (ticket_id) VALUES ($1) ON CONFLICT DO NOTHING"};
constexpr pg::Query kPurgePacked{
    "dsp_purge_packed",
    "DELETE FROM packed_tickets WHERE ctid IN (SELECT ctid FROM packed_tickets "
    "WHERE packed_at < now() - $1::bigint * interval '1 second' LIMIT $2)"};

// ---- stops -----------------------------------------------------------------------------------
constexpr pg::Query kLockStop{
    "dsp_lock_stop",
    "SELECT ticket_id, stall_id, amount_idr, pickup_code, attempts, picked_up_at IS NOT NULL "
    "FROM job_stops WHERE job_id = $1 AND ticket_id = $2 FOR UPDATE"};
enum StopRow : int { kTicket, kStall, kAmount, kCode, kAttempts, kPicked };
constexpr pg::Query kStopAttempts{
    "dsp_stop_attempts", "UPDATE job_stops SET attempts = $3 WHERE job_id = $1 AND ticket_id = $2"};
constexpr pg::Query kStopPicked{"dsp_stop_picked",
                                "UPDATE job_stops SET picked_up_at = now(), paid_idr = $3 "
                                "WHERE job_id = $1 AND ticket_id = $2"};
constexpr pg::Query kResetStopAttempts{"dsp_reset_stop_attempts",
                                       "UPDATE job_stops SET attempts = 0 WHERE job_id = $1"};

// ---- records ---------------------------------------------------------------------------------
constexpr pg::Query kInsertExclusion{
    "dsp_insert_exclusion",
    "INSERT INTO job_exclusions (job_id, courier_id, reason) VALUES ($1, $2, $3) "
    "ON CONFLICT DO NOTHING"};
constexpr pg::Query kExcluded{"dsp_excluded",
                              "SELECT 1 FROM job_exclusions WHERE job_id = $1 AND courier_id = $2"};
constexpr pg::Query kReleaseAssignment{
    "dsp_release_assignment",
    "UPDATE assignments SET released_at = now(), release_reason = $3 "
    "WHERE job_id = $1 AND courier_id = $2 AND released_at IS NULL"};
constexpr pg::Query kLatestAssignment{
    "dsp_latest_assignment",
    "SELECT job_id, released_at IS NOT NULL, coalesce(release_reason, '') FROM assignments "
    "WHERE courier_id = $1 ORDER BY assigned_at DESC, id DESC LIMIT 1"};
enum LatestCol : int { kLatestJob, kLatestReleased, kLatestReason };

// ---- stacked trips ---------------------------------------------------------------------------
// The courier's other jobs of a bundle still theirs (before delivery), in drop-off order.
constexpr pg::Query kTripJobsOf{
    "dsp_trip_jobs_of",
    "SELECT id, bundle_position, status = 'RETURNING' FROM jobs WHERE bundle_id = $1 "
    "AND courier_id = $2::uuid AND id <> $3 "
    "AND status IN ('ASSIGNED', 'PICKING_UP', 'DELIVERING', 'RETURNING') "
    "ORDER BY status = 'RETURNING', bundle_position"};
enum TripJobCol : int { kTripJob, kTripPosition, kTripReturning };
constexpr pg::Query kTripStopsLeft{
    "dsp_trip_stops_left",
    "SELECT count(*) FROM job_stops s JOIN jobs j ON j.id = s.job_id WHERE j.bundle_id = $1 "
    "AND j.courier_id = $2::uuid AND j.id <> $3 AND j.status IN ('ASSIGNED', 'PICKING_UP') "
    "AND s.picked_up_at IS NULL"};

domain::Job JobRowAt(const pg::Result& r, int i) {
  domain::Job job;
  job.id = r.Str(i, kId);
  job.market_id = r.Str(i, kMarket);
  job.correlation_id = r.Str(i, kCorrelation);
  job.state = domain::ParseJobState(r.Text(i, kStatus)).value_or(domain::JobState::kFailed);
  job.courier_id = r.Str(i, kCourier);
  job.goods_total_idr = r.Int(i, kGoodsTotal);
  job.cash_to_collect_idr = r.Int(i, kCashToCollect);
  job.delivery_fee_idr = r.Int(i, kDeliveryFee);
  job.delivery_pin = r.Str(i, kPin);
  job.pin_attempts = static_cast<int>(r.Int(i, kPinAttempts));
  job.offers_made = static_cast<int>(r.Int(i, kOffersMade));
  job.overdue = r.Bool(i, kOverdue);
  job.bundle_id = r.Str(i, kBundle);
  job.bundle_position = static_cast<int>(r.Int(i, kBundlePosition));
  return job;
}

// The jobs of `r` (locked) with their stop counts.
std::vector<domain::Job> LockedJobs(pg::Transaction& tx, const pg::Result& r) {
  std::vector<domain::Job> jobs;
  std::vector<std::string> ids;
  for (int i = 0; i < r.size(); ++i) {
    jobs.push_back(JobRowAt(r, i));
    ids.push_back(jobs.back().id);
  }
  if (jobs.empty()) return jobs;
  const pg::Result counts = tx.Exec(kStopCounts, ids);
  for (int i = 0; i < counts.size(); ++i) {
    for (domain::Job& job : jobs) {
      if (job.id != counts.Text(i, kCountJob)) continue;
      job.stops = static_cast<int>(counts.Int(i, kCountStops));
      job.stops_picked = static_cast<int>(counts.Int(i, kCountPicked));
    }
  }
  return jobs;
}

std::optional<domain::Job> OneLockedJob(pg::Transaction& tx, const pg::Result& r) {
  std::vector<domain::Job> jobs = LockedJobs(tx, r);
  if (jobs.empty()) return std::nullopt;
  return std::move(jobs.front());
}

}  // namespace

std::optional<domain::Job> LockJob(pg::Transaction& tx, const std::string& id) {
  return OneLockedJob(tx, tx.Exec(kLockJob, id));
}

std::optional<domain::Job> TryLockJob(pg::Transaction& tx, const std::string& id) {
  return OneLockedJob(tx, tx.Exec(kTryLockJob, id));
}

std::optional<domain::Job> TryLockPendingJob(pg::Transaction& tx, const std::string& id) {
  return OneLockedJob(tx, tx.Exec(kTryLockPendingJob, id));
}

std::vector<domain::Job> ClaimOverdueJobs(pg::Transaction& tx, int limit) {
  return LockedJobs(tx, tx.Exec(kClaimOverdueJobs, limit));
}

std::vector<domain::Job> ClaimSilentAssignments(pg::Transaction& tx, absl::Duration stale_after,
                                                int limit) {
  return LockedJobs(tx,
                    tx.Exec(kClaimSilentAssignments, absl::ToDoubleSeconds(stale_after), limit));
}

void SaveJob(pg::Transaction& tx, const domain::Job& job) {
  if (job.pin_attempt_counted) tx.Exec(kJobPinAttempts, job.id, job.pin_attempts);
  if (!job.transition) return;
  const std::string_view status = domain::Name(job.state);
  switch (*job.transition) {
    case JobEvent::kOfferMade:
      tx.Exec(kJobOffered, job.id, status, job.offers_made, job.bundle_id, job.bundle_position);
      return;
    case JobEvent::kOfferAccepted: {
      const pg::Result a = tx.Exec(kJobAssign, job.id, status, job.courier_id);
      tx.Exec(kInsertAssignment, job.id, job.courier_id, job.market_id, a.Int(0, kLatencyMs),
              a.Bool(0, kFirst));
      return;
    }
    case JobEvent::kOfferWithdrawn:
    case JobEvent::kCourierReleased:
      tx.Exec(kJobUnassign, job.id, status);
      return;
    case JobEvent::kDelivered:
    case JobEvent::kCancelled:
    case JobEvent::kDispatchFailed:
    case JobEvent::kLastGoodsReturned:
      tx.Exec(kJobFinish, job.id, status, *job.transition == JobEvent::kDelivered);
      return;
    case JobEvent::kOfferDeclined:
    case JobEvent::kOfferExpired:
    case JobEvent::kTicketPickedUp:
    case JobEvent::kLastTicketPickedUp:
    case JobEvent::kDeliveryFailed:
    case JobEvent::kGoodsReturned:
      tx.Exec(kJobStatus, job.id, status);
      return;
  }
}

bool InsertJob(pg::Transaction& tx, const ev::OrderConfirmed& oc, const std::string& correlation_id,
               int dispatch_timeout_seconds) {
  const int64_t deadline_ms =
      oc.has_dispatch_deadline()
          ? google::protobuf::util::TimeUtil::TimestampToMilliseconds(oc.dispatch_deadline())
          : 0;
  const pg::Result inserted =
      tx.Exec(kInsertJob, oc.order_id(), oc.market_id(), oc.market_name(), oc.pickup().lat(),
              oc.pickup().lng(), oc.drop_off().lat(), oc.drop_off().lng(), oc.drop_off_address(),
              oc.drop_off_note(), oc.goods_total_idr(), oc.cash_to_collect_idr(),
              oc.delivery_fee_idr(), oc.service_fee_idr(), oc.distance_meters(), oc.delivery_pin(),
              domain::Name(domain::JobState::kPending), correlation_id, deadline_ms,
              dispatch_timeout_seconds);
  if (inserted.empty()) return false;
  for (int i = 0; i < oc.tickets_size(); ++i) {
    const ev::ConfirmedTicket& t = oc.tickets(i);
    tx.Exec(kInsertStop, oc.order_id(), t.ticket_id(), i, t.stall_id(), t.stall_name(),
            t.total_idr(), t.pickup_code());
  }
  return true;
}

bool OrderCancelledBefore(pg::Transaction& tx, const std::string& order_id) {
  return !tx.Exec(kOrderCancelledBefore, order_id).empty();
}

void RememberCancelledOrder(pg::Transaction& tx, const std::string& order_id) {
  tx.Exec(kRememberCancelled, order_id);
}

void RememberPackedTicket(pg::Transaction& tx, const std::string& ticket_id) {
  tx.Exec(kRememberPacked, ticket_id);
}

int64_t PurgePackedTickets(pg::Pool& pool, absl::Duration retention, int limit) {
  return pg::Exec(pool, kPurgePacked, absl::ToInt64Seconds(retention), int64_t{limit}).affected();
}

std::optional<domain::Stop> LockStop(pg::Transaction& tx, const std::string& job_id,
                                     const std::string& ticket_id) {
  const pg::Result r = tx.Exec(kLockStop, job_id, ticket_id);
  if (r.empty()) return std::nullopt;
  domain::Stop stop;
  stop.ticket_id = r.Str(0, kTicket);
  stop.stall_id = r.Str(0, kStall);
  stop.amount_idr = r.Int(0, kAmount);
  stop.pickup_code = r.Str(0, kCode);
  stop.attempts = static_cast<int>(r.Int(0, kAttempts));
  stop.picked_up = r.Bool(0, kPicked);
  return stop;
}

void SaveStop(pg::Transaction& tx, const std::string& job_id, const domain::Stop& stop) {
  if (stop.attempt_counted) tx.Exec(kStopAttempts, job_id, stop.ticket_id, stop.attempts);
  if (stop.picked_now) tx.Exec(kStopPicked, job_id, stop.ticket_id, stop.amount_idr);
}

void SaveRecords(pg::Transaction& tx, const std::string& job_id, const domain::Decision& d) {
  for (const domain::Release& r : d.releases)
    tx.Exec(kReleaseAssignment, r.job_id, r.courier_id, domain::Name(r.reason));
  for (const domain::Exclusion& e : d.exclusions)
    tx.Exec(kInsertExclusion, e.job_id, e.courier_id, domain::Name(e.reason));
  if (d.reset_pickup_attempts) tx.Exec(kResetStopAttempts, job_id);
}

bool IsExcluded(pg::Transaction& tx, const std::string& job_id, const std::string& courier_id) {
  return !tx.Exec(kExcluded, job_id, courier_id).empty();
}

std::optional<LatestAssignment> ReadLatestAssignment(pg::Transaction& tx,
                                                     const std::string& courier_id) {
  const pg::Result r = tx.Exec(kLatestAssignment, courier_id);
  if (r.empty()) return std::nullopt;
  LatestAssignment latest{r.Str(0, kLatestJob), std::nullopt};
  if (r.Bool(0, kLatestReleased)) latest.release_reason = r.Str(0, kLatestReason);
  return latest;
}

TripJobs OtherTripJobs(pg::Transaction& tx, const domain::Job& job, const std::string& courier_id) {
  TripJobs out;
  if (job.bundle_id.empty() || courier_id.empty()) return out;
  const pg::Result r = tx.Exec(kTripJobsOf, job.bundle_id, courier_id, job.id);
  for (int i = 0; i < r.size(); ++i) {
    out.ids.push_back(r.Str(i, kTripJob));
    if (!r.Bool(i, kTripReturning) && r.Int(i, kTripPosition) < job.bundle_position) {
      out.earlier = true;
    }
  }
  return out;
}

int OtherTripStopsLeft(pg::Transaction& tx, const domain::Job& job, const std::string& courier_id) {
  if (job.bundle_id.empty()) return 0;
  return static_cast<int>(tx.Exec(kTripStopsLeft, job.bundle_id, courier_id, job.id).Int(0, 0));
}

}  // namespace pasar::dispatch::store
