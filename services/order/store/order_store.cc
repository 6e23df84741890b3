#include "store/order_store.h"

#include <stdexcept>

#include "store/programme_store.h"

namespace pasar::order::store {
namespace {

using domain::Line;
using domain::Order;
using domain::Ticket;

// Timestamps travel as integer microseconds since the epoch (exact both ways).
int64_t Micros(absl::Time t) {
  return absl::ToUnixMicros(t);
}
std::optional<int64_t> Micros(const std::optional<absl::Time>& t) {
  if (!t) return std::nullopt;
  return absl::ToUnixMicros(*t);
}
absl::Time TimeAt(const pg::Row& r, std::string_view col) {
  return absl::FromUnixMicros(r.Int(col));
}
std::optional<absl::Time> OptTimeAt(const pg::Row& r, std::string_view col) {
  if (r.IsNull(col)) return std::nullopt;
  return absl::FromUnixMicros(r.Int(col));
}

template <class T>
T Parsed(std::optional<T> v, std::string_view what) {
  if (!v) throw std::runtime_error("unexpected " + std::string(what) + " in the orders schema");
  return *v;
}

constexpr pg::Query kFindPlacedRequest{
    "order_find_placed_request",
    "SELECT id::text, request_hash FROM orders WHERE customer_subject = $1 AND request_id = $2"};

constexpr pg::Query kNextPlaceAttempt{
    "order_next_place_attempt",
    "INSERT INTO place_attempts (order_id, attempts) VALUES ($1, 1) "
    "ON CONFLICT (order_id) DO UPDATE SET attempts = place_attempts.attempts + 1, "
    "  updated_at = now() "
    "RETURNING attempts - 1 AS attempt"};

// The order with its tickets and lines in one statement (tickets and lines travel as arrays).
constexpr pg::Query kInsertOrder{
    "order_insert",
    "WITH o AS (INSERT INTO orders (id, customer_subject, request_id, request_hash, market_id, "
    "  market_name, market_lat, market_lng, status, drop_off_lat, drop_off_lng, "
    "  drop_off_address, drop_off_note, goods_total_idr, delivery_fee_idr, service_fee_idr, "
    "  distance_meters, delivery_pin, reservation_id, weighed_tolerance_percent, "
    "  dispatch_timeout_seconds, version, created_at, updated_at) "
    "  VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, "
    "  $19, $20, $21, $22, to_timestamp($23::float8 / 1e6), to_timestamp($23::float8 / 1e6))), "
    "t AS (INSERT INTO tickets (id, order_id, position, stall_id, stall_name, market_id, status, "
    "  total_idr, pickup_code, decide_by, created_at, updated_at) "
    "  SELECT t.id, $1, t.position, t.stall_id, t.stall_name, $5, 'PENDING', t.total_idr, t.code, "
    "    to_timestamp(t.decide_by::float8 / 1e6), to_timestamp($23::float8 / 1e6), "
    "    to_timestamp($23::float8 / 1e6) "
    "  FROM unnest($24::uuid[], $25::int[], $26::uuid[], $27::text[], $28::bigint[], $29::text[], "
    "    $30::bigint[]) AS t(id, position, stall_id, stall_name, total_idr, code, decide_by)) "
    "INSERT INTO ticket_lines (ticket_id, product_id, position, name, unit, weighed, "
    "  ordered_quantity, price_idr, status, final_quantity, line_total_idr) "
    "SELECT l.ticket_id, l.product_id, l.position, l.name, l.unit, l.weighed <> 0, l.quantity, "
    "  l.price, 'PENDING', l.quantity, l.quantity * l.price "
    "FROM unnest($31::uuid[], $32::uuid[], $33::int[], $34::text[], $35::text[], $36::int[], "
    "  $37::bigint[], $38::bigint[]) AS l(ticket_id, product_id, position, name, unit, weighed, "
    "  quantity, price)"};

// The orders columns OrderFromRow reads (by name; times as microseconds since the epoch).
#define PASAR_ORDER_COLUMNS                                                                      \
  "id::text, customer_subject, market_id::text, market_name, market_lat, market_lng, status, "   \
  "cancel_reason, cancel_note, drop_off_lat, drop_off_lng, drop_off_address, drop_off_note, "    \
  "goods_total_idr, delivery_fee_idr, service_fee_idr, distance_meters, delivery_pin, "          \
  "reservation_id::text, weighed_tolerance_percent, dispatch_timeout_seconds, courier_id, "      \
  "courier_name, courier_plate, courier_phone, courier_eta_seconds, "                            \
  "(extract(epoch FROM courier_assigned_at) * 1e6)::bigint AS courier_assigned_us, version, "    \
  "(extract(epoch FROM created_at) * 1e6)::bigint AS created_us, "                               \
  "(extract(epoch FROM updated_at) * 1e6)::bigint AS updated_us, "                               \
  "(extract(epoch FROM confirmed_at) * 1e6)::bigint AS confirmed_us, "                           \
  "(extract(epoch FROM picked_up_at) * 1e6)::bigint AS picked_up_us, "                           \
  "(extract(epoch FROM delivered_at) * 1e6)::bigint AS delivered_us, "                           \
  "(extract(epoch FROM cancelled_at) * 1e6)::bigint AS cancelled_us, "                           \
  "cancellation_id::text, cancellation_state, cancellation_reason, cancellation_note, "          \
  "(extract(epoch FROM cancellation_requested_at) * 1e6)::bigint AS cancellation_requested_us, " \
  "(extract(epoch FROM cancellation_settled_at) * 1e6)::bigint AS cancellation_settled_us, "     \
  "cancellation_refusal, delivery_attempts, last_attempt_outcome, "                              \
  "(extract(epoch FROM delivery_failed_at) * 1e6)::bigint AS delivery_failed_us, "               \
  "courier_bundle_id, courier_bundle_position "

constexpr pg::Query kSelectOrder{"order_select",
                                 "SELECT " PASAR_ORDER_COLUMNS "FROM orders WHERE id = $1"};
constexpr pg::Query kSelectOrderForUpdate{"order_select_for_update",
                                          "SELECT " PASAR_ORDER_COLUMNS
                                          "FROM orders WHERE id = $1 FOR UPDATE"};
#undef PASAR_ORDER_COLUMNS

constexpr pg::Query kSelectTickets{
    "order_select_tickets",
    "SELECT id::text, position, stall_id::text, stall_name, status, total_idr, pickup_code, "
    "  (extract(epoch FROM decide_by) * 1e6)::bigint AS decide_by_us, reject_reason, "
    "  reject_note, paid_idr, version, (extract(epoch FROM created_at) * 1e6)::bigint AS "
    "created_us, "
    "  (extract(epoch FROM decided_at) * 1e6)::bigint AS decided_us, "
    "  (extract(epoch FROM ready_at) * 1e6)::bigint AS ready_us, "
    "  (extract(epoch FROM picked_up_at) * 1e6)::bigint AS picked_up_us "
    "FROM tickets WHERE order_id = $1 ORDER BY position"};

constexpr pg::Query kSelectLines{
    "order_select_lines",
    "SELECT l.ticket_id::text, l.product_id::text, l.name, l.unit, l.weighed, "
    "  l.ordered_quantity, l.price_idr, l.status, l.final_quantity, l.line_total_idr, "
    "  l.reject_reason "
    "FROM ticket_lines l JOIN tickets t ON t.id = l.ticket_id "
    "WHERE t.order_id = $1 ORDER BY t.position, l.position"};

constexpr pg::Query kSelectLedger{"order_select_ledger",
                                  "SELECT kind, party, party_id, amount_idr, description, "
                                  "  (extract(epoch FROM created_at) * 1e6)::bigint AS created_us "
                                  "FROM ledger_entries WHERE order_id = $1 ORDER BY id"};

constexpr pg::Query kUpdateOrder{
    "order_update",
    "UPDATE orders SET status = $2, cancel_reason = $3, cancel_note = $4, goods_total_idr = $5, "
    "  delivery_fee_idr = $6, service_fee_idr = $7, courier_id = $8, courier_name = $9, "
    "  courier_plate = $10, courier_phone = $11, courier_eta_seconds = $12, "
    "  courier_assigned_at = to_timestamp($13::float8 / 1e6), version = $14, "
    "  updated_at = to_timestamp($15::float8 / 1e6), "
    "  confirmed_at = to_timestamp($16::float8 / 1e6), "
    "  picked_up_at = to_timestamp($17::float8 / 1e6), "
    "  delivered_at = to_timestamp($18::float8 / 1e6), "
    "  cancelled_at = to_timestamp($19::float8 / 1e6), cancellation_id = $20::uuid, "
    "  cancellation_state = $21, cancellation_reason = $22, cancellation_note = $23, "
    "  cancellation_requested_at = to_timestamp($24::float8 / 1e6), "
    "  cancellation_settled_at = to_timestamp($25::float8 / 1e6), cancellation_refusal = $26, "
    "  delivery_attempts = $27, last_attempt_outcome = $28, "
    "  delivery_failed_at = to_timestamp($29::float8 / 1e6), courier_bundle_id = $30, "
    "  courier_bundle_position = $31 WHERE id = $1"};

// The other orders recorded with a courier's bundle (migrations/0008_stacked_trips.sql).
constexpr pg::Query kSelectTripMates{
    "order_select_trip_mates",
    "SELECT id::text, courier_bundle_position, coalesce(courier_id, '') AS courier_id, status "
    "FROM orders WHERE courier_bundle_id = $1 AND id <> $2::uuid "
    "ORDER BY courier_bundle_position, id"};

constexpr pg::Query kUpdateTicket{
    "order_update_ticket",
    "UPDATE tickets SET status = $2, total_idr = $3, reject_reason = $4, reject_note = $5, "
    "  paid_idr = $6, version = $7, updated_at = to_timestamp($8::float8 / 1e6), "
    "  decided_at = to_timestamp($9::float8 / 1e6), ready_at = to_timestamp($10::float8 / 1e6), "
    "  picked_up_at = to_timestamp($11::float8 / 1e6) "
    "WHERE id = $1"};

constexpr pg::Query kUpdateLine{
    "order_update_line",
    "UPDATE ticket_lines SET status = $3, final_quantity = $4, line_total_idr = $5, "
    "  reject_reason = $6 WHERE ticket_id = $1 AND product_id = $2"};

constexpr pg::Query kInsertPosting{
    "order_insert_posting",
    "INSERT INTO ledger_entries (order_id, kind, party, party_id, amount_idr, description, "
    "  created_at) VALUES ($1, $2, $3, $4, $5, $6, to_timestamp($7::float8 / 1e6))"};

constexpr pg::Query kFindTicket{"order_find_ticket",
                                "SELECT order_id::text, stall_id::text FROM tickets WHERE id = $1"};

constexpr pg::Query kClaimDue{
    "order_claim_due_ticket",
    "SELECT o.id::text FROM orders o JOIN tickets t ON t.order_id = o.id "
    "WHERE t.status = 'PENDING' AND t.decide_by <= to_timestamp($1::float8 / 1e6) "
    "  AND o.status = 'PLACED' "
    "ORDER BY t.decide_by LIMIT 1 FOR UPDATE OF o SKIP LOCKED"};

constexpr pg::Query kInsertSnapshot{
    "order_insert_snapshot",
    "INSERT INTO order_snapshots (order_id, version, status, snapshot) VALUES ($1, $2, $3, $4) "
    "ON CONFLICT DO NOTHING"};

constexpr pg::Query kSnapshotsAfter{
    "order_snapshots_after",
    "SELECT version, snapshot FROM order_snapshots WHERE order_id = $1 AND version > $2 "
    "ORDER BY version LIMIT $3"};

constexpr pg::Query kTicketsToWatch{"order_tickets_to_watch",
                                    "SELECT id::text, order_id::text, version, "
                                    "  (extract(epoch FROM created_at) * 1e6)::bigint AS "
                                    "created_us FROM tickets WHERE stall_id = ANY($1::uuid[]) "
                                    "  AND (status IN ('PENDING', 'ACCEPTED', 'READY') "
                                    "       OR updated_at >= to_timestamp($2::float8 / 1e6)) "
                                    "ORDER BY created_at, id LIMIT 1000"};

constexpr pg::Query kFindResponse{"order_find_response",
                                  "SELECT request_hash, response FROM idempotency "
                                  "WHERE subject = $1 AND rpc = $2 AND request_id = $3"};

constexpr pg::Query kStoreResponse{
    "order_store_response",
    "INSERT INTO idempotency (subject, rpc, request_id, request_hash, response) "
    "VALUES ($1, $2, $3, $4, $5)"};

// Housekeeping (service::Purger): at most $2 rows older than $1 seconds.
constexpr pg::Query kPurgeSnapshots{"order_purge_snapshots",
                                    "DELETE FROM order_snapshots WHERE ctid = ANY(ARRAY("
                                    "  SELECT ctid FROM order_snapshots WHERE created_at < now() - "
                                    "$1::bigint * interval '1 second' "
                                    "  LIMIT $2))"};
constexpr pg::Query kPurgeAttempts{
    "order_purge_place_attempts",
    "DELETE FROM place_attempts WHERE ctid = ANY(ARRAY("
    "  SELECT ctid FROM place_attempts WHERE updated_at < now() - $1::bigint * interval '1 second' "
    "  LIMIT $2))"};
constexpr pg::Query kPurgeResponses{
    "order_purge_responses",
    "DELETE FROM idempotency WHERE ctid = ANY(ARRAY("
    "  SELECT ctid FROM idempotency WHERE created_at < now() - $1::bigint * interval '1 second' "
    "  LIMIT $2))"};

// Pending compensations of ReserveStock calls whose outcome is unknown (0004_*.sql).
constexpr pg::Query kInsertCompensation{
    "order_insert_compensation",
    "INSERT INTO reservation_compensations (request_id, order_id, request) VALUES ($1, $2, $3) "
    "ON CONFLICT (request_id) DO NOTHING"};
constexpr pg::Query kClaimDueCompensation{
    "order_claim_due_compensation",
    "SELECT request_id, order_id::text, request, attempts, "
    "  (extract(epoch FROM created_at) * 1e6)::bigint AS created_us "
    "FROM reservation_compensations WHERE next_attempt_at <= to_timestamp($1::float8 / 1e6) "
    "ORDER BY next_attempt_at LIMIT 1 FOR UPDATE SKIP LOCKED"};
constexpr pg::Query kRescheduleCompensation{
    "order_reschedule_compensation",
    "UPDATE reservation_compensations SET attempts = attempts + 1, "
    "  next_attempt_at = to_timestamp($2::float8 / 1e6) WHERE request_id = $1"};
constexpr pg::Query kDeleteCompensation{
    "order_delete_compensation", "DELETE FROM reservation_compensations WHERE request_id = $1"};

domain::Courier CourierFromRow(const pg::Row& r) {
  domain::Courier c;
  c.id = r.Str("courier_id");
  c.name = r.OptStr("courier_name").value_or("");
  c.plate = r.OptStr("courier_plate").value_or("");
  c.phone = r.OptStr("courier_phone").value_or("");
  c.eta_seconds = static_cast<int32_t>(r.OptInt("courier_eta_seconds").value_or(0));
  c.assigned_at = OptTimeAt(r, "courier_assigned_us").value_or(absl::UnixEpoch());
  c.bundle_id = r.OptStr("courier_bundle_id").value_or("");
  c.bundle_position = static_cast<int>(r.OptInt("courier_bundle_position").value_or(0));
  return c;
}

domain::Cancellation CancellationFromRow(const pg::Row& r) {
  domain::Cancellation c;
  c.id = r.Str("cancellation_id");
  c.state =
      Parsed(domain::ParseCancellationState(r.Text("cancellation_state")), "cancellation state");
  c.reason =
      Parsed(domain::ParseCancelReason(r.Text("cancellation_reason")), "cancellation reason");
  c.note = r.OptStr("cancellation_note").value_or("");
  c.requested_at = TimeAt(r, "cancellation_requested_us");
  c.settled_at = OptTimeAt(r, "cancellation_settled_us");
  c.refusal = r.OptStr("cancellation_refusal").value_or("");
  return c;
}

Order OrderFromRow(const pg::Row& r) {
  Order o;
  o.id = r.Str("id");
  o.customer = r.Str("customer_subject");
  o.market_id = r.Str("market_id");
  o.market_name = r.Str("market_name");
  o.market_location = {r.Double("market_lat"), r.Double("market_lng")};
  o.status = Parsed(domain::ParseOrderState(r.Text("status")), "order status");
  if (!r.IsNull("cancel_reason")) {
    o.cancel_reason = Parsed(domain::ParseCancelReason(r.Text("cancel_reason")), "cancel reason");
  }
  o.cancel_note = r.Str("cancel_note");
  o.drop_off = {r.Double("drop_off_lat"), r.Double("drop_off_lng")};
  o.drop_off_address = r.Str("drop_off_address");
  o.drop_off_note = r.Str("drop_off_note");
  o.totals = {r.Int("goods_total_idr"), r.Int("delivery_fee_idr"), r.Int("service_fee_idr")};
  o.distance_meters = r.Int("distance_meters");
  o.delivery_pin = r.Str("delivery_pin");
  o.reservation_id = r.Str("reservation_id");
  o.weighed_tolerance_percent = static_cast<int32_t>(r.Int("weighed_tolerance_percent"));
  o.dispatch_timeout_seconds = static_cast<int32_t>(r.Int("dispatch_timeout_seconds"));
  if (!r.IsNull("courier_id")) o.courier = CourierFromRow(r);
  o.version = r.Int("version");
  o.created_at = TimeAt(r, "created_us");
  o.updated_at = TimeAt(r, "updated_us");
  o.confirmed_at = OptTimeAt(r, "confirmed_us");
  o.picked_up_at = OptTimeAt(r, "picked_up_us");
  o.delivered_at = OptTimeAt(r, "delivered_us");
  o.cancelled_at = OptTimeAt(r, "cancelled_us");
  if (!r.IsNull("cancellation_id")) o.cancellation = CancellationFromRow(r);
  o.delivery_attempts = static_cast<int32_t>(r.Int("delivery_attempts"));
  o.last_attempt_outcome = r.Str("last_attempt_outcome");
  o.delivery_failed_at = OptTimeAt(r, "delivery_failed_us");
  return o;
}

Ticket TicketFromRow(const pg::Row& r) {
  Ticket t;
  t.id = r.Str("id");
  t.position = static_cast<int>(r.Int("position"));
  t.stall_id = r.Str("stall_id");
  t.stall_name = r.Str("stall_name");
  t.status = Parsed(domain::ParseTicketState(r.Text("status")), "ticket status");
  t.total_idr = r.Int("total_idr");
  t.pickup_code = r.Str("pickup_code");
  t.decide_by = TimeAt(r, "decide_by_us");
  t.reject_reason = static_cast<int>(r.Int("reject_reason"));
  t.reject_note = r.Str("reject_note");
  t.paid_idr = r.OptInt("paid_idr");
  t.version = r.Int("version");
  t.created_at = TimeAt(r, "created_us");
  t.decided_at = OptTimeAt(r, "decided_us");
  t.ready_at = OptTimeAt(r, "ready_us");
  t.picked_up_at = OptTimeAt(r, "picked_up_us");
  return t;
}

Line LineFromRow(const pg::Row& r) {
  Line l;
  l.product_id = r.Str("product_id");
  l.name = r.Str("name");
  l.unit = r.Str("unit");
  l.weighed = r.Bool("weighed");
  l.ordered_quantity = r.Int("ordered_quantity");
  l.price_idr = r.Int("price_idr");
  l.status = Parsed(domain::ParseLineStatus(r.Text("status")), "line status");
  l.final_quantity = r.Int("final_quantity");
  l.line_total_idr = r.Int("line_total_idr");
  l.reject_reason = static_cast<int>(r.Int("reject_reason"));
  return l;
}

domain::Posting PostingFromRow(const pg::Row& r) {
  domain::Posting p;
  p.kind = Parsed(domain::ParseEntryKind(r.Text("kind")), "ledger kind");
  p.party = Parsed(domain::ParseParty(r.Text("party")), "ledger party");
  p.party_id = r.Str("party_id");
  p.amount_idr = r.Int("amount_idr");
  p.description = r.Str("description");
  p.created_at = TimeAt(r, "created_us");
  return p;
}

}  // namespace

std::optional<PlacedRequest> FindPlacedRequest(pg::Transaction& tx, const std::string& customer,
                                               const std::string& request_id) {
  const pg::Result r = tx.Exec(kFindPlacedRequest, customer, request_id);
  if (r.empty()) return std::nullopt;
  return PlacedRequest{r.row(0).Str("id"), r.row(0).Str("request_hash")};
}

int NextPlaceAttempt(pg::Transaction& tx, const std::string& order_id) {
  return static_cast<int>(tx.Exec(kNextPlaceAttempt, order_id).row(0).Int("attempt"));
}

void InsertOrder(pg::Transaction& tx, const Order& o, const std::string& request_id,
                 const std::string& request_hash) {
  std::vector<std::string> ids, stall_ids, stall_names, codes;
  std::vector<int64_t> positions, totals, deadlines;
  std::vector<std::string> l_ticket, l_product, l_name, l_unit;
  std::vector<int64_t> l_position, l_weighed, l_quantity, l_price;
  for (const Ticket& t : o.tickets) {
    ids.push_back(t.id);
    positions.push_back(t.position);
    stall_ids.push_back(t.stall_id);
    stall_names.push_back(t.stall_name);
    totals.push_back(t.total_idr);
    codes.push_back(t.pickup_code);
    deadlines.push_back(Micros(t.decide_by));
    for (size_t i = 0; i < t.lines.size(); ++i) {
      const Line& l = t.lines[i];
      l_ticket.push_back(t.id);
      l_product.push_back(l.product_id);
      l_position.push_back(static_cast<int64_t>(i));
      l_name.push_back(l.name);
      l_unit.push_back(l.unit);
      l_weighed.push_back(l.weighed ? 1 : 0);
      l_quantity.push_back(l.ordered_quantity);
      l_price.push_back(l.price_idr);
    }
  }
  tx.Exec(kInsertOrder, o.id, o.customer, request_id, request_hash, o.market_id, o.market_name,
          o.market_location.lat, o.market_location.lng, domain::Name(o.status), o.drop_off.lat,
          o.drop_off.lng, o.drop_off_address, o.drop_off_note, o.totals.goods_total_idr,
          o.totals.delivery_fee_idr, o.totals.service_fee_idr, o.distance_meters, o.delivery_pin,
          o.reservation_id, o.weighed_tolerance_percent, o.dispatch_timeout_seconds, o.version,
          Micros(o.created_at), ids, positions, stall_ids, stall_names, totals, codes, deadlines,
          l_ticket, l_product, l_position, l_name, l_unit, l_weighed, l_quantity, l_price);
}

std::optional<Order> LoadOrder(pg::Transaction& tx, const std::string& order_id, bool lock) {
  const pg::Result r = tx.Exec(lock ? kSelectOrderForUpdate : kSelectOrder, order_id);
  if (r.empty()) return std::nullopt;
  Order o = OrderFromRow(r.row(0));
  const pg::Result tickets = tx.Exec(kSelectTickets, order_id);
  for (int i = 0; i < tickets.size(); ++i)
    o.tickets.push_back(TicketFromRow(tickets.row(i)));
  const pg::Result lines = tx.Exec(kSelectLines, order_id);
  for (int i = 0; i < lines.size(); ++i) {
    Ticket* t = o.FindTicket(lines.row(i).Text("ticket_id"));
    if (t != nullptr) t->lines.push_back(LineFromRow(lines.row(i)));
  }
  const pg::Result ledger = tx.Exec(kSelectLedger, order_id);
  for (int i = 0; i < ledger.size(); ++i)
    o.ledger.push_back(PostingFromRow(ledger.row(i)));
  o.benefit = LoadBenefit(tx, order_id);
  if (o.courier && !o.courier->bundle_id.empty()) {
    for (TripMate& m : TripMates(tx, o.courier->bundle_id, o.id))
      o.trip_mates.push_back(std::move(m.stop));
  }
  return o;
}

std::vector<TripMate> TripMates(pg::Transaction& tx, const std::string& bundle_id,
                                const std::string& order_id) {
  std::vector<TripMate> out;
  const pg::Result r = tx.Exec(kSelectTripMates, bundle_id, order_id);
  for (int i = 0; i < r.size(); ++i) {
    const pg::Row row = r.row(i);
    out.push_back(
        {row.Str("id"),
         {.bundle_id = bundle_id,
          .position = static_cast<int>(row.Int("courier_bundle_position")),
          .courier_id = row.Str("courier_id"),
          .status = Parsed(domain::ParseOrderState(row.Text("status")), "order status")}});
  }
  return out;
}

void SaveOrder(pg::Transaction& tx, Order& o) {
  ++o.version;
  std::optional<std::string> reason;
  if (o.cancel_reason) reason = std::string(domain::Name(*o.cancel_reason));
  std::optional<std::string> cid, cname, cplate, cphone, cbundle;
  std::optional<int64_t> ceta, cat, cpos;
  if (o.courier) {
    cid = o.courier->id;
    cname = o.courier->name;
    cplate = o.courier->plate;
    cphone = o.courier->phone;
    ceta = o.courier->eta_seconds;
    cat = Micros(o.courier->assigned_at);
    if (!o.courier->bundle_id.empty()) {
      cbundle = o.courier->bundle_id;
      cpos = o.courier->bundle_position;
    }
  }
  std::optional<std::string> cancel_id, cancel_state, cancel_reason, cancel_note, refusal;
  std::optional<int64_t> requested_at, settled_at;
  if (const auto& c = o.cancellation) {
    cancel_id = c->id;
    cancel_state = std::string(domain::Name(c->state));
    cancel_reason = std::string(domain::Name(c->reason));
    cancel_note = c->note;
    requested_at = Micros(c->requested_at);
    settled_at = Micros(c->settled_at);
    refusal = c->refusal;
  }
  tx.Exec(kUpdateOrder, o.id, domain::Name(o.status), reason, o.cancel_note,
          o.totals.goods_total_idr, o.totals.delivery_fee_idr, o.totals.service_fee_idr, cid, cname,
          cplate, cphone, ceta, cat, o.version, Micros(o.updated_at), Micros(o.confirmed_at),
          Micros(o.picked_up_at), Micros(o.delivered_at), Micros(o.cancelled_at), cancel_id,
          cancel_state, cancel_reason, cancel_note, requested_at, settled_at, refusal,
          o.delivery_attempts, o.last_attempt_outcome, Micros(o.delivery_failed_at), cbundle, cpos);
  for (Ticket& t : o.tickets) {
    if (!t.dirty && !t.lines_dirty) continue;
    ++t.version;
    tx.Exec(kUpdateTicket, t.id, domain::Name(t.status), t.total_idr, t.reject_reason,
            t.reject_note, t.paid_idr, t.version, Micros(o.updated_at), Micros(t.decided_at),
            Micros(t.ready_at), Micros(t.picked_up_at));
    if (t.lines_dirty) {
      for (const Line& l : t.lines) {
        tx.Exec(kUpdateLine, t.id, l.product_id, domain::Name(l.status), l.final_quantity,
                l.line_total_idr, l.reject_reason);
      }
    }
    t.dirty = false;
    t.lines_dirty = false;
  }
  for (domain::Posting& p : o.new_postings) {
    p.created_at = o.updated_at;
    tx.Exec(kInsertPosting, o.id, domain::Name(p.kind), domain::Name(p.party), p.party_id,
            p.amount_idr, p.description, Micros(p.created_at));
    o.ledger.push_back(p);
  }
  o.new_postings.clear();
}

std::optional<TicketRef> FindTicket(pg::Transaction& tx, const std::string& ticket_id) {
  const pg::Result r = tx.Exec(kFindTicket, ticket_id);
  if (r.empty()) return std::nullopt;
  return TicketRef{r.row(0).Str("order_id"), r.row(0).Str("stall_id")};
}

std::optional<std::string> ClaimOrderWithDueTicket(pg::Transaction& tx, absl::Time now) {
  const pg::Result r = tx.Exec(kClaimDue, Micros(now));
  if (r.empty()) return std::nullopt;
  return r.row(0).Str("id");
}

void InsertSnapshot(pg::Transaction& tx, const std::string& order_id, int64_t version,
                    std::string_view status, const std::string& snapshot) {
  tx.Exec(kInsertSnapshot, order_id, version, status, pg::Bytea{snapshot});
}

std::vector<Snapshot> SnapshotsAfter(pg::Pool& pool, const std::string& order_id, int64_t after,
                                     int limit) {
  const pg::Result r = pg::Exec(pool, kSnapshotsAfter, order_id, after, limit);
  std::vector<Snapshot> out;
  for (int i = 0; i < r.size(); ++i)
    out.push_back({r.row(i).Int("version"), r.row(i).Bytes("snapshot")});
  return out;
}

std::vector<TicketVersion> TicketsToWatch(pg::Pool& pool, const std::vector<std::string>& stalls,
                                          absl::Time since) {
  const pg::Result r = pg::Exec(pool, kTicketsToWatch, stalls, Micros(since));
  std::vector<TicketVersion> out;
  for (int i = 0; i < r.size(); ++i) {
    const pg::Row row = r.row(i);
    out.push_back({row.Str("id"), row.Str("order_id"), row.Int("version"), row.Int("created_us")});
  }
  return out;
}

std::optional<StoredResponse> FindResponse(pg::Transaction& tx, const std::string& subject,
                                           std::string_view rpc, const std::string& request_id) {
  const pg::Result r = tx.Exec(kFindResponse, subject, rpc, request_id);
  if (r.empty()) return std::nullopt;
  return StoredResponse{r.row(0).Str("request_hash"), r.row(0).Bytes("response")};
}

void StoreResponse(pg::Transaction& tx, const std::string& subject, std::string_view rpc,
                   const std::string& request_id, const std::string& request_hash,
                   const std::string& response) {
  tx.Exec(kStoreResponse, subject, rpc, request_id, request_hash, pg::Bytea{response});
}

int64_t PurgeSnapshots(pg::Pool& pool, absl::Duration retention, int limit) {
  return pg::Exec(pool, kPurgeSnapshots, absl::ToInt64Seconds(retention), limit).affected();
}

int64_t PurgeAttempts(pg::Pool& pool, absl::Duration retention, int limit) {
  return pg::Exec(pool, kPurgeAttempts, absl::ToInt64Seconds(retention), limit).affected();
}

int64_t PurgeResponses(pg::Pool& pool, absl::Duration retention, int limit) {
  return pg::Exec(pool, kPurgeResponses, absl::ToInt64Seconds(retention), limit).affected();
}

bool InsertCompensation(pg::Pool& pool, const std::string& request_id, const std::string& order_id,
                        const std::string& request) {
  return pg::Exec(pool, kInsertCompensation, request_id, order_id, pg::Bytea{request}).affected() ==
         1;
}

std::optional<PendingCompensation> ClaimDueCompensation(pg::Transaction& tx, absl::Time now) {
  const pg::Result r = tx.Exec(kClaimDueCompensation, Micros(now));
  if (r.empty()) return std::nullopt;
  const pg::Row row = r.row(0);
  PendingCompensation c;
  c.request_id = row.Str("request_id");
  c.order_id = row.Str("order_id");
  c.request = row.Bytes("request");
  c.attempts = static_cast<int>(row.Int("attempts"));
  c.created_at = TimeAt(row, "created_us");
  return c;
}

void RescheduleCompensation(pg::Transaction& tx, const std::string& request_id,
                            absl::Time next_attempt_at) {
  tx.Exec(kRescheduleCompensation, request_id, Micros(next_attempt_at));
}

void DeleteCompensation(pg::Transaction& tx, const std::string& request_id) {
  tx.Exec(kDeleteCompensation, request_id);
}

}  // namespace pasar::order::store
