#include "store/locations.h"

#include <algorithm>

namespace pasar::dispatch::store {
namespace {

constexpr int kReadBatch = 5000;

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
enum FixCol : int { kCourier, kLat, kLng, kRecordedMs, kSeq };

}  // namespace

void FlushFixes(pg::Pool& pool, const std::vector<std::pair<std::string, Fix>>& fixes) {
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
  pg::WithTransaction(pool, "flush_fixes", [&](pg::Transaction& tx) {
    tx.Exec(kFixesLock);
    tx.Exec(kUpsertFixes, ids, lats, lngs, times);
    tx.Commit();
  });
}

int64_t ReadFixesSince(pg::Pool& pool, int64_t after_seq,
                       const std::function<void(const std::string&, const Fix&)>& f) {
  while (true) {
    const pg::Result r = pg::Exec(pool, kFixesSince, after_seq);
    for (int i = 0; i < r.size(); ++i) {
      f(r.Str(i, kCourier), Fix{{r.Double(i, kLat), r.Double(i, kLng)}, r.Int(i, kRecordedMs)});
      after_seq = std::max(after_seq, r.Int(i, kSeq));
    }
    if (r.size() < kReadBatch) return after_seq;
  }
}

}  // namespace pasar::dispatch::store
