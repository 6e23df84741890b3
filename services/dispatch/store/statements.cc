#include "store/statements.h"

#include "store/sql.h"

namespace pasar::dispatch::store {
namespace {

constexpr pg::Query kMarkFailed{
    "dsp_mark_job_failed", "UPDATE jobs SET failed_at = now(), failure_fee_idr = $2 WHERE id = $1"};
constexpr pg::Query kDeclareCounted{
    "dsp_declare_counted_cash",
    "UPDATE courier_shifts SET counted_cash_idr = $2, counted_at = now() WHERE id = "
    "(SELECT id FROM courier_shifts WHERE courier_id = $1::uuid ORDER BY started_at DESC, id DESC "
    "LIMIT 1)"};
#define DSP_SHIFT_ROW \
  "SELECT id, " DSP_MS("started_at") " AS from_ms, " DSP_MS(                 \
      "coalesce(ended_at, now())") " AS until_ms, coalesce(start_cash_idr, 0) " \
                                   "AS start_cash_idr, counted_cash_idr FROM courier_shifts "
constexpr pg::Query kShiftById{"dsp_shift_by_id",
                               DSP_SHIFT_ROW "WHERE courier_id = $1::uuid AND id = $2"};
constexpr pg::Query kLatestShift{
    "dsp_latest_shift",
    DSP_SHIFT_ROW "WHERE courier_id = $1::uuid ORDER BY started_at DESC, id DESC LIMIT 1"};
constexpr pg::Query kShiftsOfDay{
    "dsp_shifts_of_day", DSP_SHIFT_ROW
    "WHERE courier_id = $1::uuid AND started_at >= to_timestamp($2 / 1000.0) "
    "AND started_at < to_timestamp($3 / 1000.0) ORDER BY started_at, id"};
#undef DSP_SHIFT_ROW

// Between $2 and $3 (unix ms), for courier $1.
constexpr pg::Query kPaid{
    "dsp_statement_paid",
    "SELECT coalesce(sum(s.paid_idr), 0)::bigint AS paid FROM job_stops s "
    "JOIN jobs j ON j.id = s.job_id WHERE j.courier_id = $1::uuid "
    "AND s.picked_up_at >= to_timestamp($2 / 1000.0) AND s.picked_up_at < to_timestamp($3 / "
    "1000.0)"};
constexpr pg::Query kDelivered{
    "dsp_statement_delivered",
    "SELECT count(*) AS deliveries, coalesce(sum(cash_to_collect_idr), 0)::bigint AS collected, "
    "coalesce(sum(delivery_fee_idr), 0)::bigint AS earnings, "
    "coalesce(sum(service_fee_idr), 0)::bigint AS service_fees, "
    "coalesce(sum(goods_total_idr + delivery_fee_idr + service_fee_idr - cash_to_collect_idr), "
    "0)::bigint AS benefits FROM jobs WHERE courier_id = $1::uuid AND status = 'DELIVERED' "
    "AND delivered_at >= to_timestamp($2 / 1000.0) AND delivered_at < to_timestamp($3 / 1000.0)"};
constexpr pg::Query kFailed{
    "dsp_statement_failed",
    "SELECT count(*) AS failed, coalesce(sum(failure_fee_idr), 0)::bigint AS fees, "
    "coalesce(sum(delivery_fee_idr - failure_fee_idr), 0)::bigint AS compensation FROM jobs "
    "WHERE courier_id = $1::uuid AND failed_at >= to_timestamp($2 / 1000.0) "
    "AND failed_at < to_timestamp($3 / 1000.0)"};
constexpr pg::Query kReturned{
    "dsp_statement_returned",
    "SELECT coalesce(sum(s.refunded_idr) FILTER (WHERE s.returned_to = 'STALL'), 0)::bigint "
    "AS refunded, coalesce(sum(s.amount_idr) FILTER (WHERE s.returned_to = 'MARKET_OFFICE'), "
    "0)::bigint AS at_office FROM job_stops s JOIN jobs j ON j.id = s.job_id "
    "WHERE j.courier_id = $1::uuid AND s.returned_at >= to_timestamp($2 / 1000.0) "
    "AND s.returned_at < to_timestamp($3 / 1000.0)"};

ShiftWindow WindowAt(const pg::Row& row) {
  return ShiftWindow{.shift_id = row.Int("id"),
                     .from_ms = row.Int("from_ms"),
                     .until_ms = row.Int("until_ms"),
                     .start_cash_idr = row.Int("start_cash_idr"),
                     .counted_cash_idr = row.OptInt("counted_cash_idr")};
}

}  // namespace

void MarkJobFailed(pg::Transaction& tx, const std::string& job_id, int64_t failure_fee_idr) {
  tx.Exec(kMarkFailed, job_id, failure_fee_idr);
}

void DeclareCountedCash(pg::Transaction& tx, const std::string& courier_id, int64_t counted_idr) {
  tx.Exec(kDeclareCounted, courier_id, counted_idr);
}

std::optional<ShiftWindow> FindShift(pg::Transaction& tx, const std::string& courier_id,
                                     int64_t shift_id) {
  const pg::Result r =
      shift_id == 0 ? tx.Exec(kLatestShift, courier_id) : tx.Exec(kShiftById, courier_id, shift_id);
  if (r.empty()) return std::nullopt;
  return WindowAt(r.row(0));
}

std::optional<ShiftWindow> DayWindow(pg::Transaction& tx, const std::string& courier_id,
                                     int64_t from_ms, int64_t until_ms) {
  const pg::Result r = tx.Exec(kShiftsOfDay, courier_id, from_ms, until_ms);
  if (r.empty()) return std::nullopt;
  ShiftWindow day = WindowAt(r.row(0));
  day.shift_id = 0;
  day.from_ms = from_ms;
  day.until_ms = until_ms;
  day.counted_cash_idr = WindowAt(r.row(r.size() - 1)).counted_cash_idr;
  return day;
}

void FillStatementFlows(pg::Transaction& tx, const std::string& courier_id, int64_t from_ms,
                        int64_t until_ms, v1::CourierStatement* out) {
  out->set_paid_to_traders_idr(tx.Exec(kPaid, courier_id, from_ms, until_ms).row(0).Int("paid"));
  const pg::Result d = tx.Exec(kDelivered, courier_id, from_ms, until_ms);
  out->set_deliveries(static_cast<int32_t>(d.row(0).Int("deliveries")));
  out->set_collected_from_customers_idr(d.row(0).Int("collected"));
  out->set_earnings_idr(d.row(0).Int("earnings"));
  out->set_service_fees_owed_idr(d.row(0).Int("service_fees"));
  out->set_owed_by_programmes_idr(d.row(0).Int("benefits"));
  const pg::Result f = tx.Exec(kFailed, courier_id, from_ms, until_ms);
  out->set_failed_deliveries(static_cast<int32_t>(f.row(0).Int("failed")));
  out->set_failure_fees_idr(f.row(0).Int("fees"));
  out->set_failure_compensation_idr(f.row(0).Int("compensation"));
  const pg::Result back = tx.Exec(kReturned, courier_id, from_ms, until_ms);
  out->set_refunded_by_traders_idr(back.row(0).Int("refunded"));
  out->set_goods_at_office_idr(back.row(0).Int("at_office"));
}

}  // namespace pasar::dispatch::store
