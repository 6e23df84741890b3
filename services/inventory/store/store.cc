#include "store/store.h"

#include <algorithm>
#include <random>

#include <google/protobuf/util/time_util.h>

#include "absl/container/flat_hash_map.h"
#include "domain/refusal.h"
#include "domain/schedule.h"
#include "domain/validation.h"
#include "pasar/events/events.h"
#include "pasar/events/v1/events.pb.h"
#include "pasar/ids/ids.h"

namespace pasar::inventory {
namespace {

using google::protobuf::util::TimeUtil;
using pg::Query;

// ---- queries ----------------------------------------------------------------------------------
// Column lists shared by the queries that build one message; the *FromRow functions below read
// them by position.
#define PASAR_INV_MARKET_COLUMNS                                                                \
  "id::text, name, lat, lng, address, time_zone, opening_hours::text, fee_kind, flat_fee_idr, " \
  "per_km_idr, base_fee_idr, base_meters, road_factor_permille, service_fee_idr, "              \
  "max_delivery_distance_meters, weighed_tolerance_percent, trader_response_timeout_seconds, "  \
  "dispatch_timeout_seconds, (extract(epoch FROM created_at) * 1000000)::bigint, "              \
  "(extract(epoch FROM updated_at) * 1000000)::bigint, kecamatan, village, "                    \
  "auto_pause_after_expired_tickets"
#define PASAR_INV_STALL_COLUMNS                                                            \
  "id::text, market_id::text, trader_subject, name, category, open, preparation_minutes, " \
  "(extract(epoch FROM created_at) * 1000000)::bigint, "                                   \
  "(extract(epoch FROM updated_at) * 1000000)::bigint, pause, expired_in_a_row"
#define PASAR_INV_PRODUCT_COLUMNS                                                         \
  "id::text, stall_id::text, market_id::text, name, category, unit, price_idr, weighed, " \
  "active, stock, held, available, stall_name, "                                          \
  "(extract(epoch FROM created_at) * 1000000)::bigint, "                                  \
  "(extract(epoch FROM updated_at) * 1000000)::bigint, commodity, standard_unit_milli"
#define PASAR_INV_RESERVATION_COLUMNS                    \
  "id::text, order_id, market_id::text, state, "         \
  "(extract(epoch FROM expires_at) * 1000000)::bigint, " \
  "(extract(epoch FROM created_at) * 1000000)::bigint, " \
  "(extract(epoch FROM updated_at) * 1000000)::bigint, expires_at <= now()"

constexpr Query kClaimRequest{
    "inv_claim_request",
    "INSERT INTO idempotency (subject, rpc, request_id, request) VALUES ($1, $2, $3, $4) "
    "ON CONFLICT DO NOTHING"};
constexpr Query kGetRequest{"inv_get_request",
                            "SELECT request, response FROM idempotency WHERE subject = $1 AND rpc "
                            "= $2 AND request_id = $3"};
constexpr Query kStoreResponse{
    "inv_store_response",
    "UPDATE idempotency SET response = $4 WHERE subject = $1 AND rpc = $2 AND request_id = $3"};

constexpr Query kInsertMarket{
    "inv_insert_market",
    "INSERT INTO markets (name, lat, lng, address, time_zone, opening_hours, fee_kind, "
    "flat_fee_idr, per_km_idr, base_fee_idr, base_meters, road_factor_permille, service_fee_idr, "
    "max_delivery_distance_meters, weighed_tolerance_percent, trader_response_timeout_seconds, "
    "dispatch_timeout_seconds, kecamatan, village, auto_pause_after_expired_tickets) VALUES ($1, "
    "$2, $3, $4, $5, $6::integer[], $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, "
    "$20) RETURNING " PASAR_INV_MARKET_COLUMNS};
constexpr Query kUpdateMarket{
    "inv_update_market",
    "UPDATE markets SET name = $2, lat = $3, lng = $4, address = $5, time_zone = $6, "
    "opening_hours = $7::integer[], fee_kind = $8, flat_fee_idr = $9, per_km_idr = $10, "
    "base_fee_idr = $11, base_meters = $12, road_factor_permille = $13, service_fee_idr = $14, "
    "max_delivery_distance_meters = $15, weighed_tolerance_percent = $16, "
    "trader_response_timeout_seconds = $17, dispatch_timeout_seconds = $18, kecamatan = $19, "
    "village = $20, auto_pause_after_expired_tickets = $21, updated_at = now() "
    "WHERE id = $1 RETURNING " PASAR_INV_MARKET_COLUMNS};
constexpr Query kGetMarket{"inv_get_market",
                           "SELECT " PASAR_INV_MARKET_COLUMNS " FROM markets WHERE id = $1"};
constexpr Query kGetMarketForUpdate{"inv_get_market_for_update",
                                    "SELECT " PASAR_INV_MARKET_COLUMNS
                                    " FROM markets WHERE id = $1 FOR NO KEY UPDATE"};
constexpr Query kListMarkets{
    "inv_list_markets",
    "SELECT " PASAR_INV_MARKET_COLUMNS
    " FROM markets "
    "WHERE $1::text IS NULL OR (name, id) > ($1::text, $2::uuid) ORDER BY name, id LIMIT $3"};

constexpr Query kInsertStall{
    "inv_insert_stall",
    "INSERT INTO stalls (market_id, trader_subject, name, category, open, preparation_minutes) "
    "VALUES ($1, $2, $3, $4, $5, $6) RETURNING " PASAR_INV_STALL_COLUMNS};
constexpr Query kGetStall{"inv_get_stall",
                          "SELECT " PASAR_INV_STALL_COLUMNS " FROM stalls WHERE id = $1"};
constexpr Query kGetStallForUpdate{"inv_get_stall_for_update",
                                   "SELECT " PASAR_INV_STALL_COLUMNS
                                   " FROM stalls WHERE id = $1 FOR NO KEY UPDATE"};
constexpr Query kUpdateStall{
    "inv_update_stall",
    "UPDATE stalls SET open = $2, preparation_minutes = $3, name = $4, pause = $5, "
    "expired_in_a_row = $6, updated_at = now() WHERE id = $1 RETURNING " PASAR_INV_STALL_COLUMNS};
constexpr Query kListStalls{"inv_list_stalls",
                            "SELECT " PASAR_INV_STALL_COLUMNS
                            " FROM stalls WHERE market_id = $1 "
                            "AND ($2::text IS NULL OR (name, id) > ($2::text, $3::uuid)) "
                            "AND ($4::integer = 0 OR category = $4) AND (NOT $5::boolean OR open) "
                            "ORDER BY name, id LIMIT $6"};

constexpr Query kInsertProduct{
    "inv_insert_product",
    "INSERT INTO products (stall_id, market_id, name, category, unit, price_idr, weighed, "
    "active, stock, commodity, standard_unit_milli) VALUES ($1, $2, $3, $4, $5, $6, $7, true, $8, "
    "$9, $10) RETURNING id::text"};
constexpr Query kGetProduct{"inv_get_product",
                            "SELECT " PASAR_INV_PRODUCT_COLUMNS " FROM product_view WHERE id = $1"};
constexpr Query kLockProduct{"inv_lock_product",
                             "SELECT stock FROM products WHERE id = $1 FOR NO KEY UPDATE"};
constexpr Query kUpdateProduct{
    "inv_update_product",
    "UPDATE products SET name = $2, category = $3, unit = $4, price_idr = $5, weighed = $6, "
    "active = $7, commodity = $8, standard_unit_milli = $9, updated_at = now() WHERE id = $1"};
constexpr Query kAddStock{"inv_add_stock",
                          "UPDATE products SET stock = stock + $2, updated_at = now() "
                          "WHERE id = $1 AND stock + $2 BETWEEN 0 AND $3 RETURNING stock"};
constexpr Query kMoveStock{
    "inv_move_stock",
    "UPDATE products SET stock = stock + $2, held = held + $3, sold = sold + $4, "
    "updated_at = now() WHERE id = $1"};
// Listing and searching are two statements rather than one with optional filters: a prepared
// statement may run a generic plan, in which `$x IS NULL OR name ILIKE $x` can use no index, so
// a search would filter every product of the market. Both seek from the page cursor in the
// (market_id, name, id) index (the first page starts at ('', nil uuid), before every product:
// names are never empty); a search also intersects with the trigram index.
#define PASAR_INV_PRODUCT_FILTERS                                                         \
  "AND (name, id) > ($2::text, $3::uuid) "                                                \
  "AND ($4::uuid IS NULL OR stall_id = $4::uuid) AND ($5::integer = 0 OR category = $5) " \
  "AND (NOT $6::boolean OR available) "
constexpr Query kListProducts{"inv_list_products",
                              "SELECT " PASAR_INV_PRODUCT_COLUMNS
                              " FROM product_view WHERE market_id = $1 " PASAR_INV_PRODUCT_FILTERS
                              "ORDER BY name, id LIMIT $7"};
constexpr Query kSearchProducts{"inv_search_products",
                                "SELECT " PASAR_INV_PRODUCT_COLUMNS
                                " FROM product_view WHERE market_id = $1 " PASAR_INV_PRODUCT_FILTERS
                                "AND name ILIKE $8::text ORDER BY name, id LIMIT $7"};
#undef PASAR_INV_PRODUCT_FILTERS
constexpr Query kGetProducts{"inv_get_products", "SELECT " PASAR_INV_PRODUCT_COLUMNS
                                                 " FROM product_view WHERE id = ANY($1::uuid[])"};

constexpr Query kInsertLedger{
    "inv_insert_ledger",
    "INSERT INTO stock_ledger (product_id, reason, detail, actor, reservation_id, delta_stock, "
    "delta_held, delta_sold) VALUES ($1, $2, $3, $4, $5::uuid, $6, $7, $8)"};

// The products of a reservation request, locked in id order, with what ReserveStock snapshots.
constexpr Query kLockProductsForReserve{
    "inv_lock_products_for_reserve",
    "SELECT p.id::text, p.market_id::text, p.stall_id::text, p.name, p.unit, p.weighed, "
    "p.active, p.stock, p.price_idr, s.name, s.open, s.preparation_minutes "
    "FROM products p JOIN stalls s ON s.id = p.stall_id WHERE p.id = ANY($1::uuid[]) "
    "ORDER BY p.id FOR NO KEY UPDATE OF p"};
constexpr Query kLockProducts{
    "inv_lock_products",
    "SELECT id FROM products WHERE id = ANY($1::uuid[]) ORDER BY id FOR NO KEY UPDATE"};
// A whole reservation in one statement (one round trip while the products stay locked): the
// reservation, its lines, the products' counters and their ledger rows. Lines travel as arrays
// (in request order; $5 product ids, the deltas per product in $14..$16).
constexpr Query kInsertReservation{
    "inv_insert_reservation",
    "WITH r AS (INSERT INTO reservations (market_id, order_id, caller, state, expires_at) "
    "  VALUES ($1, $2, $3, 'HELD', now() + $4::bigint * interval '1 millisecond') RETURNING *), "
    "l AS (INSERT INTO reservation_lines (reservation_id, position, product_id, stall_id, "
    "  stall_name, name, unit, weighed, quantity, price_idr, preparation_minutes) "
    "  SELECT r.id, (u.n - 1)::integer, u.product_id, u.stall_id, u.stall_name, u.name, u.unit, "
    "    u.weighed <> 0, u.quantity, u.price, u.prep::integer "
    "  FROM r, unnest($5::uuid[], $6::uuid[], $7::text[], $8::text[], $9::text[], $10::bigint[], "
    "    $11::bigint[], $12::bigint[], $13::bigint[]) WITH ORDINALITY "
    "    AS u(product_id, stall_id, stall_name, name, unit, weighed, quantity, price, prep, n)), "
    "m AS (UPDATE products p SET stock = p.stock + u.ds, held = p.held + u.dh, "
    "  sold = p.sold + u.dsold, updated_at = now() "
    "  FROM unnest($5::uuid[], $14::bigint[], $15::bigint[], $16::bigint[]) AS u(id, ds, dh, "
    "dsold) "
    "  WHERE p.id = u.id), "
    "g AS (INSERT INTO stock_ledger (product_id, reason, detail, actor, reservation_id, "
    "  delta_stock, delta_held, delta_sold) "
    "  SELECT u.id, 'reservation', '', $3, r.id, u.ds, u.dh, u.dsold "
    "  FROM r, unnest($5::uuid[], $14::bigint[], $15::bigint[], $16::bigint[]) WITH ORDINALITY "
    "    AS u(id, ds, dh, dsold, n) ORDER BY u.n) "
    "SELECT " PASAR_INV_RESERVATION_COLUMNS " FROM r"};
constexpr Query kGetReservation{"inv_get_reservation", "SELECT " PASAR_INV_RESERVATION_COLUMNS
                                                       " FROM reservations WHERE id = $1"};
constexpr Query kGetReservationForUpdate{"inv_get_reservation_for_update",
                                         "SELECT " PASAR_INV_RESERVATION_COLUMNS
                                         " FROM reservations WHERE id = $1 FOR NO KEY UPDATE"};
constexpr Query kGetLines{
    "inv_get_lines",
    "SELECT product_id::text, stall_id::text, stall_name, name, unit, weighed, quantity, "
    "price_idr, committed_quantity, preparation_minutes FROM reservation_lines "
    "WHERE reservation_id = $1 ORDER BY position"};
constexpr Query kSetState{"inv_set_state",
                          "UPDATE reservations SET state = $2, updated_at = now() WHERE id = $1 "
                          "RETURNING (extract(epoch FROM updated_at) * 1000000)::bigint"};
constexpr Query kSetCommitted{"inv_set_committed",
                              "UPDATE reservation_lines SET committed_quantity = $3 "
                              "WHERE reservation_id = $1 AND product_id = $2"};
constexpr Query kClaimDue{
    "inv_claim_due",
    "SELECT id::text FROM reservations WHERE state = 'HELD' AND expires_at <= now() "
    "ORDER BY expires_at LIMIT 1 FOR NO KEY UPDATE SKIP LOCKED"};

constexpr Query kLedgerImbalances{
    "inv_ledger_imbalances",
    "WITH l AS (SELECT product_id, sum(delta_stock) AS s, sum(delta_held) AS h, "
    "  sum(delta_sold) AS so, sum(delta_stock) FILTER (WHERE reason = 'adjustment') AS adj "
    "  FROM stock_ledger GROUP BY product_id), "
    "r AS (SELECT rl.product_id, sum(rl.quantity) AS q FROM reservation_lines rl "
    "  JOIN reservations rv ON rv.id = rl.reservation_id WHERE rv.state = 'HELD' "
    "  GROUP BY rl.product_id) "
    "SELECT p.id::text, p.stock, p.held, p.sold, coalesce(l.s, 0)::bigint, "
    "  coalesce(l.h, 0)::bigint, coalesce(l.so, 0)::bigint, coalesce(l.adj, 0)::bigint, "
    "  coalesce(r.q, 0)::bigint "
    "FROM products p LEFT JOIN l ON l.product_id = p.id LEFT JOIN r ON r.product_id = p.id "
    "WHERE p.stock <> coalesce(l.s, 0) OR p.held <> coalesce(l.h, 0) "
    "  OR p.sold <> coalesce(l.so, 0) OR p.stock + p.held + p.sold <> coalesce(l.adj, 0) "
    "  OR p.held <> coalesce(r.q, 0) ORDER BY p.id"};

constexpr Query kPurgeIdempotency{
    "inv_purge_idempotency",
    "DELETE FROM idempotency WHERE ctid IN (SELECT ctid FROM idempotency "
    "WHERE created_at < now() - $1::bigint * interval '1 second' LIMIT $2)"};

#undef PASAR_INV_MARKET_COLUMNS
#undef PASAR_INV_STALL_COLUMNS
#undef PASAR_INV_PRODUCT_COLUMNS
#undef PASAR_INV_RESERVATION_COLUMNS

// ---- rows -> messages -------------------------------------------------------------------------

google::protobuf::Timestamp Micros(int64_t us) {
  return TimeUtil::MicrosecondsToTimestamp(us);
}

// "{1,0,600,2,0,600}" -> intervals.
std::vector<DayHours> ParseHours(std::string_view text) {
  std::vector<int> values;
  int current = 0;
  bool negative = false, in_number = false;
  for (char c : text) {
    if (c >= '0' && c <= '9') {
      current = current * 10 + (c - '0');
      in_number = true;
    } else if (c == '-') {
      negative = true;
    } else if (in_number) {
      values.push_back(negative ? -current : current);
      current = 0;
      negative = in_number = false;
    }
  }
  std::vector<DayHours> hours;
  for (size_t i = 0; i + 2 < values.size(); i += 3) {
    hours.push_back({values[i], values[i + 1], values[i + 2]});
  }
  return hours;
}

std::vector<DayHours> HoursOf(const pb::Market& m) {
  std::vector<DayHours> hours;
  for (const pb::OpeningInterval& iv : m.opening_hours().intervals()) {
    hours.push_back({static_cast<int>(iv.weekday()), iv.open_minute(), iv.close_minute()});
  }
  return hours;
}

std::vector<int64_t> FlatHours(const pb::Market& m) {
  std::vector<int64_t> flat;
  for (const DayHours& h : HoursOf(m)) {
    flat.insert(flat.end(), {h.weekday, h.open_minute, h.close_minute});
  }
  return flat;
}

bool OpenAt(const pb::Market& m, absl::Time t) {
  const std::optional<absl::TimeZone> zone = LoadZone(m.time_zone());
  return zone && IsOpen(HoursOf(m), *zone, t);
}

pb::Market MarketFromRow(const pg::Result& r, int i) {
  pb::Market m;
  m.set_id(r.Str(i, 0));
  m.set_name(r.Str(i, 1));
  m.mutable_location()->set_lat(r.Double(i, 2));
  m.mutable_location()->set_lng(r.Double(i, 3));
  m.set_address(r.Str(i, 4));
  m.set_time_zone(r.Str(i, 5));
  for (const DayHours& h : ParseHours(r.Text(i, 6))) {
    pb::OpeningInterval* iv = m.mutable_opening_hours()->add_intervals();
    iv->set_weekday(static_cast<pb::Weekday>(h.weekday));
    iv->set_open_minute(h.open_minute);
    iv->set_close_minute(h.close_minute);
  }
  pb::FeeScheme* fee = m.mutable_fee_scheme();
  fee->set_kind(static_cast<pb::FeeKind>(r.Int(i, 7)));
  fee->set_flat_fee_idr(r.Int(i, 8));
  fee->set_per_km_idr(r.Int(i, 9));
  fee->set_base_fee_idr(r.Int(i, 10));
  fee->set_base_meters(r.Int(i, 11));
  fee->set_road_factor_permille(static_cast<int32_t>(r.Int(i, 12)));
  m.set_service_fee_idr(r.Int(i, 13));
  m.set_max_delivery_distance_meters(r.Int(i, 14));
  m.set_weighed_tolerance_percent(static_cast<int32_t>(r.Int(i, 15)));
  m.set_trader_response_timeout_seconds(static_cast<int32_t>(r.Int(i, 16)));
  m.set_dispatch_timeout_seconds(static_cast<int32_t>(r.Int(i, 17)));
  *m.mutable_created_at() = Micros(r.Int(i, 18));
  *m.mutable_updated_at() = Micros(r.Int(i, 19));
  m.set_kecamatan(r.Str(i, 20));
  m.set_village(r.Str(i, 21));
  m.set_auto_pause_after_expired_tickets(static_cast<int32_t>(r.Int(i, 22)));
  m.set_open_now(OpenAt(m, absl::Now()));
  return m;
}

pb::Stall StallFromRow(const pg::Result& r, int i) {
  pb::Stall s;
  s.set_id(r.Str(i, 0));
  s.set_market_id(r.Str(i, 1));
  s.set_trader_subject(r.Str(i, 2));
  s.set_name(r.Str(i, 3));
  s.set_category(static_cast<pb::Category>(r.Int(i, 4)));
  s.set_open(r.Bool(i, 5));
  s.set_preparation_minutes(static_cast<int32_t>(r.Int(i, 6)));
  *s.mutable_created_at() = Micros(r.Int(i, 7));
  *s.mutable_updated_at() = Micros(r.Int(i, 8));
  s.set_pause(static_cast<pb::StallPause>(r.Int(i, 9)));
  s.set_expired_in_a_row(static_cast<int32_t>(r.Int(i, 10)));
  return s;
}

pb::Product ProductFromRow(const pg::Result& r, int i) {
  pb::Product p;
  p.set_id(r.Str(i, 0));
  p.set_stall_id(r.Str(i, 1));
  p.set_market_id(r.Str(i, 2));
  p.set_name(r.Str(i, 3));
  p.set_category(static_cast<pb::Category>(r.Int(i, 4)));
  p.set_unit(r.Str(i, 5));
  p.set_price_idr(r.Int(i, 6));
  p.set_weighed(r.Bool(i, 7));
  p.set_active(r.Bool(i, 8));
  p.set_stock(r.Int(i, 9));
  p.set_reserved(r.Int(i, 10));
  p.set_available(r.Bool(i, 11));
  p.set_stall_name(r.Str(i, 12));
  *p.mutable_created_at() = Micros(r.Int(i, 13));
  *p.mutable_updated_at() = Micros(r.Int(i, 14));
  p.set_commodity(static_cast<pasar::common::v1::Commodity>(r.Int(i, 15)));
  p.set_standard_unit_milli(static_cast<int32_t>(r.Int(i, 16)));
  return p;
}

pb::Reservation ReservationFromRow(const pg::Result& r, int i) {
  pb::Reservation v;
  v.set_reservation_id(r.Str(i, 0));
  v.set_order_id(r.Str(i, 1));
  v.set_market_id(r.Str(i, 2));
  const std::optional<ReservationState> state = ParseState(r.Text(i, 3));
  v.set_state(static_cast<pb::ReservationState>(static_cast<int>(*state) + 1));
  *v.mutable_expires_at() = Micros(r.Int(i, 4));
  *v.mutable_created_at() = Micros(r.Int(i, 5));
  *v.mutable_updated_at() = Micros(r.Int(i, 6));
  return v;
}

ReservationState StateOf(const pb::Reservation& v) {
  return static_cast<ReservationState>(static_cast<int>(v.state()) - 1);
}

void AddLines(pg::Transaction& tx, pb::Reservation& v) {
  const pg::Result lines = tx.Exec(kGetLines, v.reservation_id());
  for (int i = 0; i < lines.size(); ++i) {
    pb::ReservationLine* l = v.add_lines();
    l->set_product_id(lines.Str(i, 0));
    l->set_stall_id(lines.Str(i, 1));
    l->set_stall_name(lines.Str(i, 2));
    l->set_name(lines.Str(i, 3));
    l->set_unit(lines.Str(i, 4));
    l->set_weighed(lines.Bool(i, 5));
    l->set_quantity(lines.Int(i, 6));
    l->set_price_idr(lines.Int(i, 7));
    l->set_committed_quantity(lines.Int(i, 8));
    l->set_preparation_minutes(static_cast<int32_t>(lines.Int(i, 9)));
  }
}

// ---- events -----------------------------------------------------------------------------------

void AppendEvent(pg::Transaction& tx, const pb::Reservation& v, events::v1::Envelope envelope) {
  envelope.set_event_id(ids::RandomUuid());
  *envelope.mutable_occurred_at() = TimeUtil::GetCurrentTime();
  envelope.set_producer("inventory");
  envelope.set_aggregate_id(v.reservation_id());
  envelope.set_correlation_id(v.order_id());
  events::AppendToOutbox(tx, events::OutboxEvent{.event_id = envelope.event_id(),
                                                 .stream = std::string(kInventoryStream),
                                                 .type = envelope.type(),
                                                 .aggregate_id = v.reservation_id(),
                                                 .payload = envelope.SerializeAsString()});
}

// A catalogue event (MarketChanged, StallChanged, ProductChanged) about `aggregate_id`, in the
// transaction of the change: the reporting service learns markets, stalls and products from these.
void AppendCatalogEvent(pg::Transaction& tx, const std::string& aggregate_id,
                        events::v1::Envelope envelope) {
  envelope.set_event_id(ids::RandomUuid());
  *envelope.mutable_occurred_at() = TimeUtil::GetCurrentTime();
  envelope.set_producer("inventory");
  envelope.set_aggregate_id(aggregate_id);
  events::AppendToOutbox(tx, events::OutboxEvent{.event_id = envelope.event_id(),
                                                 .stream = std::string(kInventoryStream),
                                                 .type = envelope.type(),
                                                 .aggregate_id = aggregate_id,
                                                 .payload = envelope.SerializeAsString()});
}

pb::Market MarketChanged(pg::Transaction& tx, pb::Market m) {
  events::v1::Envelope envelope;
  envelope.set_type("MarketChanged");
  *envelope.mutable_market_changed()->mutable_market() = m;
  AppendCatalogEvent(tx, m.id(), std::move(envelope));
  return m;
}

pb::Stall StallChanged(pg::Transaction& tx, pb::Stall s) {
  events::v1::Envelope envelope;
  envelope.set_type("StallChanged");
  *envelope.mutable_stall_changed()->mutable_stall() = s;
  AppendCatalogEvent(tx, s.id(), std::move(envelope));
  return s;
}

pb::Product ProductChanged(pg::Transaction& tx, pb::Product p) {
  events::v1::Envelope envelope;
  envelope.set_type("ProductChanged");
  events::v1::ProductChanged* e = envelope.mutable_product_changed();
  e->set_product_id(p.id());
  e->set_stall_id(p.stall_id());
  e->set_market_id(p.market_id());
  e->set_name(p.name());
  e->set_unit(p.unit());
  e->set_price_idr(p.price_idr());
  e->set_commodity(p.commodity());
  e->set_standard_unit_milli(p.standard_unit_milli());
  e->set_active(p.active());
  e->set_weighed(p.weighed());
  AppendCatalogEvent(tx, p.id(), std::move(envelope));
  return p;
}

void Ledger(pg::Transaction& tx, std::string_view product_id, LedgerReason reason,
            std::string_view detail, std::string_view actor,
            const std::optional<std::string>& reservation_id, const StockDelta& d) {
  tx.Exec(kInsertLedger, product_id, ReasonName(reason), detail, actor, reservation_id, d.stock,
          d.held, d.sold);
}

void Move(pg::Transaction& tx, std::string_view product_id, const StockDelta& d) {
  tx.Exec(kMoveStock, product_id, d.stock, d.held, d.sold);
}

std::optional<std::string> Nullable(const std::string& s) {
  return s.empty() ? std::nullopt : std::optional<std::string>(s);
}

}  // namespace

// ---- idempotency --------------------------------------------------------------------------------

absl::StatusOr<std::string> Store::RunIdempotent(
    std::string_view subject, std::string_view rpc, std::string_view request_id,
    const std::string& request,
    const std::function<absl::StatusOr<std::string>(pg::Transaction&)>& work, bool* replayed) {
  return pg::WithTransaction(pool_, rpc, [&](pg::Transaction& tx) -> absl::StatusOr<std::string> {
    if (replayed != nullptr) *replayed = false;
    // Waits for a concurrent claim of the same key to finish; then either claims it or
    // sees the committed record.
    if (tx.Exec(kClaimRequest, subject, rpc, request_id, pg::Bytea{request}).affected() == 0) {
      const pg::Result stored = tx.Exec(kGetRequest, subject, rpc, request_id);
      if (stored.empty() || stored.IsNull(0, 1)) {
        return absl::AbortedError("concurrent request with the same request_id; retry");
      }
      if (stored.Bytes(0, 0) != request) {
        return Refused("IDEMPOTENCY_KEY_REUSED", "request_id " + std::string(request_id) +
                                                     " was already used for a different request");
      }
      if (replayed != nullptr) *replayed = true;
      return stored.Bytes(0, 1);
    }
    absl::StatusOr<std::string> response = work(tx);
    if (!response.ok()) return response;  // rolled back by the transaction's destructor
    tx.Exec(kStoreResponse, subject, rpc, request_id, pg::Bytea{*response});
    tx.Commit();
    return response;
  });
}

// ---- markets ------------------------------------------------------------------------------------

pb::Market Store::InsertMarket(pg::Transaction& tx, const pb::Market& m) {
  const pb::FeeScheme& f = m.fee_scheme();
  const pg::Result r =
      tx.Exec(kInsertMarket, m.name(), m.location().lat(), m.location().lng(), m.address(),
              m.time_zone(), FlatHours(m), static_cast<int32_t>(f.kind()), f.flat_fee_idr(),
              f.per_km_idr(), f.base_fee_idr(), f.base_meters(), f.road_factor_permille(),
              m.service_fee_idr(), m.max_delivery_distance_meters(), m.weighed_tolerance_percent(),
              m.trader_response_timeout_seconds(), m.dispatch_timeout_seconds(), m.kecamatan(),
              m.village(), m.auto_pause_after_expired_tickets());
  return MarketChanged(tx, MarketFromRow(r, 0));
}

absl::StatusOr<pb::Market> Store::SaveMarket(pg::Transaction& tx, const pb::Market& m) {
  const pb::FeeScheme& f = m.fee_scheme();
  const pg::Result r =
      tx.Exec(kUpdateMarket, m.id(), m.name(), m.location().lat(), m.location().lng(), m.address(),
              m.time_zone(), FlatHours(m), static_cast<int32_t>(f.kind()), f.flat_fee_idr(),
              f.per_km_idr(), f.base_fee_idr(), f.base_meters(), f.road_factor_permille(),
              m.service_fee_idr(), m.max_delivery_distance_meters(), m.weighed_tolerance_percent(),
              m.trader_response_timeout_seconds(), m.dispatch_timeout_seconds(), m.kecamatan(),
              m.village(), m.auto_pause_after_expired_tickets());
  if (r.empty()) return absl::NotFoundError("market not found");
  return MarketChanged(tx, MarketFromRow(r, 0));
}

std::optional<pb::Market> Store::GetMarket(std::string_view id) {
  const pg::Result r = pg::Exec(pool_, kGetMarket, id);
  if (r.empty()) return std::nullopt;
  return MarketFromRow(r, 0);
}

std::optional<pb::Market> Store::GetMarket(pg::Transaction& tx, std::string_view id) {
  const pg::Result r = tx.Exec(kGetMarket, id);
  if (r.empty()) return std::nullopt;
  return MarketFromRow(r, 0);
}

std::optional<pb::Market> Store::GetMarketForUpdate(pg::Transaction& tx, std::string_view id) {
  const pg::Result r = tx.Exec(kGetMarketForUpdate, id);
  if (r.empty()) return std::nullopt;
  return MarketFromRow(r, 0);
}

std::vector<pb::Market> Store::ListMarkets(const std::optional<PageCursor>& cursor, int limit) {
  const pg::Result r =
      pg::Exec(pool_, kListMarkets, cursor ? std::optional(cursor->name) : std::nullopt,
               cursor ? std::optional(cursor->id) : std::nullopt, limit);
  std::vector<pb::Market> out;
  for (int i = 0; i < r.size(); ++i)
    out.push_back(MarketFromRow(r, i));
  return out;
}

// ---- stalls -------------------------------------------------------------------------------------

pb::Stall Store::InsertStall(pg::Transaction& tx, const pb::Stall& s) {
  const pg::Result r =
      tx.Exec(kInsertStall, s.market_id(), s.trader_subject(), s.name(),
              static_cast<int32_t>(s.category()), s.open(), s.preparation_minutes());
  return StallChanged(tx, StallFromRow(r, 0));
}

std::optional<pb::Stall> Store::GetStall(std::string_view id) {
  const pg::Result r = pg::Exec(pool_, kGetStall, id);
  if (r.empty()) return std::nullopt;
  return StallFromRow(r, 0);
}

std::optional<pb::Stall> Store::GetStallForUpdate(pg::Transaction& tx, std::string_view id) {
  const pg::Result r = tx.Exec(kGetStallForUpdate, id);
  if (r.empty()) return std::nullopt;
  return StallFromRow(r, 0);
}

pb::Stall Store::SaveStall(pg::Transaction& tx, const pb::Stall& s) {
  return StallChanged(
      tx, StallFromRow(tx.Exec(kUpdateStall, s.id(), s.open(), s.preparation_minutes(), s.name(),
                               static_cast<int32_t>(s.pause()), s.expired_in_a_row()),
                       0));
}

std::vector<pb::Stall> Store::ListStalls(const StallFilter& f) {
  const pg::Result r = pg::Exec(
      pool_, kListStalls, f.market_id, f.cursor ? std::optional(f.cursor->name) : std::nullopt,
      f.cursor ? std::optional(f.cursor->id) : std::nullopt, f.category, f.only_open, f.limit);
  std::vector<pb::Stall> out;
  for (int i = 0; i < r.size(); ++i)
    out.push_back(StallFromRow(r, i));
  return out;
}

// ---- products -----------------------------------------------------------------------------------

pb::Product Store::InsertProduct(pg::Transaction& tx, const pb::Product& p,
                                 std::string_view actor) {
  const std::string id =
      tx.Exec(kInsertProduct, p.stall_id(), p.market_id(), p.name(),
              static_cast<int32_t>(p.category()), p.unit(), p.price_idr(), p.weighed(), p.stock(),
              static_cast<int32_t>(p.commodity()), p.standard_unit_milli())
          .Str(0, 0);
  // The initial stock is the first adjustment: the ledger then always sums to the counters.
  Ledger(tx, id, LedgerReason::kAdjustment, "initial stock", actor, std::nullopt,
         StockDelta{p.stock(), 0, 0});
  return ProductChanged(tx, ProductFromRow(tx.Exec(kGetProduct, id), 0));
}

std::optional<pb::Product> Store::GetProduct(std::string_view id) {
  const pg::Result r = pg::Exec(pool_, kGetProduct, id);
  if (r.empty()) return std::nullopt;
  return ProductFromRow(r, 0);
}

std::optional<pb::Product> Store::GetProductForUpdate(pg::Transaction& tx, std::string_view id) {
  if (tx.Exec(kLockProduct, id).empty()) return std::nullopt;
  return ProductFromRow(tx.Exec(kGetProduct, id), 0);
}

pb::Product Store::SaveProduct(pg::Transaction& tx, const pb::Product& p) {
  tx.Exec(kUpdateProduct, p.id(), p.name(), static_cast<int32_t>(p.category()), p.unit(),
          p.price_idr(), p.weighed(), p.active(), static_cast<int32_t>(p.commodity()),
          p.standard_unit_milli());
  return ProductChanged(tx, ProductFromRow(tx.Exec(kGetProduct, p.id()), 0));
}

absl::StatusOr<pb::Product> Store::AdjustStock(pg::Transaction& tx, std::string_view product_id,
                                               int64_t delta, std::string_view detail,
                                               std::string_view actor) {
  const pg::Result r = tx.Exec(kAddStock, product_id, delta, kMaxStock);
  if (r.empty()) {
    const pg::Result now = tx.Exec(kLockProduct, product_id);
    if (now.empty()) return absl::NotFoundError("product not found");
    const int64_t stock = now.Int(0, 0);
    if (delta > 0) {
      return absl::InvalidArgumentError("delta: the stock (" + std::to_string(stock) +
                                        ") would exceed " + std::to_string(kMaxStock));
    }
    return Refused("INSUFFICIENT_STOCK", std::string(product_id) + " (requested " +
                                             std::to_string(-delta) + ", available " +
                                             std::to_string(stock) + ")");
  }
  Ledger(tx, product_id, LedgerReason::kAdjustment, detail, actor, std::nullopt,
         StockDelta{delta, 0, 0});
  return ProductFromRow(tx.Exec(kGetProduct, product_id), 0);
}

absl::StatusOr<pb::Product> Store::SetStock(pg::Transaction& tx, std::string_view product_id,
                                            int64_t stock, std::string_view detail,
                                            std::string_view actor) {
  const pg::Result locked = tx.Exec(kLockProduct, product_id);
  if (locked.empty()) return absl::NotFoundError("product not found");
  const int64_t before = locked.Int(0, 0);
  if (stock != before) {
    tx.Exec(kAddStock, product_id, stock - before, kMaxStock);
    Ledger(tx, product_id, LedgerReason::kAdjustment, detail, actor, std::nullopt,
           StockDelta{stock - before, 0, 0});
  }
  return ProductFromRow(tx.Exec(kGetProduct, product_id), 0);
}

std::vector<pb::Product> Store::ListProducts(const ProductFilter& f) {
  constexpr std::string_view kBeforeFirstId = "00000000-0000-0000-0000-000000000000";
  const std::string after_name = f.cursor ? f.cursor->name : std::string();
  const std::string after_id = f.cursor ? f.cursor->id : std::string(kBeforeFirstId);
  const pg::Result r = f.query.empty()
                           ? pg::Exec(pool_, kListProducts, f.market_id, after_name, after_id,
                                      Nullable(f.stall_id), f.category, f.only_available, f.limit)
                           : pg::Exec(pool_, kSearchProducts, f.market_id, after_name, after_id,
                                      Nullable(f.stall_id), f.category, f.only_available, f.limit,
                                      ContainsPattern(f.query));
  std::vector<pb::Product> out;
  for (int i = 0; i < r.size(); ++i)
    out.push_back(ProductFromRow(r, i));
  return out;
}

std::vector<pb::Product> Store::GetProducts(const std::vector<std::string>& ids) {
  const pg::Result r = pg::Exec(pool_, kGetProducts, ids);
  std::vector<pb::Product> out;
  for (int i = 0; i < r.size(); ++i)
    out.push_back(ProductFromRow(r, i));
  return out;
}

// ---- reservations -------------------------------------------------------------------------------

absl::StatusOr<pb::Reservation> Store::Reserve(pg::Transaction& tx, const ReserveInput& in,
                                               absl::Time now) {
  const pg::Result market = tx.Exec(kGetMarket, in.market_id);
  if (market.empty()) return absl::NotFoundError("market not found");
  const bool open = OpenAt(MarketFromRow(market, 0), now);

  std::vector<std::string> ids;
  for (const RequestedLine& l : in.lines)
    ids.push_back(l.product_id);
  const pg::Result rows = tx.Exec(kLockProductsForReserve, ids);
  absl::flat_hash_map<std::string, int> row_of;
  for (int i = 0; i < rows.size(); ++i)
    row_of.emplace(rows.Str(i, 0), i);
  std::vector<std::optional<ProductFacts>> facts;
  for (const RequestedLine& l : in.lines) {
    auto it = row_of.find(l.product_id);
    if (it == row_of.end()) {
      facts.push_back(std::nullopt);
      continue;
    }
    const int i = it->second;
    facts.push_back(ProductFacts{rows.Str(i, 1), rows.Str(i, 2), rows.Bool(i, 6), rows.Bool(i, 10),
                                 rows.Int(i, 7)});
  }
  if (std::optional<Refusal> refusal = CheckReservable(in.market_id, open, in.lines, facts)) {
    return Refused(refusal->reason, refusal->message);
  }

  std::vector<std::string> product_ids, stall_ids, stall_names, names, units;
  std::vector<int64_t> weighed, quantities, prices, preparation, d_stock, d_held, d_sold;
  for (const RequestedLine& l : in.lines) {
    const int i = row_of.at(l.product_id);
    const StockDelta d = ReserveDelta(l.quantity);
    product_ids.push_back(rows.Str(i, 0));
    stall_ids.push_back(rows.Str(i, 2));
    stall_names.push_back(rows.Str(i, 9));
    names.push_back(rows.Str(i, 3));
    units.push_back(rows.Str(i, 4));
    weighed.push_back(rows.Bool(i, 5) ? 1 : 0);
    quantities.push_back(l.quantity);
    prices.push_back(rows.Int(i, 8));
    preparation.push_back(rows.Int(i, 11));
    d_stock.push_back(d.stock);
    d_held.push_back(d.held);
    d_sold.push_back(d.sold);
  }
  const pg::Result inserted =
      tx.Exec(kInsertReservation, in.market_id, in.order_id, in.actor,
              absl::ToInt64Milliseconds(in.ttl), product_ids, stall_ids, stall_names, names, units,
              weighed, quantities, prices, preparation, d_stock, d_held, d_sold);
  pb::Reservation v = ReservationFromRow(inserted, 0);
  // The lines as written (what AddLines would read back).
  for (size_t k = 0; k < product_ids.size(); ++k) {
    pb::ReservationLine* l = v.add_lines();
    l->set_product_id(product_ids[k]);
    l->set_stall_id(stall_ids[k]);
    l->set_stall_name(stall_names[k]);
    l->set_name(names[k]);
    l->set_unit(units[k]);
    l->set_weighed(weighed[k] != 0);
    l->set_quantity(quantities[k]);
    l->set_price_idr(prices[k]);
    l->set_committed_quantity(0);
    l->set_preparation_minutes(static_cast<int32_t>(preparation[k]));
  }
  return v;
}

std::optional<pb::Reservation> Store::LoadReservation(pg::Transaction& tx, std::string_view id,
                                                      bool for_update, bool* past_expiry) {
  const pg::Result r = tx.Exec(for_update ? kGetReservationForUpdate : kGetReservation, id);
  if (r.empty()) return std::nullopt;
  pb::Reservation v = ReservationFromRow(r, 0);
  if (past_expiry != nullptr) *past_expiry = r.Bool(0, 7);
  AddLines(tx, v);
  return v;
}

void Store::LockProducts(pg::Transaction& tx, const pb::Reservation& v) {
  std::vector<std::string> ids;
  for (const pb::ReservationLine& l : v.lines())
    ids.push_back(l.product_id());
  tx.Exec(kLockProducts, ids);
}

absl::StatusOr<pb::Reservation> Store::Commit(pg::Transaction& tx, std::string_view reservation_id,
                                              const std::vector<FinalQuantity>& finals,
                                              std::string_view field,
                                              std::string_view quantity_field,
                                              std::string_view actor) {
  bool past_expiry = false;
  std::optional<pb::Reservation> v = LoadReservation(tx, reservation_id, true, &past_expiry);
  if (!v) return absl::NotFoundError("reservation not found");
  std::vector<HeldLine> held;
  for (const pb::ReservationLine& l : v->lines())
    held.push_back({l.product_id(), l.quantity()});
  absl::StatusOr<std::vector<int64_t>> plan = PlanCommit(field, quantity_field, held, finals);
  if (!plan.ok()) return plan.status();
  bool same = true;
  for (int i = 0; i < v->lines_size(); ++i) {
    same = same && v->lines(i).committed_quantity() == (*plan)[i];
  }
  switch (DecideCommit(StateOf(*v), past_expiry, same)) {
    case Decision::kAlreadyDone:
      return *v;
    case Decision::kExpired:
      return Refused("RESERVATION_EXPIRED",
                     "reservation " + v->reservation_id() + " expired before it was committed");
    case Decision::kInvalidTransition:
      return Refused("INVALID_TRANSITION", "reservation " + v->reservation_id() + " is " +
                                               std::string(StateName(StateOf(*v))));
    case Decision::kApply:
      break;
  }
  LockProducts(tx, *v);
  events::v1::Envelope envelope;
  envelope.set_type("ReservationCommitted");
  events::v1::ReservationCommitted* event = envelope.mutable_reservation_committed();
  event->set_reservation_id(v->reservation_id());
  event->set_order_id(v->order_id());
  for (int i = 0; i < v->lines_size(); ++i) {
    pb::ReservationLine* l = v->mutable_lines(i);
    const StockDelta d = CommitDelta(l->quantity(), (*plan)[i]);
    Move(tx, l->product_id(), d);
    Ledger(tx, l->product_id(), LedgerReason::kCommit, "", actor, v->reservation_id(), d);
    tx.Exec(kSetCommitted, v->reservation_id(), l->product_id(), (*plan)[i]);
    l->set_committed_quantity((*plan)[i]);
    events::v1::CommittedLine* el = event->add_lines();
    el->set_product_id(l->product_id());
    el->set_reserved_quantity(l->quantity());
    el->set_committed_quantity((*plan)[i]);
  }
  const pg::Result updated =
      tx.Exec(kSetState, v->reservation_id(), StateName(ReservationState::kCommitted));
  v->set_state(pb::RESERVATION_STATE_COMMITTED);
  *v->mutable_updated_at() = Micros(updated.Int(0, 0));
  AppendEvent(tx, *v, std::move(envelope));
  return *v;
}

pb::Reservation Store::ReturnAll(pg::Transaction& tx, pb::Reservation v, LedgerReason reason,
                                 std::string_view detail, std::string_view actor) {
  LockProducts(tx, v);
  for (const pb::ReservationLine& l : v.lines()) {
    const StockDelta d = ReleaseDelta(l.quantity());
    Move(tx, l.product_id(), d);
    Ledger(tx, l.product_id(), reason, detail, actor, v.reservation_id(), d);
  }
  const bool expiry = reason == LedgerReason::kExpiry;
  const ReservationState state = expiry ? ReservationState::kExpired : ReservationState::kReleased;
  const pg::Result updated = tx.Exec(kSetState, v.reservation_id(), StateName(state));
  v.set_state(expiry ? pb::RESERVATION_STATE_EXPIRED : pb::RESERVATION_STATE_RELEASED);
  *v.mutable_updated_at() = Micros(updated.Int(0, 0));
  events::v1::Envelope envelope;
  if (expiry) {
    envelope.set_type("ReservationExpired");
    events::v1::ReservationExpired* e = envelope.mutable_reservation_expired();
    e->set_reservation_id(v.reservation_id());
    e->set_order_id(v.order_id());
    *e->mutable_expires_at() = v.expires_at();
  } else {
    envelope.set_type("ReservationReleased");
    events::v1::ReservationReleased* e = envelope.mutable_reservation_released();
    e->set_reservation_id(v.reservation_id());
    e->set_order_id(v.order_id());
    e->set_reason(std::string(detail));
  }
  AppendEvent(tx, v, std::move(envelope));
  return v;
}

absl::StatusOr<pb::Reservation> Store::Release(pg::Transaction& tx, std::string_view reservation_id,
                                               std::string_view reason, std::string_view actor) {
  std::optional<pb::Reservation> v = LoadReservation(tx, reservation_id, true, nullptr);
  if (!v) return absl::NotFoundError("reservation not found");
  switch (DecideRelease(StateOf(*v))) {
    case Decision::kAlreadyDone:
      return *v;
    case Decision::kApply:
      return ReturnAll(tx, std::move(*v), LedgerReason::kRelease, reason, actor);
    case Decision::kExpired:
    case Decision::kInvalidTransition:
      break;
  }
  return Refused("INVALID_TRANSITION", "reservation " + v->reservation_id() + " is " +
                                           std::string(StateName(StateOf(*v))));
}

std::optional<pb::Reservation> Store::GetReservation(std::string_view id) {
  pg::Transaction tx(pool_, "get_reservation");
  std::optional<pb::Reservation> v = LoadReservation(tx, id, false, nullptr);
  tx.Commit();
  return v;
}

int Store::SweepExpired(int limit) {
  int expired = 0;
  for (; expired < limit; ++expired) {
    const bool done = pg::WithTransaction(pool_, "sweep_reservations", [&](pg::Transaction& tx) {
      const pg::Result due = tx.Exec(kClaimDue);
      if (due.empty()) return false;
      std::optional<pb::Reservation> v = LoadReservation(tx, due.Str(0, 0), false, nullptr);
      ReturnAll(tx, std::move(*v), LedgerReason::kExpiry, "expired", "sweeper");
      tx.Commit();
      return true;
    });
    if (!done) break;
  }
  return expired;
}

std::vector<LedgerImbalance> Store::LedgerImbalances() {
  const pg::Result r = pg::Exec(pool_, kLedgerImbalances);
  std::vector<LedgerImbalance> out;
  for (int i = 0; i < r.size(); ++i) {
    out.push_back(LedgerImbalance{r.Str(i, 0), r.Int(i, 1), r.Int(i, 2), r.Int(i, 3), r.Int(i, 4),
                                  r.Int(i, 5), r.Int(i, 6), r.Int(i, 7), r.Int(i, 8)});
  }
  return out;
}

int64_t Store::PurgeIdempotency(absl::Duration retention, int limit) {
  return pg::Exec(pool_, kPurgeIdempotency, absl::ToInt64Seconds(retention), limit).affected();
}

}  // namespace pasar::inventory
