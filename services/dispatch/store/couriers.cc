#include "store/couriers.h"

#include <algorithm>
#include <cmath>
#include <string_view>
#include <utility>

#include "pasar/geo/geo.h"
#include "store/contract.h"
#include "store/sql.h"

namespace pasar::dispatch::store {
namespace {

// ---- the lifecycle row ---------------------------------------------------------------------
// clang-format off
#define DSP_COURIER_ROW                                                                   \
  "c.id::text, c.state, c.cash_on_hand_idr, coalesce(c.current_job_id, ''), "             \
  "c.consecutive_timeouts, c.name, c.vehicle_plate, c.phone FROM couriers c "
// clang-format on
enum CourierRow : int { kId, kState, kCash, kCurrentJob, kTimeouts, kName, kPlate, kPhone };

constexpr pg::Query kLockCourier{"dsp_lock_courier",
                                 "SELECT " DSP_COURIER_ROW "WHERE c.id = $1 FOR UPDATE"};
constexpr pg::Query kLockCourierBySubject{
    "dsp_lock_courier_by_subject", "SELECT " DSP_COURIER_ROW "WHERE c.subject = $1 FOR UPDATE"};
constexpr pg::Query kTryLockIdleCourier{
    "dsp_try_lock_idle_courier",
    "SELECT " DSP_COURIER_ROW "WHERE c.id = $1 AND c.state = 'IDLE' FOR UPDATE SKIP LOCKED"};
#undef DSP_COURIER_ROW

// Clocks: 'restart' -> now(), 'stop' -> NULL, else kept. The shift clock also closes the open
// row of courier_shifts ('restart' or 'stop') and opens a new one ('restart'): the report's
// shift history.
constexpr pg::Query kSaveCourier{
    "dsp_save_courier",
    "WITH closed AS (UPDATE courier_shifts SET ended_at = now() WHERE courier_id = $1::uuid "
    "AND ended_at IS NULL AND $6::text IN ('restart', 'stop')), "
    "opened AS (INSERT INTO courier_shifts (courier_id, started_at, start_cash_idr) "
    "SELECT $1::uuid, now(), $3 WHERE $6::text = 'restart') "
    "UPDATE couriers SET state = $2, cash_on_hand_idr = $3, current_job_id = nullif($4::text, ''), "
    "consecutive_timeouts = $5, "
    "shift_started_at = CASE $6::text WHEN 'restart' THEN now() WHEN 'stop' THEN NULL "
    "ELSE shift_started_at END, "
    "idle_since = CASE $7::text WHEN 'restart' THEN now() WHEN 'stop' THEN NULL "
    "ELSE idle_since END, updated_at = now() WHERE id = $1::uuid"};
constexpr pg::Query kInsertCourier{
    "dsp_insert_courier",
    "INSERT INTO couriers (subject, name, phone, vehicle_plate, home_market_id) "
    "VALUES ($1, $2, $3, $4, $5) ON CONFLICT (subject) DO NOTHING RETURNING id::text"};

// ---- the contract's view -------------------------------------------------------------------
// clang-format off
#define DSP_COURIER_VIEW                                                                  \
  "c.id::text, c.subject, c.name, c.phone, c.vehicle_plate, c.home_market_id, c.state, "  \
  "c.cash_on_hand_idr, coalesce(c.current_job_id, ''), " DSP_MS("c.shift_started_at") ", " \
  DSP_MS("c.created_at") ", " DSP_MS("c.updated_at") ", l.lat, l.lng, l.recorded_at_ms "  \
  "FROM couriers c LEFT JOIN courier_locations l ON l.courier_id = c.id "
// clang-format on
namespace view {
enum Col : int {
  kId,
  kSubject,
  kName,
  kPhone,
  kPlate,
  kHomeMarket,
  kState,
  kCash,
  kCurrentJob,
  kShiftStartedMs,
  kCreatedMs,
  kUpdatedMs,
  kLat,
  kLng,
  kFixMs,
};
}  // namespace view

constexpr pg::Query kCourierById{"dsp_courier_by_id", "SELECT " DSP_COURIER_VIEW "WHERE c.id = $1"};
constexpr pg::Query kCourierBySubject{"dsp_courier_by_subject",
                                      "SELECT " DSP_COURIER_VIEW "WHERE c.subject = $1"};
constexpr pg::Query kListCouriers{
    "dsp_list_couriers",
    "SELECT " DSP_COURIER_VIEW
    "WHERE (cardinality($1::text[]) = 0 OR c.state = ANY($1::text[])) "
    "AND ($2 = '' OR c.home_market_id = $2) "
    // After the courier of the cursor (a name is set once, at CreateCourier).
    "AND ($4::uuid IS NULL OR (c.name, c.id) > (SELECT k.name, k.id FROM couriers k "
    "WHERE k.id = $4::uuid)) ORDER BY c.name, c.id LIMIT $3"};
constexpr pg::Query kCouriersInBox{
    "dsp_couriers_in_box", "SELECT " DSP_COURIER_VIEW
                           "WHERE (cardinality($1::text[]) = 0 OR c.state = ANY($1::text[])) "
                           "AND ($2 = '' OR c.home_market_id = $2) AND l.lat BETWEEN $3 AND $4 "
                           "AND l.lng BETWEEN $5 AND $6"};
#undef DSP_COURIER_VIEW

constexpr pg::Query kCourierIdBySubject{"dsp_courier_id_by_subject",
                                        "SELECT id::text FROM couriers WHERE subject = $1"};
constexpr pg::Query kIdleCouriers{
    "dsp_idle_couriers",
    "SELECT id::text, cash_on_hand_idr, "
    "coalesce((extract(epoch from now() - idle_since) * 1000)::bigint, 0) "
    "FROM couriers WHERE id = ANY($1::uuid[]) AND state = 'IDLE'"};
enum IdleCol : int { kIdleId, kIdleCash, kIdleMs };

std::optional<domain::Courier> CourierRow(const pg::Result& r) {
  if (r.empty()) return std::nullopt;
  domain::Courier c;
  c.id = r.Str(0, kId);
  c.state = domain::ParseCourierState(r.Text(0, kState)).value_or(domain::CourierState::kOffDuty);
  c.cash_on_hand_idr = r.Int(0, kCash);
  c.current_job_id = r.Str(0, kCurrentJob);
  c.consecutive_timeouts = static_cast<int>(r.Int(0, kTimeouts));
  c.name = r.Str(0, kName);
  c.vehicle_plate = r.Str(0, kPlate);
  c.phone = r.Str(0, kPhone);
  return c;
}

std::string_view ClockParam(domain::Clock clock) {
  switch (clock) {
    case domain::Clock::kRestart:
      return "restart";
    case domain::Clock::kStop:
      return "stop";
    case domain::Clock::kKeep:
      break;
  }
  return "keep";
}

v1::Courier CourierView(const pg::Result& r, int row) {
  v1::Courier c;
  c.set_id(r.Str(row, view::kId));
  c.set_subject(r.Str(row, view::kSubject));
  c.set_name(r.Str(row, view::kName));
  c.set_phone(r.Str(row, view::kPhone));
  c.set_vehicle_plate(r.Str(row, view::kPlate));
  c.set_home_market_id(r.Str(row, view::kHomeMarket));
  c.set_state(CourierStateOf(r.Text(row, view::kState)));
  c.set_cash_on_hand_idr(r.Int(row, view::kCash));
  c.set_current_job_id(r.Str(row, view::kCurrentJob));
  if (auto v = r.OptInt(row, view::kShiftStartedMs)) SetTs(c.mutable_shift_started_at(), *v);
  SetTs(c.mutable_created_at(), r.Int(row, view::kCreatedMs));
  SetTs(c.mutable_updated_at(), r.Int(row, view::kUpdatedMs));
  if (!r.IsNull(row, view::kLat)) {
    c.mutable_last_location()->set_lat(r.Double(row, view::kLat));
    c.mutable_last_location()->set_lng(r.Double(row, view::kLng));
    SetTs(c.mutable_last_fix_at(), r.Int(row, view::kFixMs));
  }
  return c;
}

std::vector<std::string> StateNames(const v1::ListCouriersRequest& request) {
  std::vector<std::string> names;
  for (int s : request.states()) {
    if (auto state = FromProto(static_cast<v1::CourierState>(s))) {
      names.emplace_back(domain::Name(*state));
    }
  }
  return names;
}

// Within `radius_meters` of `near`, keyed by what the page shows (whole meters, then id), so a
// cursor is exact.
CourierPage ListNear(pg::Transaction& tx, const v1::ListCouriersRequest& request,
                     const std::optional<CourierCursor>& after, int limit) {
  const geo::LatLng center{request.near().lat(), request.near().lng()};
  const auto radius = static_cast<double>(request.radius_meters());
  const geo::BoundingBox box = geo::BoxAround(center, radius);
  const pg::Result r = tx.Exec(kCouriersInBox, StateNames(request), request.home_market_id(),
                               box.min_lat, box.max_lat, box.min_lng, box.max_lng);
  std::vector<v1::Courier> near;
  for (int i = 0; i < r.size(); ++i) {
    v1::Courier c = CourierView(r, i);
    const double d =
        geo::DistanceMeters(center, {c.last_location().lat(), c.last_location().lng()});
    if (d > radius) continue;
    c.set_distance_meters(std::llround(d));
    near.push_back(std::move(c));
  }
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
  CourierPage page;
  for (; it != near.end() && static_cast<int>(page.couriers.size()) < limit; ++it)
    page.couriers.push_back(std::move(*it));
  if (it != near.end() && !page.couriers.empty()) {
    page.next = CourierCursor{page.couriers.back().distance_meters(), page.couriers.back().id()};
  }
  return page;
}

}  // namespace

std::optional<domain::Courier> LockCourier(pg::Transaction& tx, const std::string& id) {
  return CourierRow(tx.Exec(kLockCourier, id));
}

std::optional<domain::Courier> LockCourierBySubject(pg::Transaction& tx,
                                                    const std::string& subject) {
  return CourierRow(tx.Exec(kLockCourierBySubject, subject));
}

std::optional<domain::Courier> TryLockIdleCourier(pg::Transaction& tx, const std::string& id) {
  return CourierRow(tx.Exec(kTryLockIdleCourier, id));
}

void SaveCourier(pg::Transaction& tx, const domain::Courier& c) {
  if (!c.changed) return;
  tx.Exec(kSaveCourier, c.id, domain::Name(c.state), c.cash_on_hand_idr, c.current_job_id,
          c.consecutive_timeouts, ClockParam(c.shift_clock), ClockParam(c.idle_clock));
}

std::optional<std::string> InsertCourier(pg::Transaction& tx,
                                         const v1::CreateCourierRequest& request) {
  const pg::Result r = tx.Exec(kInsertCourier, request.subject(), request.name(), request.phone(),
                               request.vehicle_plate(), request.home_market_id());
  if (r.empty()) return std::nullopt;
  return r.Str(0, 0);
}

std::optional<v1::Courier> ReadCourier(pg::Transaction& tx, const std::string& id) {
  const pg::Result r = tx.Exec(kCourierById, id);
  if (r.empty()) return std::nullopt;
  return CourierView(r, 0);
}

std::optional<v1::Courier> ReadCourierBySubject(pg::Transaction& tx, const std::string& subject) {
  const pg::Result r = tx.Exec(kCourierBySubject, subject);
  if (r.empty()) return std::nullopt;
  return CourierView(r, 0);
}

std::optional<std::string> CourierIdBySubject(pg::Pool& pool, const std::string& subject) {
  const pg::Result r = pg::Exec(pool, kCourierIdBySubject, subject);
  if (r.empty()) return std::nullopt;
  return r.Str(0, 0);
}

CourierPage ListCouriers(pg::Transaction& tx, const v1::ListCouriersRequest& request,
                         const std::optional<CourierCursor>& after, int limit) {
  if (request.has_near()) return ListNear(tx, request, after, limit);
  const pg::Result r =
      tx.Exec(kListCouriers, StateNames(request), request.home_market_id(), limit + 1,
              after ? std::optional<std::string>(after->id) : std::nullopt);
  CourierPage page;
  const int rows = std::min(r.size(), limit);
  for (int i = 0; i < rows; ++i)
    page.couriers.push_back(CourierView(r, i));
  if (r.size() > limit) page.next = CourierCursor{0, page.couriers.back().id()};
  return page;
}

absl::flat_hash_map<std::string, IdleCourier> IdleCouriers(pg::Pool& pool,
                                                           const std::vector<std::string>& ids) {
  absl::flat_hash_map<std::string, IdleCourier> out;
  if (ids.empty()) return out;
  const pg::Result r = pg::Exec(pool, kIdleCouriers, ids);
  for (int i = 0; i < r.size(); ++i)
    out[r.Str(i, kIdleId)] = IdleCourier{r.Int(i, kIdleCash), r.Int(i, kIdleMs)};
  return out;
}

}  // namespace pasar::dispatch::store
