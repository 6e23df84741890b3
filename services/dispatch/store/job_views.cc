#include "store/job_views.h"

#include <algorithm>

#include "domain/lifecycle.h"
#include "store/contract.h"
#include "store/sql.h"

namespace pasar::dispatch::store {
namespace {

// clang-format off
#define DSP_JOB_VIEW                                                                   \
  "j.id, j.market_id, j.market_name, j.pickup_lat, j.pickup_lng, j.drop_off_lat, "     \
  "j.drop_off_lng, j.drop_off_address, j.drop_off_note, j.goods_total_idr, "           \
  "j.cash_to_collect_idr, j.delivery_fee_idr, j.service_fee_idr, j.status, "           \
  "coalesce(j.courier_id::text, ''), j.distance_meters, " DSP_MS("j.created_at") ", "  \
  DSP_MS("j.dispatch_deadline") ", " DSP_MS("j.assigned_at") ", "                      \
  DSP_MS("j.delivered_at") ", j.version, "                                             \
  "(SELECT count(*) FROM delivery_attempts a WHERE a.job_id = j.id), " DSP_MS("j.finished_at") \
  ", coalesce(j.bundle_id, ''), coalesce(j.bundle_position, 0), "                       \
  "(SELECT count(*) FROM jobs b WHERE j.bundle_id IS NOT NULL AND b.bundle_id = j.bundle_id " \
  "AND b.courier_id = j.courier_id AND b.bundle_position < j.bundle_position "         \
  "AND b.status IN ('ASSIGNED', 'PICKING_UP', 'DELIVERING'))"
// clang-format on
enum JobCol : int {
  kId,
  kMarket,
  kMarketName,
  kPickupLat,
  kPickupLng,
  kDropOffLat,
  kDropOffLng,
  kDropOffAddress,
  kDropOffNote,
  kGoodsTotal,
  kCashToCollect,
  kDeliveryFee,
  kServiceFee,
  kStatus,
  kCourier,
  kDistance,
  kCreatedMs,
  kDeadlineMs,
  kAssignedMs,
  kDeliveredMs,
  kVersion,
  kAttempts,
  kFinishedMs,
  kBundle,
  kBundlePosition,
  kStopsBefore,
  kCreatedUs,  // ListJobs only: the cursor
};

constexpr pg::Query kJobById{"dsp_job_by_id",
                             "SELECT " DSP_JOB_VIEW " FROM jobs j WHERE j.id = $1"};
constexpr pg::Query kListJobs{
    "dsp_list_jobs", "SELECT " DSP_JOB_VIEW
                     ", (extract(epoch from j.created_at) * 1000000)::bigint "
                     "FROM jobs j WHERE ($1 = '' OR j.market_id = $1) "
                     "AND (cardinality($2::text[]) = 0 OR j.status = ANY($2::text[])) "
                     "AND ($4::bigint IS NULL OR (j.created_at, j.id) < "
                     "('epoch'::timestamptz + $4::bigint * interval '1 microsecond', $5::text)) "
                     "ORDER BY j.created_at DESC, j.id DESC LIMIT $3"};
#undef DSP_JOB_VIEW

constexpr pg::Query kStopsOfJobs{
    "dsp_stops_of_jobs",
    "SELECT job_id, ticket_id, stall_id, stall_name, amount_idr, " DSP_MS(
        "picked_up_at") ", coalesce(returned_to, ''), "
                        "EXISTS (SELECT 1 FROM packed_tickets p WHERE p.ticket_id = "
                        "job_stops.ticket_id) FROM job_stops WHERE job_id = ANY($1::text[]) "
                        "ORDER BY job_id, position"};
enum StopCol : int {
  kStopJob,
  kStopTicket,
  kStopStall,
  kStopStallName,
  kStopAmount,
  kPickedMs,
  kReturnedTo,
  kPacked
};

v1::Job JobView(const pg::Result& r, int row) {
  v1::Job j;
  j.set_id(r.Str(row, kId));
  j.set_order_id(j.id());
  j.set_market_id(r.Str(row, kMarket));
  j.set_market_name(r.Str(row, kMarketName));
  j.mutable_pickup()->set_lat(r.Double(row, kPickupLat));
  j.mutable_pickup()->set_lng(r.Double(row, kPickupLng));
  j.mutable_drop_off()->set_lat(r.Double(row, kDropOffLat));
  j.mutable_drop_off()->set_lng(r.Double(row, kDropOffLng));
  j.set_drop_off_address(r.Str(row, kDropOffAddress));
  j.set_drop_off_note(r.Str(row, kDropOffNote));
  j.set_goods_total_idr(r.Int(row, kGoodsTotal));
  j.set_cash_to_collect_idr(r.Int(row, kCashToCollect));
  j.set_delivery_fee_idr(r.Int(row, kDeliveryFee));
  j.set_service_fee_idr(r.Int(row, kServiceFee));
  j.set_status(JobStatusOf(r.Text(row, kStatus)));
  j.set_courier_id(r.Str(row, kCourier));
  j.set_distance_meters(r.Int(row, kDistance));
  SetTs(j.mutable_created_at(), r.Int(row, kCreatedMs));
  SetTs(j.mutable_dispatch_deadline(), r.Int(row, kDeadlineMs));
  if (auto v = r.OptInt(row, kAssignedMs)) SetTs(j.mutable_assigned_at(), *v);
  if (auto v = r.OptInt(row, kDeliveredMs)) SetTs(j.mutable_delivered_at(), *v);
  j.set_version(r.Int(row, kVersion));
  j.set_delivery_attempts(static_cast<int32_t>(r.Int(row, kAttempts)));
  if (auto v = r.OptInt(row, kFinishedMs)) SetTs(j.mutable_finished_at(), *v);
  j.set_bundle_id(r.Str(row, kBundle));
  j.set_bundle_position(static_cast<int32_t>(r.Int(row, kBundlePosition)));
  j.set_stops_before(static_cast<int32_t>(r.Int(row, kStopsBefore)));
  return j;
}

// Fills the stops of `jobs` (one query).
void LoadStops(pg::Transaction& tx, const std::vector<v1::Job*>& jobs) {
  if (jobs.empty()) return;
  std::vector<std::string> ids;
  for (const v1::Job* j : jobs)
    ids.push_back(j->id());
  const pg::Result r = tx.Exec(kStopsOfJobs, ids);
  for (int i = 0; i < r.size(); ++i) {
    const std::string_view job_id = r.Text(i, kStopJob);
    for (v1::Job* j : jobs) {
      if (j->id() != job_id) continue;
      v1::JobStop* s = j->add_stops();
      s->set_ticket_id(r.Str(i, kStopTicket));
      s->set_stall_id(r.Str(i, kStopStall));
      s->set_stall_name(r.Str(i, kStopStallName));
      s->set_amount_idr(r.Int(i, kStopAmount));
      s->set_packed(r.Bool(i, kPacked));
      if (auto v = r.OptInt(i, kPickedMs)) {
        s->set_picked_up(true);
        SetTs(s->mutable_picked_up_at(), *v);
      }
      if (const std::string_view to = r.Text(i, kReturnedTo); !to.empty()) {
        s->set_returned_to(to == "STALL" ? v1::RETURN_DESTINATION_STALL
                                         : v1::RETURN_DESTINATION_MARKET_OFFICE);
      }
    }
  }
}

std::vector<std::string> StatusNames(const v1::ListJobsRequest& request) {
  std::vector<std::string> names;
  for (int s : request.statuses()) {
    if (auto state = FromProto(static_cast<v1::JobStatus>(s))) {
      names.emplace_back(domain::Name(*state));
    }
  }
  return names;
}

}  // namespace

std::optional<v1::Job> ReadJob(pg::Transaction& tx, const std::string& id) {
  const pg::Result r = tx.Exec(kJobById, id);
  if (r.empty()) return std::nullopt;
  v1::Job job = JobView(r, 0);
  LoadStops(tx, {&job});
  return job;
}

JobPage ListJobs(pg::Transaction& tx, const v1::ListJobsRequest& request,
                 const std::optional<JobCursor>& after, int limit) {
  const pg::Result r = tx.Exec(kListJobs, request.market_id(), StatusNames(request), limit + 1,
                               after ? std::optional<int64_t>(after->created_at_us) : std::nullopt,
                               after ? std::optional<std::string>(after->id) : std::nullopt);
  JobPage page;
  const int rows = std::min(r.size(), limit);
  for (int i = 0; i < rows; ++i)
    page.jobs.push_back(JobView(r, i));
  if (r.size() > limit) {
    page.next = JobCursor{r.Int(rows - 1, kCreatedUs), r.Str(rows - 1, kId)};
  }
  std::vector<v1::Job*> ptrs;
  for (auto& j : page.jobs)
    ptrs.push_back(&j);
  LoadStops(tx, ptrs);
  return page;
}

}  // namespace pasar::dispatch::store
