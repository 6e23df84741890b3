#include "store/report.h"

#include <utility>

#include "store/sql.h"

namespace pasar::dispatch::store {
namespace {

// $1 market ("" = every market), $2 and $3 the window in unix milliseconds.
#define DSP_FROM "to_timestamp($2::bigint / 1000.0)"
#define DSP_TO "to_timestamp($3::bigint / 1000.0)"

constexpr pg::Query kMarketKnown{"dsp_report_market_known",
                                 "SELECT EXISTS (SELECT 1 FROM jobs WHERE market_id = $1) "
                                 "OR EXISTS (SELECT 1 FROM couriers WHERE home_market_id = $1)"};

// A trip is an accepted offer, or the accepted offers of one bundle (one ride to the market).
constexpr pg::Query kTrips{
    "dsp_report_trips",
    "SELECT courier_id::text, max(distance_to_market_meters), count(*) FROM offers "
    "WHERE status = 'ACCEPTED' AND ($1 = '' OR market_id = $1) "
    "AND resolved_at >= " DSP_FROM " AND resolved_at < " DSP_TO
    " GROUP BY courier_id, coalesce(bundle_id, id::text)"};
enum TripCol : int { kTripCourier, kTripDistance, kTripOrders };

constexpr pg::Query kOffers{"dsp_report_offers",
                            "SELECT count(*), count(*) FILTER (WHERE status = 'DECLINED'), "
                            "count(*) FILTER (WHERE status = 'EXPIRED') FROM offers "
                            "WHERE ($1 = '' OR market_id = $1) AND created_at >= " DSP_FROM
                            " AND created_at < " DSP_TO};
enum OffersCol : int { kMade, kDeclined, kExpired };

constexpr pg::Query kFirstAssignments{
    "dsp_report_first_assignments",
    "SELECT latency_ms FROM assignments WHERE first AND ($1 = '' OR market_id = $1) "
    "AND assigned_at >= " DSP_FROM " AND assigned_at < " DSP_TO};

constexpr pg::Query kCouriers{
    "dsp_report_couriers", "SELECT id::text FROM couriers WHERE ($1 = '' OR home_market_id = $1)"};

// Shifts and holdings overlapping the window; an open one ends at the window's end.
constexpr pg::Query kShifts{
    "dsp_report_shifts",
    "SELECT s.courier_id::text, " DSP_MS("s.started_at") ", "
    "coalesce(" DSP_MS("s.ended_at") ", $3::bigint) FROM courier_shifts s "
    "JOIN couriers c ON c.id = s.courier_id WHERE ($1 = '' OR c.home_market_id = $1) "
    "AND s.started_at < " DSP_TO " AND (s.ended_at IS NULL OR s.ended_at > " DSP_FROM ")"};
// A courier holds a job from its assignment to its release, or to the job's delivery or end.
constexpr pg::Query kHoldings{
    "dsp_report_holdings",
    "SELECT a.courier_id::text, " DSP_MS("a.assigned_at") ", "
    "coalesce(" DSP_MS("coalesce(a.released_at, j.delivered_at, j.finished_at)") ", $3::bigint) "
    "FROM assignments a JOIN couriers c ON c.id = a.courier_id JOIN jobs j ON j.id = a.job_id "
    "WHERE ($1 = '' OR c.home_market_id = $1) AND a.assigned_at < " DSP_TO " "
    "AND coalesce(a.released_at, j.delivered_at, j.finished_at, 'infinity') > " DSP_FROM};
enum SpanCol : int { kSpanCourier, kSpanFrom, kSpanTo };

constexpr pg::Query kDeliveries{
    "dsp_report_deliveries",
    "SELECT courier_id::text, delivery_fee_idr FROM jobs WHERE status = 'DELIVERED' "
    "AND ($1 = '' OR market_id = $1) AND delivered_at >= " DSP_FROM " AND delivered_at < " DSP_TO};
enum DeliveryCol : int { kDeliveryCourier, kDeliveryFee };

#undef DSP_FROM
#undef DSP_TO

constexpr pg::Query kReadPolicy{
    "dsp_read_market_policy", "SELECT coalesce(policy, ''), coalesce(stacking_minutes, 0), " DSP_MS(
                                  "updated_at") " FROM market_dispatch WHERE market_id = $1"};
constexpr pg::Query kUpsertPolicy{
    "dsp_upsert_market_policy",
    "INSERT INTO market_dispatch (market_id, policy, stacking_minutes) "
    "VALUES ($1, nullif($2, ''), nullif($3::int, 0)) "
    "ON CONFLICT (market_id) DO UPDATE SET policy = EXCLUDED.policy, "
    "stacking_minutes = EXCLUDED.stacking_minutes, updated_at = now() "
    "RETURNING coalesce(policy, ''), coalesce(stacking_minutes, 0), " DSP_MS("updated_at")};
constexpr pg::Query kDeletePolicy{"dsp_delete_market_policy",
                                  "DELETE FROM market_dispatch WHERE market_id = $1"};
enum PolicyCol : int { kPolicy, kStacking, kUpdatedMs };

MarketPolicyRow PolicyRow(const pg::Result& r) {
  return MarketPolicyRow{r.Str(0, kPolicy), static_cast<int>(r.Int(0, kStacking)),
                         r.Int(0, kUpdatedMs)};
}

std::vector<domain::ReportInput::Span> Spans(const pg::Result& r) {
  std::vector<domain::ReportInput::Span> out;
  for (int i = 0; i < r.size(); ++i) {
    out.push_back(domain::ReportInput::Span{
        r.Str(i, kSpanCourier), domain::Interval{r.Int(i, kSpanFrom), r.Int(i, kSpanTo)}});
  }
  return out;
}

}  // namespace

bool MarketKnown(pg::Transaction& tx, const std::string& market_id) {
  return tx.Exec(kMarketKnown, market_id).Bool(0, 0);
}

domain::ReportInput ReadReportInput(pg::Transaction& tx, const std::string& market_id,
                                    int64_t from_ms, int64_t to_ms) {
  domain::ReportInput in;
  in.from_ms = from_ms;
  in.to_ms = to_ms;
  const pg::Result trips = tx.Exec(kTrips, market_id, from_ms, to_ms);
  for (int i = 0; i < trips.size(); ++i) {
    in.trips.push_back(domain::ReportInput::Trip{trips.Str(i, kTripCourier),
                                                 trips.Int(i, kTripDistance),
                                                 static_cast<int>(trips.Int(i, kTripOrders))});
  }
  const pg::Result offers = tx.Exec(kOffers, market_id, from_ms, to_ms);
  in.offers_made = offers.Int(0, kMade);
  in.offers_declined = offers.Int(0, kDeclined);
  in.offers_expired = offers.Int(0, kExpired);
  const pg::Result first = tx.Exec(kFirstAssignments, market_id, from_ms, to_ms);
  for (int i = 0; i < first.size(); ++i)
    in.first_assign_latency_ms.push_back(static_cast<double>(first.Int(i, 0)));
  const pg::Result couriers = tx.Exec(kCouriers, market_id);
  for (int i = 0; i < couriers.size(); ++i)
    in.couriers.push_back(couriers.Str(i, 0));
  in.shifts = Spans(tx.Exec(kShifts, market_id, from_ms, to_ms));
  in.holdings = Spans(tx.Exec(kHoldings, market_id, from_ms, to_ms));
  const pg::Result deliveries = tx.Exec(kDeliveries, market_id, from_ms, to_ms);
  for (int i = 0; i < deliveries.size(); ++i) {
    in.deliveries.push_back(domain::ReportInput::Delivery{deliveries.Str(i, kDeliveryCourier),
                                                          deliveries.Int(i, kDeliveryFee)});
  }
  return in;
}

std::optional<MarketPolicyRow> ReadMarketPolicy(pg::Transaction& tx, const std::string& market_id) {
  const pg::Result r = tx.Exec(kReadPolicy, market_id);
  if (r.size() == 0) return std::nullopt;
  return PolicyRow(r);
}

std::optional<MarketPolicyRow> ReadMarketPolicy(pg::Pool& pool, const std::string& market_id) {
  const pg::Result r = pg::Exec(pool, kReadPolicy, market_id);
  if (r.size() == 0) return std::nullopt;
  return PolicyRow(r);
}

std::optional<MarketPolicyRow> WriteMarketPolicy(pg::Transaction& tx, const std::string& market_id,
                                                 const std::string& policy, int stacking_minutes) {
  if (policy.empty() && stacking_minutes == 0) {
    tx.Exec(kDeletePolicy, market_id);
    return std::nullopt;
  }
  return PolicyRow(tx.Exec(kUpsertPolicy, market_id, policy, stacking_minutes));
}

}  // namespace pasar::dispatch::store
