#include "store/exceptions.h"

namespace pasar::dispatch::store {
namespace {

constexpr pg::Query kReadPolicy{
    "dsp_read_failure_policy",
    "SELECT wait_minutes, min_attempts, arrival_radius_meters, failure_fee_idr "
    "FROM market_failure_policy WHERE market_id = $1"};
constexpr pg::Query kSavePolicy{
    "dsp_save_failure_policy",
    "INSERT INTO market_failure_policy (market_id, wait_minutes, min_attempts, "
    "arrival_radius_meters, failure_fee_idr) VALUES ($1, $2, $3, $4, $5) "
    "ON CONFLICT (market_id) DO UPDATE SET wait_minutes = EXCLUDED.wait_minutes, "
    "min_attempts = EXCLUDED.min_attempts, arrival_radius_meters = "
    "EXCLUDED.arrival_radius_meters, failure_fee_idr = EXCLUDED.failure_fee_idr, "
    "updated_at = now()"};
constexpr pg::Query kReadAttempts{
    "dsp_read_attempts",
    "SELECT count(*) AS attempts, coalesce(min(reported_at) <= now() - make_interval(mins => "
    "$2::int), false) AS waited FROM delivery_attempts WHERE job_id = $1"};
constexpr pg::Query kInsertAttempt{
    "dsp_insert_attempt",
    "INSERT INTO delivery_attempts (job_id, attempt, courier_id, outcome, lat, lng, "
    "distance_meters, note) VALUES ($1, $2, $3::uuid, $4, $5, $6, $7, $8)"};
constexpr pg::Query kDropOff{"dsp_drop_off",
                             "SELECT drop_off_lat AS lat, drop_off_lng AS lng FROM jobs "
                             "WHERE id = $1"};
constexpr pg::Query kCountReturned{
    "dsp_count_returned",
    "SELECT count(*) AS n FROM job_stops WHERE job_id = $1 AND returned_to IS NOT NULL"};
#define DSP_RETURN_STOP                                                           \
  "SELECT ticket_id, stall_id, amount_idr, pickup_code, attempts, "               \
  "picked_up_at IS NOT NULL AS picked, coalesce(returned_to, '') AS returned_to " \
  "FROM job_stops "
constexpr pg::Query kLockReturnStop{
    "dsp_lock_return_stop", DSP_RETURN_STOP "WHERE job_id = $1 AND ticket_id = $2 FOR UPDATE"};
constexpr pg::Query kLockOpenStops{"dsp_lock_open_stops", DSP_RETURN_STOP
                                   "WHERE job_id = $1 AND picked_up_at IS NOT NULL "
                                   "AND returned_to IS NULL ORDER BY position FOR UPDATE"};
#undef DSP_RETURN_STOP
constexpr pg::Query kStopAttempts{
    "dsp_return_stop_attempts",
    "UPDATE job_stops SET attempts = $3 WHERE job_id = $1 AND ticket_id = $2"};
constexpr pg::Query kStopReturned{
    "dsp_stop_returned",
    "UPDATE job_stops SET returned_to = $3, returned_at = now(), refunded_idr = $4 "
    "WHERE job_id = $1 AND ticket_id = $2"};
constexpr pg::Query kInsertResolution{
    "dsp_insert_resolution",
    "INSERT INTO delivery_resolutions (job_id, action, operator_subject, reason) "
    "VALUES ($1, $2, $3, $4)"};

domain::Stop StopAt(const pg::Row& row) {
  domain::Stop s;
  s.ticket_id = row.Str("ticket_id");
  s.stall_id = row.Str("stall_id");
  s.amount_idr = row.Int("amount_idr");
  s.pickup_code = row.Str("pickup_code");
  s.attempts = static_cast<int>(row.Int("attempts"));
  s.picked_up = row.Bool("picked");
  s.returned_to = domain::ParseReturnDestination(row.Text("returned_to"));
  return s;
}

}  // namespace

domain::FailurePolicy ReadFailurePolicy(pg::Transaction& tx, const std::string& market_id,
                                        const domain::FailurePolicy& defaults) {
  const pg::Result r = tx.Exec(kReadPolicy, market_id);
  if (r.empty()) return defaults;
  const pg::Row row = r.row(0);
  return domain::FailurePolicy{
      .wait_minutes = static_cast<int>(row.Int("wait_minutes")),
      .min_attempts = static_cast<int>(row.Int("min_attempts")),
      .arrival_radius_meters = static_cast<int>(row.Int("arrival_radius_meters")),
      .failure_fee_idr = row.Int("failure_fee_idr")};
}

void SaveFailurePolicy(pg::Transaction& tx, const std::string& market_id,
                       const domain::FailurePolicy& p) {
  tx.Exec(kSavePolicy, market_id, p.wait_minutes, p.min_attempts, p.arrival_radius_meters,
          p.failure_fee_idr);
}

domain::AttemptsSoFar ReadAttempts(pg::Transaction& tx, const std::string& job_id,
                                   int wait_minutes) {
  const pg::Result r = tx.Exec(kReadAttempts, job_id, wait_minutes);
  const pg::Row row = r.row(0);
  return domain::AttemptsSoFar{.attempts = static_cast<int>(row.Int("attempts")),
                               .waited = row.Bool("waited")};
}

void InsertAttempt(pg::Transaction& tx, const AttemptRow& a) {
  tx.Exec(kInsertAttempt, a.job_id, a.attempt, a.courier_id, a.outcome, a.location.lat,
          a.location.lng, a.distance_meters, a.note);
}

std::optional<geo::LatLng> ReadDropOff(pg::Transaction& tx, const std::string& job_id) {
  const pg::Result r = tx.Exec(kDropOff, job_id);
  if (r.empty()) return std::nullopt;
  return geo::LatLng{r.row(0).Double("lat"), r.row(0).Double("lng")};
}

int CountReturnedStops(pg::Transaction& tx, const std::string& job_id) {
  return static_cast<int>(tx.Exec(kCountReturned, job_id).row(0).Int("n"));
}

std::optional<domain::Stop> LockReturnStop(pg::Transaction& tx, const std::string& job_id,
                                           const std::string& ticket_id) {
  const pg::Result r = tx.Exec(kLockReturnStop, job_id, ticket_id);
  if (r.empty()) return std::nullopt;
  return StopAt(r.row(0));
}

std::vector<domain::Stop> LockOpenStops(pg::Transaction& tx, const std::string& job_id) {
  const pg::Result r = tx.Exec(kLockOpenStops, job_id);
  std::vector<domain::Stop> stops;
  for (int i = 0; i < r.size(); ++i)
    stops.push_back(StopAt(r.row(i)));
  return stops;
}

void SaveReturnStop(pg::Transaction& tx, const std::string& job_id, const domain::Stop& stop,
                    int64_t refunded_idr) {
  if (stop.attempt_counted) tx.Exec(kStopAttempts, job_id, stop.ticket_id, stop.attempts);
  if (stop.returned_now && stop.returned_to) {
    tx.Exec(kStopReturned, job_id, stop.ticket_id, domain::Name(*stop.returned_to), refunded_idr);
  }
}

void InsertResolution(pg::Transaction& tx, const std::string& job_id, std::string_view action,
                      const std::string& operator_subject, const std::string& reason) {
  tx.Exec(kInsertResolution, job_id, action, operator_subject, reason);
}

}  // namespace pasar::dispatch::store
