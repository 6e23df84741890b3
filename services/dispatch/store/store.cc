#include "store/store.h"

#include <algorithm>
#include <cmath>
#include <random>

#include "absl/time/clock.h"
#include "google/protobuf/util/time_util.h"
#include "pasar/events/events.h"
#include "pasar/geo/geo.h"
#include "pasar/ids/ids.h"
#include "pasar/rpc/log.h"

namespace pasar::dispatch::store {
namespace {

// ---- SQL --------------------------------------------------------------------------------------
// Timestamps travel as unix milliseconds.
// clang-format off
#define DSP_MS(col) "(extract(epoch from " col ") * 1000)::bigint"

#define DSP_COURIER_COLS                                                                  \
  "c.id::text, c.subject, c.name, c.phone, c.vehicle_plate, c.home_market_id, c.state, "  \
  "c.cash_on_hand_idr, coalesce(c.current_job_id, ''), " DSP_MS("c.shift_started_at") ", " \
  DSP_MS("c.created_at") ", " DSP_MS("c.updated_at") ", l.lat, l.lng, l.recorded_at_ms"
#define DSP_COURIER_FROM " FROM couriers c LEFT JOIN courier_locations l ON l.courier_id = c.id "

#define DSP_JOB_COLS                                                                   \
  "j.id, j.market_id, j.market_name, j.pickup_lat, j.pickup_lng, j.drop_off_lat, "     \
  "j.drop_off_lng, j.drop_off_address, j.drop_off_note, j.goods_total_idr, "           \
  "j.cash_to_collect_idr, j.delivery_fee_idr, j.service_fee_idr, j.status, "           \
  "coalesce(j.courier_id::text, ''), j.distance_meters, " DSP_MS("j.created_at") ", "  \
  DSP_MS("j.dispatch_deadline") ", " DSP_MS("j.assigned_at") ", "                      \
  DSP_MS("j.delivered_at") ", j.version"

#define DSP_OFFER_COLS                                                                 \
  "o.id::text, o.job_id, " DSP_MS("o.expires_at") ", o.distance_to_market_meters, "    \
  "o.eta_seconds, " DSP_MS("o.created_at") ", "                                        \
  "greatest(0, ceil(extract(epoch from o.expires_at - now())))::int"
// clang-format on

constexpr pg::Query kClaimKey{
    "dsp_claim_key",
    "INSERT INTO idempotency_keys (subject, rpc, request_id, request) VALUES ($1, $2, $3, $4) "
    "ON CONFLICT DO NOTHING RETURNING 1"};
constexpr pg::Query kGetKey{"dsp_get_key",
                            "SELECT request, response FROM idempotency_keys "
                            "WHERE subject = $1 AND rpc = $2 AND request_id = $3"};
constexpr pg::Query kSetKeyResponse{"dsp_set_key_response",
                                    "UPDATE idempotency_keys SET response = $4 "
                                    "WHERE subject = $1 AND rpc = $2 AND request_id = $3"};
constexpr pg::Query kDropKey{
    "dsp_drop_key",
    "DELETE FROM idempotency_keys WHERE subject = $1 AND rpc = $2 AND request_id = $3"};

constexpr pg::Query kInsertCourier{
    "dsp_insert_courier",
    "INSERT INTO couriers (subject, name, phone, vehicle_plate, home_market_id) "
    "VALUES ($1, $2, $3, $4, $5) ON CONFLICT (subject) DO NOTHING RETURNING id::text"};
constexpr pg::Query kCourierById{"dsp_courier_by_id",
                                 "SELECT " DSP_COURIER_COLS DSP_COURIER_FROM "WHERE c.id = $1"};
constexpr pg::Query kCourierBySubject{
    "dsp_courier_by_subject", "SELECT " DSP_COURIER_COLS DSP_COURIER_FROM "WHERE c.subject = $1"};
constexpr pg::Query kLockCourierBySubject{
    "dsp_lock_courier_by_subject",
    "SELECT c.id::text, c.state, c.cash_on_hand_idr FROM couriers c WHERE c.subject = $1 "
    "FOR UPDATE"};
constexpr pg::Query kLockCourier{
    "dsp_lock_courier", "SELECT state, cash_on_hand_idr FROM couriers WHERE id = $1 FOR UPDATE"};
constexpr pg::Query kCourierIdBySubject{"dsp_courier_id_by_subject",
                                        "SELECT id::text FROM couriers WHERE subject = $1"};
constexpr pg::Query kStartShiftFromOff{
    "dsp_start_shift",
    "UPDATE couriers SET state = 'IDLE', cash_on_hand_idr = $2, shift_started_at = now(), "
    "idle_since = now(), consecutive_timeouts = 0, updated_at = now() WHERE id = $1"};
constexpr pg::Query kSetCash{
    "dsp_set_cash", "UPDATE couriers SET cash_on_hand_idr = $2, updated_at = now() WHERE id = $1"};
constexpr pg::Query kEndShift{
    "dsp_end_shift",
    "UPDATE couriers SET state = 'OFF_DUTY', shift_started_at = NULL, idle_since = NULL, "
    "updated_at = now() WHERE id = $1"};
// Back to IDLE from an offer or from job $2 (never touching another job the courier holds);
// consecutive_timeouts are kept: losing an offer or a job is no answer.
constexpr pg::Query kCourierToIdle{
    "dsp_courier_to_idle",
    "UPDATE couriers SET state = 'IDLE', current_job_id = NULL, updated_at = now(), "
    "idle_since = CASE WHEN state = 'OFFERED' THEN idle_since ELSE now() END "
    "WHERE id = $1 AND state <> 'OFF_DUTY' AND coalesce(current_job_id, $2) = $2"};
constexpr pg::Query kCourierAnswered{
    "dsp_courier_answered",
    "UPDATE couriers SET state = 'IDLE', consecutive_timeouts = 0, updated_at = now() "
    "WHERE id = $1 AND state = 'OFFERED'"};
constexpr pg::Query kCourierTimedOut{
    "dsp_courier_timed_out",
    "UPDATE couriers SET consecutive_timeouts = consecutive_timeouts + 1, updated_at = now(), "
    "state = CASE WHEN consecutive_timeouts + 1 >= $2 THEN 'OFF_DUTY' ELSE 'IDLE' END, "
    "shift_started_at = CASE WHEN consecutive_timeouts + 1 >= $2 THEN NULL "
    "ELSE shift_started_at END "
    "WHERE id = $1 AND state = 'OFFERED' RETURNING state"};
constexpr pg::Query kCourierAssigned{
    "dsp_courier_assigned",
    "UPDATE couriers SET state = 'ASSIGNED', current_job_id = $2, consecutive_timeouts = 0, "
    "updated_at = now() WHERE id = $1"};
constexpr pg::Query kCourierPaid{
    "dsp_courier_paid",
    "UPDATE couriers SET cash_on_hand_idr = cash_on_hand_idr - $2, updated_at = now(), "
    "state = CASE WHEN $3 THEN 'DELIVERING' ELSE state END WHERE id = $1"};
constexpr pg::Query kCourierDelivered{
    "dsp_courier_delivered",
    "UPDATE couriers SET state = 'IDLE', current_job_id = NULL, idle_since = now(), "
    "cash_on_hand_idr = cash_on_hand_idr + $2, updated_at = now() WHERE id = $1"};
constexpr pg::Query kCourierOffered{
    "dsp_courier_offered",
    "UPDATE couriers SET state = 'OFFERED', updated_at = now() WHERE id = $1"};

constexpr pg::Query kJobById{"dsp_job_by_id",
                             "SELECT " DSP_JOB_COLS " FROM jobs j WHERE j.id = $1"};
constexpr pg::Query kStopsOfJobs{
    "dsp_stops_of_jobs",
    "SELECT job_id, ticket_id, stall_id, stall_name, amount_idr, " DSP_MS(
        "picked_up_at") " FROM job_stops WHERE job_id = ANY($1::text[]) ORDER BY job_id, position"};
constexpr pg::Query kLockJob{
    "dsp_lock_job",
    "SELECT status, coalesce(courier_id::text, ''), goods_total_idr, cash_to_collect_idr, "
    "delivery_fee_idr, delivery_pin, pin_attempts, correlation_id, market_id "
    "FROM jobs WHERE id = $1 FOR UPDATE"};
constexpr pg::Query kJobStatus{"dsp_job_status",
                               "UPDATE jobs SET status = $2, version = version + 1 WHERE id = $1"};
constexpr pg::Query kJobAssign{
    "dsp_job_assign",
    "UPDATE jobs SET status = 'ASSIGNED', courier_id = $2, assigned_at = now(), "
    "first_assigned_at = coalesce(first_assigned_at, now()), version = version + 1 "
    "WHERE id = $1 "
    "RETURNING (extract(epoch from now() - created_at) * 1000)::bigint, "
    "first_assigned_at = now()"};
// Back to matching without its courier, with a fresh dispatch window: the time spent with the
// released courier is not the job's fault, and a release after the first deadline would else
// fail it at once. A window is never shortened.
constexpr pg::Query kJobUnassign{
    "dsp_job_unassign",
    "UPDATE jobs SET status = 'PENDING', courier_id = NULL, assigned_at = NULL, "
    "dispatch_deadline = greatest(dispatch_deadline, "
    "now() + make_interval(secs => dispatch_timeout_seconds)), "
    "version = version + 1 WHERE id = $1"};
constexpr pg::Query kJobFinish{
    "dsp_job_finish",
    "UPDATE jobs SET status = $2, finished_at = now(), version = version + 1, "
    "delivered_at = CASE WHEN $2 = 'DELIVERED' THEN now() ELSE delivered_at END WHERE id = $1"};
constexpr pg::Query kJobPinAttempt{"dsp_job_pin_attempt",
                                   "UPDATE jobs SET pin_attempts = pin_attempts + 1 WHERE id = $1"};
constexpr pg::Query kLockStop{
    "dsp_lock_stop",
    "SELECT stall_id, amount_idr, pickup_code, attempts, picked_up_at IS NOT NULL "
    "FROM job_stops WHERE job_id = $1 AND ticket_id = $2 FOR UPDATE"};
constexpr pg::Query kStopAttempt{
    "dsp_stop_attempt",
    "UPDATE job_stops SET attempts = attempts + 1 WHERE job_id = $1 AND ticket_id = $2"};
constexpr pg::Query kStopPicked{"dsp_stop_picked",
                                "UPDATE job_stops SET picked_up_at = now(), paid_idr = $3 "
                                "WHERE job_id = $1 AND ticket_id = $2"};
constexpr pg::Query kStopsPicked{
    "dsp_stops_picked",
    "SELECT count(*) FROM job_stops WHERE job_id = $1 AND picked_up_at IS NOT NULL"};
// The wrong pickup code counters belong to the courier who typed them: the next one starts over.
constexpr pg::Query kResetStopAttempts{"dsp_reset_stop_attempts",
                                       "UPDATE job_stops SET attempts = 0 WHERE job_id = $1"};
constexpr pg::Query kStopsLeft{
    "dsp_stops_left", "SELECT count(*) FROM job_stops WHERE job_id = $1 AND picked_up_at IS NULL"};

constexpr pg::Query kOfferOfSubject{
    "dsp_offer_of_subject",
    "SELECT o.job_id, o.courier_id::text FROM offers o JOIN couriers c ON c.id = o.courier_id "
    "WHERE o.id = $1 AND c.subject = $2"};
constexpr pg::Query kLockOffer{
    "dsp_lock_offer",
    "SELECT status, expires_at > now(), eta_seconds FROM offers WHERE id = $1 FOR UPDATE"};
constexpr pg::Query kResolveOffer{
    "dsp_resolve_offer",
    "UPDATE offers SET status = $2, resolved_at = now(), decline_reason = $3, "
    "decline_note = $4, withdraw_reason = $5 WHERE id = $1"};
constexpr pg::Query kWithdrawPendingOffer{
    "dsp_withdraw_pending_offer",
    "UPDATE offers SET status = 'WITHDRAWN', resolved_at = now(), withdraw_reason = $2 "
    "WHERE job_id = $1 AND status = 'PENDING' RETURNING id::text, courier_id::text"};
constexpr pg::Query kPendingOfferOfCourier{
    "dsp_pending_offer_of_courier",
    "SELECT " DSP_OFFER_COLS " FROM offers o WHERE o.courier_id = $1 AND o.status = 'PENDING'"};
constexpr pg::Query kOfferEnd{
    "dsp_offer_end", "SELECT status, coalesce(withdraw_reason, '') FROM offers WHERE id = $1"};
constexpr pg::Query kInsertExclusion{
    "dsp_insert_exclusion",
    "INSERT INTO job_exclusions (job_id, courier_id, reason) VALUES ($1, $2, $3) "
    "ON CONFLICT DO NOTHING"};
constexpr pg::Query kInsertAssignment{
    "dsp_insert_assignment",
    "INSERT INTO assignments (job_id, courier_id, market_id, latency_ms, first) "
    "VALUES ($1, $2, $3, $4, $5)"};
constexpr pg::Query kReleaseAssignment{
    "dsp_release_assignment",
    "UPDATE assignments SET released_at = now(), release_reason = $3 "
    "WHERE job_id = $1 AND courier_id = $2 AND released_at IS NULL"};
constexpr pg::Query kLatestAssignment{
    "dsp_latest_assignment",
    "SELECT job_id, released_at IS NOT NULL, coalesce(release_reason, '') FROM assignments "
    "WHERE courier_id = $1 ORDER BY assigned_at DESC, id DESC LIMIT 1"};

constexpr pg::Query kOrderCancelledBefore{"dsp_order_cancelled_before",
                                          "SELECT 1 FROM cancelled_orders WHERE order_id = $1"};
constexpr pg::Query kRememberCancelled{
    "dsp_remember_cancelled",
    "INSERT INTO cancelled_orders (order_id) VALUES ($1) ON CONFLICT DO NOTHING"};
constexpr pg::Query kInsertJob{
    "dsp_insert_job",
    "INSERT INTO jobs (id, market_id, market_name, pickup_lat, pickup_lng, drop_off_lat, "
    "drop_off_lng, drop_off_address, drop_off_note, goods_total_idr, cash_to_collect_idr, "
    "delivery_fee_idr, service_fee_idr, distance_meters, delivery_pin, status, correlation_id, "
    "dispatch_deadline, dispatch_timeout_seconds) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, "
    "$10, $11, $12, $13, $14, $15, 'PENDING', $16, CASE WHEN $17::bigint > 0 THEN "
    "to_timestamp($17::bigint / 1000.0) ELSE now() + make_interval(secs => $18::int) END, "
    "$18::int) ON CONFLICT (id) DO NOTHING RETURNING 1"};
constexpr pg::Query kInsertStop{
    "dsp_insert_stop",
    "INSERT INTO job_stops (job_id, ticket_id, position, stall_id, stall_name, amount_idr, "
    "pickup_code) VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT DO NOTHING"};

constexpr pg::Query kMarketsPending{"dsp_markets_pending",
                                    "SELECT DISTINCT market_id FROM jobs WHERE status = 'PENDING'"};
constexpr pg::Query kPendingJobs{
    "dsp_pending_jobs",
    "SELECT id, pickup_lat, pickup_lng, goods_total_idr, "
    "(extract(epoch from now() - created_at) * 1000)::bigint, " DSP_MS("created_at")
    " FROM jobs WHERE market_id = $1 AND status = 'PENDING' AND dispatch_deadline > now() "
    "ORDER BY created_at, id LIMIT $2"};
constexpr pg::Query kExclusionsOf{
    "dsp_exclusions_of",
    "SELECT job_id, courier_id::text FROM job_exclusions WHERE job_id = ANY($1::text[])"};
constexpr pg::Query kIdleCouriers{
    "dsp_idle_couriers",
    "SELECT id::text, cash_on_hand_idr, "
    "coalesce((extract(epoch from now() - idle_since) * 1000)::bigint, 0) "
    "FROM couriers WHERE id = ANY($1::uuid[]) AND state = 'IDLE'"};
constexpr pg::Query kLockPendingJob{
    "dsp_lock_pending_job",
    "SELECT goods_total_idr, correlation_id FROM jobs WHERE id = $1 AND status = 'PENDING' "
    "AND dispatch_deadline > now() FOR UPDATE SKIP LOCKED"};
constexpr pg::Query kLockIdleCourier{
    "dsp_lock_idle_courier",
    "SELECT cash_on_hand_idr FROM couriers WHERE id = $1 AND state = 'IDLE' "
    "FOR UPDATE SKIP LOCKED"};
constexpr pg::Query kExcluded{"dsp_excluded",
                              "SELECT 1 FROM job_exclusions WHERE job_id = $1 AND courier_id = $2"};
constexpr pg::Query kInsertOffer{
    "dsp_insert_offer",
    "INSERT INTO offers (job_id, courier_id, market_id, status, distance_to_market_meters, "
    "eta_seconds, made_by, expires_at) VALUES ($1, $2, $3, 'PENDING', $4, $5, $6, "
    "now() + make_interval(secs => $7)) RETURNING id::text, " DSP_MS("expires_at")};
constexpr pg::Query kJobOffered{
    "dsp_job_offered",
    "UPDATE jobs SET status = 'OFFERED', offers_made = offers_made + 1, version = version + 1 "
    "WHERE id = $1"};

constexpr pg::Query kDueOffers{
    "dsp_due_offers",
    "SELECT id::text, job_id, courier_id::text FROM offers WHERE status = 'PENDING' "
    "AND expires_at <= now() ORDER BY expires_at LIMIT $1 FOR UPDATE SKIP LOCKED"};
constexpr pg::Query kClaimFence{
    "dsp_claim_fence",
    "INSERT INTO matcher_fences (market_id, holder, token) VALUES ($1, $2, 1) "
    "ON CONFLICT (market_id) DO UPDATE SET holder = EXCLUDED.holder, "
    "token = matcher_fences.token + 1, claimed_at = now() RETURNING token"};
constexpr pg::Query kCheckFence{
    "dsp_check_fence",
    "SELECT 1 FROM matcher_fences WHERE market_id = $1 AND token = $2 FOR SHARE"};
constexpr pg::Query kTryLockJob{
    "dsp_try_lock_job",
    "SELECT status, correlation_id FROM jobs WHERE id = $1 FOR UPDATE SKIP LOCKED"};
constexpr pg::Query kOverdueJobs{
    "dsp_overdue_jobs",
    "SELECT id, correlation_id, offers_made FROM jobs WHERE status IN ('PENDING', 'OFFERED') "
    "AND dispatch_deadline <= now() ORDER BY dispatch_deadline LIMIT $1 FOR UPDATE SKIP LOCKED"};
constexpr pg::Query kSilentAssignments{
    "dsp_silent_assignments",
    "SELECT j.id, j.courier_id::text, j.correlation_id FROM jobs j "
    "LEFT JOIN courier_locations l ON l.courier_id = j.courier_id "
    "WHERE j.status = 'ASSIGNED' AND greatest(j.assigned_at, "
    "to_timestamp(coalesce(l.recorded_at_ms, 0) / 1000.0)) < now() - make_interval(secs => $1) "
    "ORDER BY j.assigned_at LIMIT $2 FOR UPDATE OF j SKIP LOCKED"};

constexpr pg::Query kFixesLock{
    "dsp_fixes_lock", "SELECT pg_advisory_xact_lock(hashtext(current_schema() || '.fixes'))"};
constexpr pg::Query kUpsertFixes{
    "dsp_upsert_fixes",
    "INSERT INTO courier_locations (courier_id, lat, lng, recorded_at_ms, seq) "
    "SELECT u.id, u.lat, u.lng, u.ms, nextval('courier_location_seq') "
    "FROM unnest($1::uuid[], $2::float8[], $3::float8[], $4::bigint[]) AS u(id, lat, lng, ms) "
    "WHERE EXISTS (SELECT 1 FROM couriers c WHERE c.id = u.id) "
    "ON CONFLICT (courier_id) DO UPDATE SET lat = EXCLUDED.lat, lng = EXCLUDED.lng, "
    "recorded_at_ms = EXCLUDED.recorded_at_ms, seq = EXCLUDED.seq "
    "WHERE courier_locations.recorded_at_ms < EXCLUDED.recorded_at_ms"};
constexpr pg::Query kFixesSince{
    "dsp_fixes_since",
    "SELECT courier_id::text, lat, lng, recorded_at_ms, seq FROM courier_locations "
    "WHERE seq > $1 ORDER BY seq LIMIT 5000"};

constexpr pg::Query kListCouriers{
    "dsp_list_couriers",
    "SELECT " DSP_COURIER_COLS DSP_COURIER_FROM
    "WHERE (cardinality($1::text[]) = 0 OR c.state = ANY($1::text[])) "
    "AND ($2 = '' OR c.home_market_id = $2) "
    // After the courier of the cursor (a name is set once, at CreateCourier).
    "AND ($4::uuid IS NULL OR (c.name, c.id) > (SELECT k.name, k.id FROM couriers k "
    "WHERE k.id = $4::uuid)) ORDER BY c.name, c.id LIMIT $3"};
constexpr pg::Query kCouriersInBox{
    "dsp_couriers_in_box", "SELECT " DSP_COURIER_COLS DSP_COURIER_FROM
                           "WHERE (cardinality($1::text[]) = 0 OR c.state = ANY($1::text[])) "
                           "AND ($2 = '' OR c.home_market_id = $2) AND l.lat BETWEEN $3 AND $4 "
                           "AND l.lng BETWEEN $5 AND $6"};
constexpr pg::Query kListJobs{
    "dsp_list_jobs", "SELECT " DSP_JOB_COLS
                     ", (extract(epoch from j.created_at) * 1000000)::bigint "
                     "FROM jobs j WHERE ($1 = '' OR j.market_id = $1) "
                     "AND (cardinality($2::text[]) = 0 OR j.status = ANY($2::text[])) "
                     "AND ($4::bigint IS NULL OR (j.created_at, j.id) < "
                     "('epoch'::timestamptz + $4::bigint * interval '1 microsecond', $5::text)) "
                     "ORDER BY j.created_at DESC, j.id DESC LIMIT $3"};

constexpr pg::Query kStatsCouriers{
    "dsp_stats_couriers",
    "SELECT state, count(*) FROM couriers WHERE ($1 = '' OR home_market_id = $1) GROUP BY state"};
constexpr pg::Query kStatsJobs{
    "dsp_stats_jobs",
    "SELECT status, count(*) FROM jobs WHERE ($1 = '' OR market_id = $1) "
    "AND created_at >= to_timestamp($2::bigint / 1000.0) GROUP BY status"};
constexpr pg::Query kStatsOffers{
    "dsp_stats_offers",
    "SELECT count(*), count(*) FILTER (WHERE status = 'ACCEPTED'), "
    "count(*) FILTER (WHERE status = 'DECLINED'), count(*) FILTER (WHERE status = 'EXPIRED'), "
    "count(*) FILTER (WHERE status = 'WITHDRAWN') FROM offers "
    "WHERE ($1 = '' OR market_id = $1) AND created_at >= to_timestamp($2::bigint / 1000.0)"};
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
constexpr pg::Query kStatsFailures{
    "dsp_stats_failures",
    "SELECT count(*) FROM jobs WHERE ($1 = '' OR market_id = $1) AND status = 'FAILED' "
    "AND finished_at >= to_timestamp($2::bigint / 1000.0)"};

#undef DSP_OFFER_COLS
#undef DSP_JOB_COLS
#undef DSP_COURIER_FROM
#undef DSP_COURIER_COLS
#undef DSP_MS

// ---- helpers ----------------------------------------------------------------------------------

void SetTs(google::protobuf::Timestamp* ts, int64_t ms) {
  *ts = google::protobuf::util::TimeUtil::MillisecondsToTimestamp(ms);
}

v1::CourierState ParseCourierState(std::string_view s) {
  v1::CourierState state = v1::COURIER_STATE_UNSPECIFIED;
  v1::CourierState_Parse("COURIER_STATE_" + std::string(s), &state);
  return state;
}
v1::JobStatus ParseJobStatus(std::string_view s) {
  v1::JobStatus status = v1::JOB_STATUS_UNSPECIFIED;
  v1::JobStatus_Parse("JOB_STATUS_" + std::string(s), &status);
  return status;
}
v1::WithdrawReason ParseWithdrawReason(std::string_view s) {
  v1::WithdrawReason reason = v1::WITHDRAW_REASON_UNSPECIFIED;
  v1::WithdrawReason_Parse("WITHDRAW_REASON_" + std::string(s), &reason);
  return reason;
}
// "COURIER_STATE_IDLE" -> "IDLE".
std::string ShortName(const std::string& full, std::string_view prefix) {
  return full.substr(prefix.size());
}

v1::Courier ReadCourier(const pg::Result& r, int row) {
  v1::Courier c;
  c.set_id(r.Str(row, 0));
  c.set_subject(r.Str(row, 1));
  c.set_name(r.Str(row, 2));
  c.set_phone(r.Str(row, 3));
  c.set_vehicle_plate(r.Str(row, 4));
  c.set_home_market_id(r.Str(row, 5));
  c.set_state(ParseCourierState(r.Text(row, 6)));
  c.set_cash_on_hand_idr(r.Int(row, 7));
  c.set_current_job_id(r.Str(row, 8));
  if (auto v = r.OptInt(row, 9)) SetTs(c.mutable_shift_started_at(), *v);
  SetTs(c.mutable_created_at(), r.Int(row, 10));
  SetTs(c.mutable_updated_at(), r.Int(row, 11));
  if (!r.IsNull(row, 12)) {
    c.mutable_last_location()->set_lat(r.Double(row, 12));
    c.mutable_last_location()->set_lng(r.Double(row, 13));
    SetTs(c.mutable_last_fix_at(), r.Int(row, 14));
  }
  return c;
}

v1::Job ReadJob(const pg::Result& r, int row) {
  v1::Job j;
  j.set_id(r.Str(row, 0));
  j.set_order_id(j.id());
  j.set_market_id(r.Str(row, 1));
  j.set_market_name(r.Str(row, 2));
  j.mutable_pickup()->set_lat(r.Double(row, 3));
  j.mutable_pickup()->set_lng(r.Double(row, 4));
  j.mutable_drop_off()->set_lat(r.Double(row, 5));
  j.mutable_drop_off()->set_lng(r.Double(row, 6));
  j.set_drop_off_address(r.Str(row, 7));
  j.set_drop_off_note(r.Str(row, 8));
  j.set_goods_total_idr(r.Int(row, 9));
  j.set_cash_to_collect_idr(r.Int(row, 10));
  j.set_delivery_fee_idr(r.Int(row, 11));
  j.set_service_fee_idr(r.Int(row, 12));
  j.set_status(ParseJobStatus(r.Text(row, 13)));
  j.set_courier_id(r.Str(row, 14));
  j.set_distance_meters(r.Int(row, 15));
  SetTs(j.mutable_created_at(), r.Int(row, 16));
  SetTs(j.mutable_dispatch_deadline(), r.Int(row, 17));
  if (auto v = r.OptInt(row, 18)) SetTs(j.mutable_assigned_at(), *v);
  if (auto v = r.OptInt(row, 19)) SetTs(j.mutable_delivered_at(), *v);
  j.set_version(r.Int(row, 20));
  return j;
}

// Fills the stops of `jobs` (one query).
void LoadStops(pg::Transaction& tx, std::vector<v1::Job*> jobs) {
  if (jobs.empty()) return;
  std::vector<std::string> ids;
  for (const v1::Job* j : jobs)
    ids.push_back(j->id());
  const pg::Result r = tx.Exec(kStopsOfJobs, ids);
  for (int i = 0; i < r.size(); ++i) {
    const std::string job_id = r.Str(i, 0);
    for (v1::Job* j : jobs) {
      if (j->id() != job_id) continue;
      v1::JobStop* s = j->add_stops();
      s->set_ticket_id(r.Str(i, 1));
      s->set_stall_id(r.Str(i, 2));
      s->set_stall_name(r.Str(i, 3));
      s->set_amount_idr(r.Int(i, 4));
      if (auto v = r.OptInt(i, 5)) {
        s->set_picked_up(true);
        SetTs(s->mutable_picked_up_at(), *v);
      }
    }
  }
}

std::optional<v1::Job> LoadJob(pg::Transaction& tx, const std::string& id) {
  const pg::Result r = tx.Exec(kJobById, id);
  if (r.empty()) return std::nullopt;
  v1::Job job = ReadJob(r, 0);
  LoadStops(tx, {&job});
  return job;
}

std::optional<v1::Courier> LoadCourier(pg::Transaction& tx, const std::string& id) {
  const pg::Result r = tx.Exec(kCourierById, id);
  if (r.empty()) return std::nullopt;
  return ReadCourier(r, 0);
}

std::optional<v1::Offer> LoadPendingOffer(pg::Transaction& tx, const std::string& courier_id) {
  const pg::Result r = tx.Exec(kPendingOfferOfCourier, courier_id);
  if (r.empty()) return std::nullopt;
  v1::Offer o;
  o.set_offer_id(r.Str(0, 0));
  SetTs(o.mutable_expires_at(), r.Int(0, 2));
  o.set_distance_to_market_meters(r.Int(0, 3));
  o.set_eta_seconds(static_cast<int32_t>(r.Int(0, 4)));
  SetTs(o.mutable_created_at(), r.Int(0, 5));
  o.set_countdown_seconds(static_cast<int32_t>(r.Int(0, 6)));
  if (auto job = LoadJob(tx, r.Str(0, 1))) *o.mutable_job() = std::move(*job);
  return o;
}

// Writes the event to the outbox in the caller's transaction (stream events.dispatch).
void Emit(pg::Transaction& tx, const std::string& aggregate, const std::string& correlation,
          ev::Envelope env) {
  const auto* oneof = env.GetDescriptor()->FindOneofByName("payload");
  const auto* field = env.GetReflection()->GetOneofFieldDescriptor(env, oneof);
  env.set_event_id(ids::RandomUuid());
  env.set_type(field->message_type()->name());
  SetTs(env.mutable_occurred_at(), absl::ToUnixMillis(absl::Now()));
  env.set_producer("dispatch");
  env.set_aggregate_id(aggregate);
  env.set_correlation_id(correlation);
  events::AppendToOutbox(tx, events::OutboxEvent{env.event_id(), "events.dispatch", env.type(),
                                                 aggregate, env.SerializeAsString()});
}

std::string WithdrawName(v1::WithdrawReason reason) {
  return ShortName(v1::WithdrawReason_Name(reason), "WITHDRAW_REASON_");
}

// Takes back the pending offer of a job (if any); the courier goes back to IDLE. Returns the
// courier it was offered to, if any.
std::optional<std::string> WithdrawPendingOffer(pg::Transaction& tx, const std::string& job_id,
                                                const std::string& correlation,
                                                v1::WithdrawReason reason) {
  const pg::Result r = tx.Exec(kWithdrawPendingOffer, job_id, WithdrawName(reason));
  std::optional<std::string> offered_to;
  for (int i = 0; i < r.size(); ++i) {
    const std::string courier_id = r.Str(i, 1);
    tx.Exec(kLockCourier, courier_id);
    tx.Exec(kCourierToIdle, courier_id, job_id);
    ev::Envelope env;
    auto* w = env.mutable_offer_withdrawn();
    w->set_offer_id(r.Str(i, 0));
    w->set_job_id(job_id);
    w->set_order_id(job_id);
    w->set_courier_id(courier_id);
    w->set_reason(reason);
    Emit(tx, courier_id, correlation, std::move(env));
    offered_to = courier_id;
  }
  return offered_to;
}

// Releases the courier of an assigned job (before delivery).
void ReleaseCourier(pg::Transaction& tx, const std::string& job_id, const std::string& courier_id,
                    const std::string& correlation, v1::WithdrawReason reason,
                    std::string_view note) {
  tx.Exec(kLockCourier, courier_id);
  tx.Exec(kCourierToIdle, courier_id, job_id);
  tx.Exec(kReleaseAssignment, job_id, courier_id, WithdrawName(reason));
  ev::Envelope env;
  auto* u = env.mutable_courier_unassigned();
  u->set_order_id(job_id);
  u->set_job_id(job_id);
  u->set_courier_id(courier_id);
  u->set_reason(reason);
  u->set_note(std::string(note));
  Emit(tx, courier_id, correlation, std::move(env));
}

// Claims the idempotency key; returns the outcome of a replay, or nullopt to go ahead.
std::optional<Outcome> ClaimKey(pg::Transaction& tx, const IdemKey& key,
                                google::protobuf::Message* resp) {
  if (!tx.Exec(kClaimKey, key.subject, key.rpc, key.request_id, pg::Bytea{key.fingerprint})
           .empty()) {
    return std::nullopt;
  }
  const pg::Result r = tx.Exec(kGetKey, key.subject, key.rpc, key.request_id);
  if (r.empty() || r.Bytes(0, 0) != key.fingerprint || r.IsNull(0, 1)) {
    return Outcome{Refusal::kKeyReused, "request_id was used for a different request"};
  }
  resp->ParseFromString(r.Bytes(0, 1));
  return Outcome{};
}

// Runs body(tx) -> Outcome once per idempotency key, in one transaction with the key. A refusal
// rolls everything back, except when `persist` is set (a counted failed attempt): then the
// effects stay and the key is released so a corrected retry may reuse it.
template <class Resp, class Body>
Outcome Idempotent(pg::Pool& pool, std::string_view name, const IdemKey& key, Resp* resp,
                   Body&& body) {
  return pg::WithTransaction(pool, name, [&](pg::Transaction& tx) -> Outcome {
    resp->Clear();
    if (auto replay = ClaimKey(tx, key, resp)) {
      tx.Commit();
      return *replay;
    }
    bool persist = false;
    Outcome out = body(tx, persist);
    if (out.ok()) {
      tx.Exec(kSetKeyResponse, key.subject, key.rpc, key.request_id,
              pg::Bytea{resp->SerializeAsString()});
      tx.Commit();
    } else if (persist) {
      tx.Exec(kDropKey, key.subject, key.rpc, key.request_id);
      tx.Commit();
    }
    return out;
  });
}

Outcome Refuse(Refusal r, std::string detail) {
  return Outcome{r, std::move(detail)};
}

// Locks the caller's courier row: (id, state, cash), or nullopt.
struct LockedCourier {
  std::string id;
  std::string state;
  int64_t cash = 0;
};
std::optional<LockedCourier> LockCourierBySubject(pg::Transaction& tx, const std::string& subject) {
  const pg::Result r = tx.Exec(kLockCourierBySubject, subject);
  if (r.empty()) return std::nullopt;
  return LockedCourier{r.Str(0, 0), r.Str(0, 1), r.Int(0, 2)};
}

struct LockedJob {
  std::string status;
  std::string courier_id;
  int64_t goods_total = 0;
  int64_t cash_to_collect = 0;
  int64_t delivery_fee = 0;
  std::string pin;
  int64_t pin_attempts = 0;
  std::string correlation;
  std::string market_id;
};
std::optional<LockedJob> LockJob(pg::Transaction& tx, const std::string& job_id) {
  const pg::Result r = tx.Exec(kLockJob, job_id);
  if (r.empty()) return std::nullopt;
  return LockedJob{r.Str(0, 0), r.Str(0, 1), r.Int(0, 2), r.Int(0, 3), r.Int(0, 4),
                   r.Str(0, 5), r.Int(0, 6), r.Str(0, 7), r.Str(0, 8)};
}

std::vector<std::string> StateNames(const google::protobuf::RepeatedField<int>& states,
                                    bool courier) {
  std::vector<std::string> out;
  for (int s : states) {
    out.push_back(
        courier
            ? ShortName(v1::CourierState_Name(static_cast<v1::CourierState>(s)), "COURIER_STATE_")
            : ShortName(v1::JobStatus_Name(static_cast<v1::JobStatus>(s)), "JOB_STATUS_"));
  }
  return out;
}

}  // namespace

// ---- operator ---------------------------------------------------------------------------------

Outcome Store::CreateCourier(const IdemKey& key, const v1::CreateCourierRequest& req,
                             v1::CreateCourierResponse* resp) {
  return Idempotent(pool_, "create_courier", key, resp, [&](pg::Transaction& tx, bool&) {
    const pg::Result r = tx.Exec(kInsertCourier, req.subject(), req.name(), req.phone(),
                                 req.vehicle_plate(), req.home_market_id());
    if (r.empty()) return Refuse(Refusal::kAlreadyExists, "a courier with this subject exists");
    *resp->mutable_courier() = *LoadCourier(tx, r.Str(0, 0));
    return Outcome{};
  });
}

Store::CourierPage Store::ListCouriers(const v1::ListCouriersRequest& req,
                                       const std::optional<CourierCursor>& after, int limit) {
  pg::Transaction tx(pool_, "list_couriers");
  const std::vector<std::string> states = StateNames(req.states(), true);
  CourierPage page;
  if (req.has_near()) {
    const geo::LatLng center{req.near().lat(), req.near().lng()};
    const auto radius = static_cast<double>(req.radius_meters());
    const geo::BoundingBox box = geo::BoxAround(center, radius);
    const pg::Result r = tx.Exec(kCouriersInBox, states, req.home_market_id(), box.min_lat,
                                 box.max_lat, box.min_lng, box.max_lng);
    std::vector<v1::Courier> near;
    for (int i = 0; i < r.size(); ++i) {
      v1::Courier c = ReadCourier(r, i);
      const double d =
          geo::DistanceMeters(center, {c.last_location().lat(), c.last_location().lng()});
      if (d > radius) continue;
      c.set_distance_meters(std::llround(d));
      near.push_back(std::move(c));
    }
    // Keyed by what the page shows (whole meters, then id), so a cursor is exact.
    using Key = std::pair<int64_t, std::string_view>;
    const auto key = [](const v1::Courier& c) { return Key(c.distance_meters(), c.id()); };
    std::sort(near.begin(), near.end(),
              [&](const v1::Courier& a, const v1::Courier& b) { return key(a) < key(b); });
    auto it = near.begin();
    if (after) {
      const Key cursor(after->distance_m, after->id);
      it = std::find_if(near.begin(), near.end(),
                        [&](const v1::Courier& c) { return key(c) > cursor; });
    }
    for (; it != near.end() && static_cast<int>(page.couriers.size()) < limit; ++it)
      page.couriers.push_back(std::move(*it));
    if (it != near.end() && !page.couriers.empty()) {
      page.next = CourierCursor{page.couriers.back().distance_meters(), page.couriers.back().id()};
    }
  } else {
    const pg::Result r = tx.Exec(kListCouriers, states, req.home_market_id(), limit + 1,
                                 after ? std::optional<std::string>(after->id) : std::nullopt);
    const int rows = std::min(r.size(), limit);
    for (int i = 0; i < rows; ++i)
      page.couriers.push_back(ReadCourier(r, i));
    if (r.size() > limit) page.next = CourierCursor{0, page.couriers.back().id()};
  }
  tx.Commit();
  return page;
}

Outcome Store::UnassignCourier(const IdemKey& key, const v1::UnassignCourierRequest& req,
                               v1::UnassignCourierResponse* resp) {
  return Idempotent(pool_, "unassign_courier", key, resp, [&](pg::Transaction& tx, bool&) {
    const std::string& job_id = req.job_id();
    const auto job = LockJob(tx, job_id);
    if (!job) return Refuse(Refusal::kNotFound, "job");
    if (job->status != "OFFERED" && job->status != "ASSIGNED") {
      return Refuse(Refusal::kInvalidTransition, "the job is " + job->status);
    }
    // Goods on the bike were paid for by the courier: only a delivery (or its failure) ends that.
    if (tx.Exec(kStopsPicked, job_id).Int(0, 0) > 0) {
      return Refuse(Refusal::kInvalidTransition, "a ticket was already picked up");
    }
    std::string courier_id = job->courier_id;
    if (job->status == "OFFERED") {
      courier_id = WithdrawPendingOffer(tx, job_id, job->correlation, v1::WITHDRAW_REASON_OPERATOR)
                       .value_or("");
    } else {
      // The same release as for a silent courier (ReleaseSilentCouriers).
      ReleaseCourier(tx, job_id, courier_id, job->correlation, v1::WITHDRAW_REASON_OPERATOR,
                     req.note());
    }
    tx.Exec(kJobUnassign, job_id);
    if (!courier_id.empty()) tx.Exec(kInsertExclusion, job_id, courier_id, "OPERATOR");
    tx.Exec(kResetStopAttempts, job_id);
    *resp->mutable_job() = *LoadJob(tx, job_id);
    return Outcome{};
  });
}

std::optional<v1::Job> Store::GetJob(const std::string& job_id) {
  pg::Transaction tx(pool_, "get_job");
  auto job = LoadJob(tx, job_id);
  tx.Commit();
  return job;
}

Store::JobPage Store::ListJobs(const v1::ListJobsRequest& req,
                               const std::optional<JobCursor>& after, int limit) {
  pg::Transaction tx(pool_, "list_jobs");
  const pg::Result r =
      tx.Exec(kListJobs, req.market_id(), StateNames(req.statuses(), false), limit + 1,
              after ? std::optional<int64_t>(after->created_at_us) : std::nullopt,
              after ? std::optional<std::string>(after->id) : std::nullopt);
  JobPage page;
  const int rows = std::min(r.size(), limit);
  for (int i = 0; i < rows; ++i)
    page.jobs.push_back(ReadJob(r, i));
  if (r.size() > limit) page.next = JobCursor{r.Int(rows - 1, 21), r.Str(rows - 1, 0)};
  std::vector<v1::Job*> ptrs;
  for (auto& j : page.jobs)
    ptrs.push_back(&j);
  LoadStops(tx, ptrs);
  tx.Commit();
  return page;
}

void Store::Stats(const std::string& market_id, int64_t since_ms, v1::GetStatsResponse* resp) {
  pg::Transaction tx(pool_, "stats", pg::Transaction::Isolation::kRepeatableRead);
  resp->set_market_id(market_id);
  SetTs(resp->mutable_since(), since_ms);
  absl::flat_hash_map<int, int64_t> couriers;
  const pg::Result c = tx.Exec(kStatsCouriers, market_id);
  for (int i = 0; i < c.size(); ++i)
    couriers[ParseCourierState(c.Text(i, 0))] = c.Int(i, 1);
  for (int s = v1::COURIER_STATE_OFF_DUTY; s <= v1::COURIER_STATE_DELIVERING; ++s) {
    auto* e = resp->add_couriers_by_state();
    e->set_state(static_cast<v1::CourierState>(s));
    e->set_count(couriers.contains(s) ? couriers[s] : 0);
  }
  absl::flat_hash_map<int, int64_t> jobs;
  const pg::Result j = tx.Exec(kStatsJobs, market_id, since_ms);
  for (int i = 0; i < j.size(); ++i)
    jobs[ParseJobStatus(j.Text(i, 0))] = j.Int(i, 1);
  for (int s = v1::JOB_STATUS_PENDING; s <= v1::JOB_STATUS_FAILED; ++s) {
    auto* e = resp->add_jobs_by_status();
    e->set_status(static_cast<v1::JobStatus>(s));
    e->set_count(jobs.contains(s) ? jobs[s] : 0);
  }
  const pg::Result o = tx.Exec(kStatsOffers, market_id, since_ms);
  resp->set_offers_made(o.Int(0, 0));
  resp->set_offers_accepted(o.Int(0, 1));
  resp->set_offers_declined(o.Int(0, 2));
  resp->set_offers_expired(o.Int(0, 3));
  resp->set_offers_withdrawn(o.Int(0, 4));
  const pg::Result a = tx.Exec(kStatsAssignments, market_id, since_ms);
  resp->set_assignments(a.Int(0, 0));
  resp->set_unassignments(a.Int(0, 1));
  resp->set_assign_latency_mean_ms(a.Double(0, 2));
  resp->set_assign_latency_p50_ms(a.Int(0, 3));
  resp->set_assign_latency_p90_ms(a.Int(0, 4));
  resp->set_assign_latency_p99_ms(a.Int(0, 5));
  resp->set_dispatch_failures(tx.Exec(kStatsFailures, market_id, since_ms).Int(0, 0));
  tx.Commit();
}

// ---- courier ----------------------------------------------------------------------------------

std::optional<std::string> Store::CourierIdBySubject(const std::string& subject) {
  const pg::Result r = pg::Exec(pool_, kCourierIdBySubject, subject);
  if (r.empty()) return std::nullopt;
  return r.Str(0, 0);
}

Outcome Store::StartShift(const IdemKey& key, const v1::StartShiftRequest& req,
                          v1::StartShiftResponse* resp) {
  return Idempotent(pool_, "start_shift", key, resp, [&](pg::Transaction& tx, bool&) {
    const auto courier = LockCourierBySubject(tx, key.subject);
    if (!courier) return Refuse(Refusal::kNotFound, "courier");
    // On shift already: the declared cash is the cash they carry now, whatever they are doing;
    // AcceptOffer and ConfirmPickup check it again (INSUFFICIENT_CASH).
    tx.Exec(courier->state == "OFF_DUTY" ? kStartShiftFromOff : kSetCash, courier->id,
            req.cash_on_hand_idr());
    *resp->mutable_courier() = *LoadCourier(tx, courier->id);
    return Outcome{};
  });
}

Outcome Store::EndShift(const IdemKey& key, v1::EndShiftResponse* resp) {
  return Idempotent(pool_, "end_shift", key, resp, [&](pg::Transaction& tx, bool&) {
    const auto courier = LockCourierBySubject(tx, key.subject);
    if (!courier) return Refuse(Refusal::kNotFound, "courier");
    if (courier->state == "IDLE") {
      tx.Exec(kEndShift, courier->id);
    } else if (courier->state != "OFF_DUTY") {
      return Refuse(Refusal::kCourierBusy, "the courier holds an offer or a job");
    }
    *resp->mutable_courier() = *LoadCourier(tx, courier->id);
    return Outcome{};
  });
}

Outcome Store::AcceptOffer(const IdemKey& key, const std::string& offer_id,
                           v1::AcceptOfferResponse* resp) {
  return Idempotent(pool_, "accept_offer", key, resp, [&](pg::Transaction& tx, bool&) {
    const pg::Result of = tx.Exec(kOfferOfSubject, offer_id, key.subject);
    if (of.empty()) return Refuse(Refusal::kNotFound, "offer");
    const std::string job_id = of.Str(0, 0);
    const std::string courier_id = of.Str(0, 1);
    // Lock order everywhere: job, offer, courier.
    const auto job = LockJob(tx, job_id);
    const pg::Result offer = tx.Exec(kLockOffer, offer_id);
    if (!job || offer.Text(0, 0) != "PENDING" || !offer.Bool(0, 1)) {
      return Refuse(Refusal::kOfferExpired, "the offer is no longer pending");
    }
    const pg::Result courier = tx.Exec(kLockCourier, courier_id);
    if (courier.Int(0, 1) < job->goods_total) {
      return Refuse(Refusal::kInsufficientCash, "cash on hand is below the goods total");
    }
    tx.Exec(kResolveOffer, offer_id, "ACCEPTED", std::nullopt, std::nullopt, std::nullopt);
    const pg::Result assigned = tx.Exec(kJobAssign, job_id, courier_id);
    tx.Exec(kCourierAssigned, courier_id, job_id);
    tx.Exec(kInsertAssignment, job_id, courier_id, job->market_id, assigned.Int(0, 0),
            assigned.Bool(0, 1));
    const v1::Courier c = *LoadCourier(tx, courier_id);
    ev::Envelope env;
    auto* a = env.mutable_courier_assigned();
    a->set_order_id(job_id);
    a->set_job_id(job_id);
    a->set_courier_id(courier_id);
    a->set_courier_name(c.name());
    a->set_vehicle_plate(c.vehicle_plate());
    a->set_phone(c.phone());
    a->set_eta_seconds(static_cast<int32_t>(offer.Int(0, 2)));
    Emit(tx, courier_id, job->correlation, env);
    ev::Envelope resolved;
    auto* r = resolved.mutable_offer_resolved();
    r->set_offer_id(offer_id);
    r->set_job_id(job_id);
    r->set_order_id(job_id);
    r->set_courier_id(courier_id);
    r->set_outcome(ev::OFFER_OUTCOME_ACCEPTED);
    Emit(tx, courier_id, job->correlation, std::move(resolved));
    *resp->mutable_job() = *LoadJob(tx, job_id);
    return Outcome{};
  });
}

Outcome Store::DeclineOffer(const IdemKey& key, const v1::DeclineOfferRequest& req,
                            v1::DeclineOfferResponse* resp) {
  return Idempotent(pool_, "decline_offer", key, resp, [&](pg::Transaction& tx, bool&) {
    const pg::Result of = tx.Exec(kOfferOfSubject, req.offer_id(), key.subject);
    if (of.empty()) return Refuse(Refusal::kNotFound, "offer");
    const std::string job_id = of.Str(0, 0);
    const std::string courier_id = of.Str(0, 1);
    const auto job = LockJob(tx, job_id);
    const pg::Result offer = tx.Exec(kLockOffer, req.offer_id());
    if (!job || offer.Text(0, 0) != "PENDING" || !offer.Bool(0, 1)) {
      return Refuse(Refusal::kOfferExpired, "the offer is no longer pending");
    }
    tx.Exec(kLockCourier, courier_id);
    const std::string reason = ShortName(v1::DeclineReason_Name(req.reason()), "DECLINE_REASON_");
    tx.Exec(kResolveOffer, req.offer_id(), "DECLINED", reason, req.note(), std::nullopt);
    if (job->status == "OFFERED") tx.Exec(kJobStatus, job_id, "PENDING");
    tx.Exec(kInsertExclusion, job_id, courier_id, "DECLINED");
    tx.Exec(kCourierAnswered, courier_id);
    ev::Envelope env;
    auto* r = env.mutable_offer_resolved();
    r->set_offer_id(req.offer_id());
    r->set_job_id(job_id);
    r->set_order_id(job_id);
    r->set_courier_id(courier_id);
    r->set_outcome(ev::OFFER_OUTCOME_DECLINED);
    r->set_decline_reason(req.reason());
    Emit(tx, courier_id, job->correlation, std::move(env));
    *resp->mutable_courier() = *LoadCourier(tx, courier_id);
    return Outcome{};
  });
}

Outcome Store::ConfirmPickup(const IdemKey& key, const v1::ConfirmPickupRequest& req,
                             v1::ConfirmPickupResponse* resp) {
  return Idempotent(pool_, "confirm_pickup", key, resp, [&](pg::Transaction& tx, bool& persist) {
    const auto job = LockJob(tx, req.job_id());
    const auto courier = LockCourierBySubject(tx, key.subject);
    if (!job || !courier || job->courier_id != courier->id)
      return Refuse(Refusal::kNotFound, "job");
    if (job->status != "ASSIGNED" && job->status != "PICKING_UP") {
      return Refuse(Refusal::kInvalidTransition, "the job is " + job->status);
    }
    const pg::Result stop = tx.Exec(kLockStop, req.job_id(), req.ticket_id());
    if (stop.empty()) return Refuse(Refusal::kNotFound, "ticket");
    if (stop.Bool(0, 4)) return Refuse(Refusal::kInvalidTransition, "already picked up");
    if (stop.Int(0, 3) >= timers_.max_code_attempts) {
      return Refuse(Refusal::kTooManyAttempts, "too many wrong pickup codes for this ticket");
    }
    if (stop.Text(0, 2) != req.pickup_code()) {
      tx.Exec(kStopAttempt, req.job_id(), req.ticket_id());
      persist = true;
      return Refuse(Refusal::kWrongPickupCode, "the pickup code does not match");
    }
    const int64_t amount = stop.Int(0, 1);
    if (req.paid_to_trader_idr() != amount) {
      return Refuse(Refusal::kCashMismatch,
                    "paid_to_trader_idr must equal the ticket total " + std::to_string(amount));
    }
    if (courier->cash < amount) {
      return Refuse(Refusal::kInsufficientCash, "cash on hand is below the ticket total");
    }
    tx.Exec(kStopPicked, req.job_id(), req.ticket_id(), amount);
    const bool all = tx.Exec(kStopsLeft, req.job_id()).Int(0, 0) == 0;
    tx.Exec(kJobStatus, req.job_id(), all ? "DELIVERING" : "PICKING_UP");
    tx.Exec(kCourierPaid, courier->id, amount, all);
    ev::Envelope env;
    auto* p = env.mutable_pickup_confirmed();
    p->set_order_id(req.job_id());
    p->set_job_id(req.job_id());
    p->set_ticket_id(req.ticket_id());
    p->set_stall_id(stop.Str(0, 0));
    p->set_courier_id(courier->id);
    p->set_paid_to_trader_idr(amount);
    p->set_all_picked_up(all);
    Emit(tx, courier->id, job->correlation, std::move(env));
    *resp->mutable_job() = *LoadJob(tx, req.job_id());
    return Outcome{};
  });
}

Outcome Store::ConfirmDelivery(const IdemKey& key, const v1::ConfirmDeliveryRequest& req,
                               v1::ConfirmDeliveryResponse* resp) {
  return Idempotent(pool_, "confirm_delivery", key, resp, [&](pg::Transaction& tx, bool& persist) {
    const auto job = LockJob(tx, req.job_id());
    const auto courier = LockCourierBySubject(tx, key.subject);
    if (!job || !courier || job->courier_id != courier->id)
      return Refuse(Refusal::kNotFound, "job");
    if (job->status != "DELIVERING") {
      return Refuse(Refusal::kInvalidTransition, "the job is " + job->status);
    }
    if (job->pin_attempts >= timers_.max_code_attempts) {
      return Refuse(Refusal::kTooManyAttempts, "too many wrong delivery PINs for this job");
    }
    if (job->pin != req.delivery_pin()) {
      tx.Exec(kJobPinAttempt, req.job_id());
      persist = true;
      return Refuse(Refusal::kWrongDeliveryPin, "the delivery PIN does not match");
    }
    if (req.cash_collected_idr() != job->cash_to_collect) {
      return Refuse(Refusal::kCashMismatch, "cash_collected_idr must equal cash_to_collect_idr " +
                                                std::to_string(job->cash_to_collect));
    }
    tx.Exec(kJobFinish, req.job_id(), "DELIVERED");
    tx.Exec(kCourierDelivered, courier->id, req.cash_collected_idr());
    ev::Envelope env;
    auto* d = env.mutable_delivery_confirmed();
    d->set_order_id(req.job_id());
    d->set_job_id(req.job_id());
    d->set_courier_id(courier->id);
    d->set_cash_collected_idr(req.cash_collected_idr());
    d->set_courier_earning_idr(job->delivery_fee);
    Emit(tx, courier->id, job->correlation, std::move(env));
    *resp->mutable_job() = *LoadJob(tx, req.job_id());
    resp->set_earning_idr(job->delivery_fee);
    *resp->mutable_courier() = *LoadCourier(tx, courier->id);
    return Outcome{};
  });
}

Outcome Store::GetCurrentJob(const std::string& subject, v1::GetCurrentJobResponse* resp) {
  pg::Transaction tx(pool_, "get_current_job");
  const pg::Result r = tx.Exec(kCourierBySubject, subject);
  if (r.empty()) return Refuse(Refusal::kNotFound, "courier");
  *resp->mutable_courier() = ReadCourier(r, 0);
  if (!resp->courier().current_job_id().empty()) {
    if (auto job = LoadJob(tx, resp->courier().current_job_id())) {
      *resp->mutable_job() = std::move(*job);
    }
  }
  if (auto offer = LoadPendingOffer(tx, resp->courier().id())) {
    *resp->mutable_offer() = std::move(*offer);
  }
  tx.Commit();
  return Outcome{};
}

WatchSnapshot Store::ReadWatchSnapshot(const std::string& courier_id) {
  pg::Transaction tx(pool_, "watch_snapshot", pg::Transaction::Isolation::kRepeatableRead);
  WatchSnapshot snap;
  snap.courier_id = courier_id;
  const pg::Result latest = tx.Exec(kLatestAssignment, courier_id);
  if (!latest.empty()) {
    snap.latest_job = LoadJob(tx, latest.Str(0, 0));
    if (latest.Bool(0, 1)) snap.withdrawn = ParseWithdrawReason(latest.Text(0, 2));
  }
  snap.pending_offer = LoadPendingOffer(tx, courier_id);
  tx.Commit();
  return snap;
}

std::optional<std::pair<std::string, v1::WithdrawReason>> Store::OfferEnd(
    const std::string& offer_id) {
  const pg::Result r = pg::Exec(pool_, kOfferEnd, offer_id);
  if (r.empty()) return std::nullopt;
  return std::make_pair(r.Str(0, 0), ParseWithdrawReason(r.Text(0, 1)));
}

// ---- events consumed --------------------------------------------------------------------------

void Store::ApplyOrderConfirmed(pg::Transaction& tx, const ev::Envelope& env) {
  const ev::OrderConfirmed& oc = env.order_confirmed();
  if (!tx.Exec(kOrderCancelledBefore, oc.order_id()).empty()) return;
  const int64_t deadline_ms =
      oc.has_dispatch_deadline()
          ? google::protobuf::util::TimeUtil::TimestampToMilliseconds(oc.dispatch_deadline())
          : 0;
  const int64_t timeout_s = oc.dispatch_timeout_seconds() > 0 ? oc.dispatch_timeout_seconds() : 600;
  const std::string correlation =
      env.correlation_id().empty() ? oc.order_id() : env.correlation_id();
  const pg::Result inserted =
      tx.Exec(kInsertJob, oc.order_id(), oc.market_id(), oc.market_name(), oc.pickup().lat(),
              oc.pickup().lng(), oc.drop_off().lat(), oc.drop_off().lng(), oc.drop_off_address(),
              oc.drop_off_note(), oc.goods_total_idr(), oc.cash_to_collect_idr(),
              oc.delivery_fee_idr(), oc.service_fee_idr(), oc.distance_meters(), oc.delivery_pin(),
              correlation, deadline_ms, timeout_s);
  if (inserted.empty()) return;  // already known
  for (int i = 0; i < oc.tickets_size(); ++i) {
    const ev::ConfirmedTicket& t = oc.tickets(i);
    tx.Exec(kInsertStop, oc.order_id(), t.ticket_id(), i, t.stall_id(), t.stall_name(),
            t.total_idr(), t.pickup_code());
  }
}

namespace {

// A ticket of the job was picked up: the courier has paid traders and holds goods.
bool GoodsOnBoard(const LockedJob& job) {
  return job.status == "PICKING_UP" || job.status == "DELIVERING" || job.status == "DELIVERED";
}

}  // namespace

void Store::ApplyOrderCancelled(pg::Transaction& tx, const ev::Envelope& env) {
  const std::string& order_id = env.order_cancelled().order_id();
  tx.Exec(kRememberCancelled, order_id);
  const auto job = LockJob(tx, order_id);
  if (!job || job->status == "CANCELLED" || job->status == "FAILED") return;
  if (GoodsOnBoard(*job)) {
    // Once confirmed, the order service cancels only on dispatch's own answer (or failure), so
    // this cannot come from it; a courier holding goods is never cut loose without them.
    rpc::Log("error", "OrderCancelled for a job with goods on board; the job goes on",
             {{"correlation_id", job->correlation}, {"job_id", order_id}});
    return;
  }
  WithdrawPendingOffer(tx, order_id, job->correlation, v1::WITHDRAW_REASON_ORDER_CANCELLED);
  if (!job->courier_id.empty()) {
    ReleaseCourier(tx, order_id, job->courier_id, job->correlation,
                   v1::WITHDRAW_REASON_ORDER_CANCELLED, "order cancelled");
  }
  tx.Exec(kJobFinish, order_id, "CANCELLED");
}

void Store::ApplyCancellationRequested(pg::Transaction& tx, const ev::Envelope& env) {
  const ev::OrderCancellationRequested& req = env.order_cancellation_requested();
  const std::string& order_id = req.order_id();
  const auto job = LockJob(tx, order_id);
  ev::Envelope answer;
  auto* settled = answer.mutable_cancellation_settled();
  settled->set_order_id(order_id);
  settled->set_job_id(order_id);
  settled->set_cancellation_id(req.cancellation_id());
  std::string correlation = env.correlation_id().empty() ? order_id : env.correlation_id();
  if (job) correlation = job->correlation;
  if (job && GoodsOnBoard(*job)) {
    settled->set_accepted(false);
    settled->set_refusal(job->status == "DELIVERED" ? "DELIVERED" : "PICKED_UP");
    settled->set_courier_id(job->courier_id);
  } else {
    settled->set_accepted(true);
    tx.Exec(kRememberCancelled, order_id);  // a late OrderConfirmed makes no job
    if (job && job->status != "CANCELLED" && job->status != "FAILED") {
      WithdrawPendingOffer(tx, order_id, correlation, v1::WITHDRAW_REASON_ORDER_CANCELLED);
      if (!job->courier_id.empty()) {
        ReleaseCourier(tx, order_id, job->courier_id, correlation,
                       v1::WITHDRAW_REASON_ORDER_CANCELLED, "order cancelled");
        settled->set_courier_id(job->courier_id);
      }
      tx.Exec(kJobFinish, order_id, "CANCELLED");
    }
  }
  Emit(tx, order_id, correlation, std::move(answer));
}

// ---- matcher ----------------------------------------------------------------------------------

std::vector<std::string> Store::MarketsWithPendingJobs() {
  const pg::Result r = pg::Exec(pool_, kMarketsPending);
  std::vector<std::string> out;
  for (int i = 0; i < r.size(); ++i)
    out.push_back(r.Str(i, 0));
  return out;
}

std::vector<MatchJob> Store::PendingJobs(const std::string& market_id, int limit) {
  pg::Transaction tx(pool_, "pending_jobs");
  const pg::Result r = tx.Exec(kPendingJobs, market_id, limit);
  std::vector<MatchJob> jobs;
  std::vector<std::string> ids;
  for (int i = 0; i < r.size(); ++i) {
    MatchJob m;
    m.job.job_id = r.Str(i, 0);
    m.job.pickup = {r.Double(i, 1), r.Double(i, 2)};
    m.job.goods_total_idr = r.Int(i, 3);
    m.job.waiting_ms = r.Int(i, 4);
    m.created_at_ms = r.Int(i, 5);
    ids.push_back(m.job.job_id);
    jobs.push_back(std::move(m));
  }
  if (!ids.empty()) {
    absl::flat_hash_map<std::string_view, MatchJob*> by_id;
    for (MatchJob& m : jobs)
      by_id.emplace(m.job.job_id, &m);
    const pg::Result ex = tx.Exec(kExclusionsOf, ids);
    for (int i = 0; i < ex.size(); ++i) {
      const auto it = by_id.find(ex.Text(i, 0));
      if (it != by_id.end()) it->second->job.excluded.insert(ex.Str(i, 1));
    }
  }
  tx.Commit();
  return jobs;
}

absl::flat_hash_map<std::string, IdleCourier> Store::IdleCouriers(
    const std::vector<std::string>& ids) {
  absl::flat_hash_map<std::string, IdleCourier> out;
  if (ids.empty()) return out;
  const pg::Result r = pg::Exec(pool_, kIdleCouriers, ids);
  for (int i = 0; i < r.size(); ++i)
    out[r.Str(i, 0)] = IdleCourier{r.Int(i, 1), r.Int(i, 2)};
  return out;
}

Store::MatcherFence Store::ClaimMatcherFence(const std::string& market_id,
                                             const std::string& holder) {
  const pg::Result r = pg::Exec(pool_, kClaimFence, market_id, holder);
  return MatcherFence{market_id, holder, r.Int(0, 0)};
}

bool Store::MakeOffer(const MatcherFence& fence, const Proposal& p, bool* fenced) {
  if (fenced != nullptr) *fenced = false;
  const std::string& market_id = fence.market_id;
  const std::string& made_by = fence.holder;
  return pg::WithTransaction(pool_, "make_offer", [&](pg::Transaction& tx) {
    // Shared lock: a claim of the market by another instance waits for this offer, and every
    // offer after the claim sees the new token.
    if (tx.Exec(kCheckFence, market_id, fence.token).empty()) {
      if (fenced != nullptr) *fenced = true;
      return false;
    }
    const pg::Result job = tx.Exec(kLockPendingJob, p.job_id);
    if (job.empty()) return false;
    const pg::Result courier = tx.Exec(kLockIdleCourier, p.courier_id);
    if (courier.empty() || courier.Int(0, 0) < job.Int(0, 0)) return false;
    if (!tx.Exec(kExcluded, p.job_id, p.courier_id).empty()) return false;
    const pg::Result offer =
        tx.Exec(kInsertOffer, p.job_id, p.courier_id, market_id, std::llround(p.distance_m),
                p.eta_seconds, made_by, absl::ToDoubleSeconds(timers_.offer_ttl));
    tx.Exec(kJobOffered, p.job_id);
    tx.Exec(kCourierOffered, p.courier_id);
    ev::Envelope env;
    auto* m = env.mutable_offer_made();
    m->set_offer_id(offer.Str(0, 0));
    m->set_job_id(p.job_id);
    m->set_order_id(p.job_id);
    m->set_courier_id(p.courier_id);
    SetTs(m->mutable_expires_at(), offer.Int(0, 1));
    Emit(tx, p.courier_id, job.Str(0, 1), std::move(env));
    tx.Commit();
    return true;
  });
}

// ---- sweepers ---------------------------------------------------------------------------------

int Store::ExpireOffers(int limit) {
  return pg::WithTransaction(pool_, "expire_offers", [&](pg::Transaction& tx) {
    const pg::Result due = tx.Exec(kDueOffers, limit);
    int done = 0;
    for (int i = 0; i < due.size(); ++i) {
      const std::string offer_id = due.Str(i, 0);
      const std::string job_id = due.Str(i, 1);
      const std::string courier_id = due.Str(i, 2);
      // The offer is locked; take the job only if free (an AcceptOffer holding it goes first).
      const pg::Result job = tx.Exec(kTryLockJob, job_id);
      if (job.empty()) continue;
      tx.Exec(kLockCourier, courier_id);
      const pg::Result courier =
          tx.Exec(kCourierTimedOut, courier_id, timers_.max_consecutive_timeouts);
      const bool off_duty = !courier.empty() && courier.Text(0, 0) == "OFF_DUTY";
      tx.Exec(kResolveOffer, offer_id, "EXPIRED", std::nullopt, std::nullopt,
              WithdrawName(off_duty ? v1::WITHDRAW_REASON_COURIER_OFF_DUTY
                                    : v1::WITHDRAW_REASON_OFFER_EXPIRED));
      if (job.Text(0, 0) == "OFFERED") tx.Exec(kJobStatus, job_id, "PENDING");
      tx.Exec(kInsertExclusion, job_id, courier_id, "EXPIRED");
      ev::Envelope env;
      auto* r = env.mutable_offer_resolved();
      r->set_offer_id(offer_id);
      r->set_job_id(job_id);
      r->set_order_id(job_id);
      r->set_courier_id(courier_id);
      r->set_outcome(ev::OFFER_OUTCOME_EXPIRED);
      Emit(tx, courier_id, job.Str(0, 1), std::move(env));
      ++done;
    }
    tx.Commit();
    return done;
  });
}

int Store::FailOverdueJobs(int limit) {
  return pg::WithTransaction(pool_, "fail_overdue_jobs", [&](pg::Transaction& tx) {
    const pg::Result due = tx.Exec(kOverdueJobs, limit);
    for (int i = 0; i < due.size(); ++i) {
      const std::string job_id = due.Str(i, 0);
      const std::string correlation = due.Str(i, 1);
      WithdrawPendingOffer(tx, job_id, correlation, v1::WITHDRAW_REASON_DISPATCH_FAILED);
      tx.Exec(kJobFinish, job_id, "FAILED");
      ev::Envelope env;
      auto* f = env.mutable_dispatch_failed();
      f->set_order_id(job_id);
      f->set_job_id(job_id);
      f->set_reason(ev::DISPATCH_FAILURE_REASON_NO_COURIER);
      f->set_offers_made(static_cast<int32_t>(due.Int(i, 2)));
      Emit(tx, job_id, correlation, std::move(env));
    }
    tx.Commit();
    return due.size();
  });
}

int Store::ReleaseSilentCouriers(absl::Duration stale_after, int limit) {
  return pg::WithTransaction(pool_, "release_silent", [&](pg::Transaction& tx) {
    const pg::Result due = tx.Exec(kSilentAssignments, absl::ToDoubleSeconds(stale_after), limit);
    for (int i = 0; i < due.size(); ++i) {
      const std::string job_id = due.Str(i, 0);
      const std::string courier_id = due.Str(i, 1);
      ReleaseCourier(tx, job_id, courier_id, due.Str(i, 2), v1::WITHDRAW_REASON_COURIER_SILENT,
                     "no location fix before pickup");
      tx.Exec(kJobUnassign, job_id);
      tx.Exec(kInsertExclusion, job_id, courier_id, "SILENT");
    }
    tx.Commit();
    return due.size();
  });
}

// ---- locations --------------------------------------------------------------------------------

void Store::FlushFixes(const std::vector<std::pair<std::string, Fix>>& fixes) {
  if (fixes.empty()) return;
  std::vector<std::string> ids, lats, lngs;
  std::vector<int64_t> times;
  ids.reserve(fixes.size());
  for (const auto& [id, fix] : fixes) {
    ids.push_back(id);
    lats.push_back(pg::detail::DoubleText(fix.position.lat));
    lngs.push_back(pg::detail::DoubleText(fix.position.lng));
    times.push_back(fix.recorded_at_ms);
  }
  pg::WithTransaction(pool_, "flush_fixes", [&](pg::Transaction& tx) {
    tx.Exec(kFixesLock);
    tx.Exec(kUpsertFixes, ids, lats, lngs, times);
    tx.Commit();
  });
}

int64_t Store::ReadFixesSince(int64_t after_seq,
                              const std::function<void(const std::string&, const Fix&)>& f) {
  while (true) {
    const pg::Result r = pg::Exec(pool_, kFixesSince, after_seq);
    for (int i = 0; i < r.size(); ++i) {
      f(r.Str(i, 0), Fix{{r.Double(i, 1), r.Double(i, 2)}, r.Int(i, 3)});
      after_seq = std::max(after_seq, r.Int(i, 4));
    }
    if (r.size() < 5000) return after_seq;
  }
}

}  // namespace pasar::dispatch::store
