#include "store/stats.h"

#include "absl/container/flat_hash_map.h"
#include "store/contract.h"

namespace pasar::dispatch::store {
namespace {

constexpr pg::Query kStatsCouriers{
    "dsp_stats_couriers",
    "SELECT state, count(*) FROM couriers WHERE ($1 = '' OR home_market_id = $1) GROUP BY state"};
constexpr pg::Query kStatsJobs{
    "dsp_stats_jobs",
    "SELECT status, count(*) FROM jobs WHERE ($1 = '' OR market_id = $1) "
    "AND created_at >= to_timestamp($2::bigint / 1000.0) GROUP BY status"};
enum CountCol : int { kCountName, kCount };
constexpr pg::Query kStatsOffers{
    "dsp_stats_offers",
    "SELECT count(*), count(*) FILTER (WHERE status = 'ACCEPTED'), "
    "count(*) FILTER (WHERE status = 'DECLINED'), count(*) FILTER (WHERE status = 'EXPIRED'), "
    "count(*) FILTER (WHERE status = 'WITHDRAWN') FROM offers "
    "WHERE ($1 = '' OR market_id = $1) AND created_at >= to_timestamp($2::bigint / 1000.0)"};
enum OffersCol : int { kMade, kAccepted, kDeclined, kExpired, kWithdrawn };
constexpr pg::Query kStatsAssignments{
    "dsp_stats_assignments",
    "SELECT count(*), "
    "(SELECT count(*) FROM assignments r WHERE ($1 = '' OR r.market_id = $1) "
    "  AND r.released_at >= to_timestamp($2::bigint / 1000.0)), "
    "coalesce(avg(latency_ms) FILTER (WHERE first), 0)::float8, "
    "coalesce(percentile_disc(0.5) WITHIN GROUP (ORDER BY latency_ms) FILTER (WHERE first), 0), "
    "coalesce(percentile_disc(0.9) WITHIN GROUP (ORDER BY latency_ms) FILTER (WHERE first), 0), "
    "coalesce(percentile_disc(0.99) WITHIN GROUP (ORDER BY latency_ms) FILTER (WHERE first), 0) "
    "FROM assignments a WHERE ($1 = '' OR a.market_id = $1) "
    "AND a.assigned_at >= to_timestamp($2::bigint / 1000.0)"};
enum AssignmentsCol : int { kAssignments, kUnassignments, kMeanMs, kP50Ms, kP90Ms, kP99Ms };
constexpr pg::Query kStatsFailures{
    "dsp_stats_failures",
    "SELECT count(*) FROM jobs WHERE ($1 = '' OR market_id = $1) AND status = 'FAILED' "
    "AND finished_at >= to_timestamp($2::bigint / 1000.0)"};

}  // namespace

void ReadStats(pg::Transaction& tx, const std::string& market_id, int64_t since_ms,
               v1::GetStatsResponse* resp) {
  resp->set_market_id(market_id);
  SetTs(resp->mutable_since(), since_ms);
  absl::flat_hash_map<int, int64_t> couriers;
  const pg::Result c = tx.Exec(kStatsCouriers, market_id);
  for (int i = 0; i < c.size(); ++i)
    couriers[CourierStateOf(c.Text(i, kCountName))] = c.Int(i, kCount);
  for (int s = v1::COURIER_STATE_OFF_DUTY; s <= v1::COURIER_STATE_DELIVERING; ++s) {
    auto* e = resp->add_couriers_by_state();
    e->set_state(static_cast<v1::CourierState>(s));
    e->set_count(couriers.contains(s) ? couriers[s] : 0);
  }
  absl::flat_hash_map<int, int64_t> jobs;
  const pg::Result j = tx.Exec(kStatsJobs, market_id, since_ms);
  for (int i = 0; i < j.size(); ++i)
    jobs[JobStatusOf(j.Text(i, kCountName))] = j.Int(i, kCount);
  for (int s = v1::JOB_STATUS_PENDING; s <= v1::JOB_STATUS_RETURNED; ++s) {
    auto* e = resp->add_jobs_by_status();
    e->set_status(static_cast<v1::JobStatus>(s));
    e->set_count(jobs.contains(s) ? jobs[s] : 0);
  }
  const pg::Result o = tx.Exec(kStatsOffers, market_id, since_ms);
  resp->set_offers_made(o.Int(0, kMade));
  resp->set_offers_accepted(o.Int(0, kAccepted));
  resp->set_offers_declined(o.Int(0, kDeclined));
  resp->set_offers_expired(o.Int(0, kExpired));
  resp->set_offers_withdrawn(o.Int(0, kWithdrawn));
  const pg::Result a = tx.Exec(kStatsAssignments, market_id, since_ms);
  resp->set_assignments(a.Int(0, kAssignments));
  resp->set_unassignments(a.Int(0, kUnassignments));
  resp->set_assign_latency_mean_ms(a.Double(0, kMeanMs));
  resp->set_assign_latency_p50_ms(a.Int(0, kP50Ms));
  resp->set_assign_latency_p90_ms(a.Int(0, kP90Ms));
  resp->set_assign_latency_p99_ms(a.Int(0, kP99Ms));
  resp->set_dispatch_failures(tx.Exec(kStatsFailures, market_id, since_ms).Int(0, 0));
}

}  // namespace pasar::dispatch::store
