#include "store/matching.h"

#include <string_view>
#include <utility>

#include "absl/container/flat_hash_map.h"
#include "store/sql.h"

namespace pasar::dispatch::store {
namespace {

constexpr pg::Query kMarketsPending{"dsp_markets_pending",
                                    "SELECT DISTINCT market_id FROM jobs WHERE status = 'PENDING'"};
constexpr pg::Query kPendingJobs{
    "dsp_pending_jobs",
    "SELECT id, pickup_lat, pickup_lng, drop_off_lat, drop_off_lng, goods_total_idr, "
    "(extract(epoch from now() - created_at) * 1000)::bigint, " DSP_MS("created_at") ", "
    "(SELECT count(*) FROM job_stops s WHERE s.job_id = jobs.id), "
    "(SELECT count(*) FROM job_stops s WHERE s.job_id = jobs.id AND NOT EXISTS "
    "(SELECT 1 FROM packed_tickets p WHERE p.ticket_id = s.ticket_id)) "
    "FROM jobs WHERE market_id = $1 AND status = 'PENDING' AND dispatch_deadline > now() "
    "ORDER BY created_at, id LIMIT $2"};
enum PendingCol : int {
  kId,
  kPickupLat,
  kPickupLng,
  kDropOffLat,
  kDropOffLng,
  kGoodsTotal,
  kWaitingMs,
  kCreatedMs,
  kTickets,
  kUnpacked
};
constexpr pg::Query kExclusionsOf{
    "dsp_exclusions_of",
    "SELECT job_id, courier_id::text FROM job_exclusions WHERE job_id = ANY($1::text[])"};
enum ExclusionCol : int { kExcludedJob, kExcludedCourier };

constexpr pg::Query kClaimFence{
    "dsp_claim_fence",
    "INSERT INTO matcher_fences (market_id, holder, token) VALUES ($1, $2, 1) "
    "ON CONFLICT (market_id) DO UPDATE SET holder = EXCLUDED.holder, "
    "token = matcher_fences.token + 1, claimed_at = now() RETURNING token"};
constexpr pg::Query kCheckFence{
    "dsp_check_fence",
    "SELECT 1 FROM matcher_fences WHERE market_id = $1 AND token = $2 FOR SHARE"};

}  // namespace

std::vector<std::string> MarketsWithPendingJobs(pg::Pool& pool) {
  const pg::Result r = pg::Exec(pool, kMarketsPending);
  std::vector<std::string> out;
  for (int i = 0; i < r.size(); ++i)
    out.push_back(r.Str(i, 0));
  return out;
}

std::vector<MatchJob> PendingJobs(pg::Transaction& tx, const std::string& market_id, int limit) {
  const pg::Result r = tx.Exec(kPendingJobs, market_id, limit);
  std::vector<MatchJob> jobs;
  std::vector<std::string> ids;
  for (int i = 0; i < r.size(); ++i) {
    MatchJob m;
    m.job.job_id = r.Str(i, kId);
    m.job.pickup = {r.Double(i, kPickupLat), r.Double(i, kPickupLng)};
    m.drop_off = {r.Double(i, kDropOffLat), r.Double(i, kDropOffLng)};
    m.job.goods_total_idr = r.Int(i, kGoodsTotal);
    m.job.waiting_ms = r.Int(i, kWaitingMs);
    m.created_at_ms = r.Int(i, kCreatedMs);
    m.job.tickets = static_cast<int>(r.Int(i, kTickets));
    m.job.packed = r.Int(i, kUnpacked) == 0;
    ids.push_back(m.job.job_id);
    jobs.push_back(std::move(m));
  }
  if (!ids.empty()) {
    absl::flat_hash_map<std::string_view, MatchJob*> by_id;
    for (MatchJob& m : jobs)
      by_id.emplace(m.job.job_id, &m);
    const pg::Result ex = tx.Exec(kExclusionsOf, ids);
    for (int i = 0; i < ex.size(); ++i) {
      const auto it = by_id.find(ex.Text(i, kExcludedJob));
      if (it != by_id.end()) it->second->job.excluded.insert(ex.Str(i, kExcludedCourier));
    }
  }
  return jobs;
}

MatcherFence ClaimMatcherFence(pg::Pool& pool, const std::string& market_id,
                               const std::string& holder) {
  const pg::Result r = pg::Exec(pool, kClaimFence, market_id, holder);
  return MatcherFence{market_id, holder, r.Int(0, 0)};
}

bool HoldsFence(pg::Transaction& tx, const MatcherFence& fence) {
  return !tx.Exec(kCheckFence, fence.market_id, fence.token).empty();
}

}  // namespace pasar::dispatch::store
