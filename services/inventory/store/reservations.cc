#include "store/internal.h"
#include "store/store.h"

#include "absl/container/flat_hash_map.h"
#include "pasar/request/status.h"

namespace pasar::inventory {
namespace {

using pg::Query;
using namespace store_internal;

// The products of a reservation request, locked in id order, with what ReserveStock snapshots.
constexpr Query kLockProductsForReserve{
    "inv_lock_products_for_reserve",
    "SELECT p.id::text, p.market_id::text, p.stall_id::text, p.name, p.unit, p.weighed, "
    "p.active, p.stock, p.price_idr, s.name AS stall_name, s.open AS stall_open, "
    "s.preparation_minutes "
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
constexpr Query kSetState{
    "inv_set_state",
    "UPDATE reservations SET state = $2, updated_at = now() WHERE id = $1 "
    "RETURNING (extract(epoch FROM updated_at) * 1000000)::bigint AS updated_us"};
constexpr Query kSetCommitted{"inv_set_committed",
                              "UPDATE reservation_lines SET committed_quantity = $3 "
                              "WHERE reservation_id = $1 AND product_id = $2"};
constexpr Query kClaimDue{
    "inv_claim_due",
    "SELECT id::text FROM reservations WHERE state = 'HELD' AND expires_at <= now() "
    "ORDER BY expires_at LIMIT 1 FOR NO KEY UPDATE SKIP LOCKED"};

// The lines of a new reservation, as the arrays kInsertReservation takes (request order): what
// each product snapshots and the stock it moves.
struct HeldLines {
  std::vector<std::string> product_ids, stall_ids, stall_names, names, units;
  std::vector<int64_t> weighed, quantities, prices, preparation, d_stock, d_held, d_sold;
};

HeldLines HeldLinesOf(const pg::Result& rows, const absl::flat_hash_map<std::string, int>& row_of,
                      const std::vector<RequestedLine>& lines) {
  HeldLines held;
  for (const RequestedLine& l : lines) {
    const pg::Row row = rows.row(row_of.at(l.product_id));
    const StockDelta d = ReserveDelta(l.quantity);
    held.product_ids.push_back(row.Str("id"));
    held.stall_ids.push_back(row.Str("stall_id"));
    held.stall_names.push_back(row.Str("stall_name"));
    held.names.push_back(row.Str("name"));
    held.units.push_back(row.Str("unit"));
    held.weighed.push_back(row.Bool("weighed") ? 1 : 0);
    held.quantities.push_back(l.quantity);
    held.prices.push_back(row.Int("price_idr"));
    held.preparation.push_back(row.Int("preparation_minutes"));
    held.d_stock.push_back(d.stock);
    held.d_held.push_back(d.held);
    held.d_sold.push_back(d.sold);
  }
  return held;
}

}  // namespace

absl::StatusOr<pb::Reservation> Store::Reserve(pg::Transaction& tx, const ReserveInput& in,
                                               absl::Time now) {
  const std::optional<pb::Market> market = ReadMarket(tx, in.market_id);
  if (!market) return absl::NotFoundError("market not found");
  const bool open = OpenAt(*market, now);

  std::vector<std::string> ids;
  for (const RequestedLine& l : in.lines)
    ids.push_back(l.product_id);
  const pg::Result rows = tx.Exec(kLockProductsForReserve, ids);
  absl::flat_hash_map<std::string, int> row_of;
  for (int i = 0; i < rows.size(); ++i)
    row_of.emplace(rows.row(i).Str("id"), i);
  std::vector<std::optional<ProductFacts>> facts;
  for (const RequestedLine& l : in.lines) {
    const auto it = row_of.find(l.product_id);
    if (it == row_of.end()) {
      facts.push_back(std::nullopt);
      continue;
    }
    const pg::Row row = rows.row(it->second);
    facts.push_back(ProductFacts{row.Str("market_id"), row.Str("stall_id"), row.Bool("active"),
                                 row.Bool("stall_open"), row.Int("stock")});
  }
  if (std::optional<Refusal> refusal = CheckReservable(in.market_id, open, in.lines, facts)) {
    return request::Refused(refusal->reason, refusal->message);
  }

  const HeldLines held = HeldLinesOf(rows, row_of, in.lines);
  const pg::Result inserted = tx.Exec(
      kInsertReservation, in.market_id, in.order_id, in.actor, absl::ToInt64Milliseconds(in.ttl),
      held.product_ids, held.stall_ids, held.stall_names, held.names, held.units, held.weighed,
      held.quantities, held.prices, held.preparation, held.d_stock, held.d_held, held.d_sold);
  pb::Reservation v = ReservationFromRow(inserted.row(0));
  // The lines as written (what LoadReservation would read back).
  for (size_t k = 0; k < held.product_ids.size(); ++k) {
    pb::ReservationLine* l = v.add_lines();
    l->set_product_id(held.product_ids[k]);
    l->set_stall_id(held.stall_ids[k]);
    l->set_stall_name(held.stall_names[k]);
    l->set_name(held.names[k]);
    l->set_unit(held.units[k]);
    l->set_weighed(held.weighed[k] != 0);
    l->set_quantity(held.quantities[k]);
    l->set_price_idr(held.prices[k]);
    l->set_committed_quantity(0);
    l->set_preparation_minutes(static_cast<int32_t>(held.preparation[k]));
  }
  return v;
}

std::optional<pb::Reservation> Store::LoadReservation(pg::Transaction& tx, std::string_view id,
                                                      bool for_update, bool* past_expiry) {
  const pg::Result r = tx.Exec(for_update ? kGetReservationForUpdate : kGetReservation, id);
  if (r.empty()) return std::nullopt;
  pb::Reservation v = ReservationFromRow(r.row(0));
  if (past_expiry != nullptr) *past_expiry = r.row(0).Bool("past_expiry");
  const pg::Result lines = tx.Exec(kGetLines, v.reservation_id());
  for (int i = 0; i < lines.size(); ++i)
    AddLine(lines.row(i), v);
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
      return request::Refused("RESERVATION_EXPIRED", "reservation " + v->reservation_id() +
                                                         " expired before it was committed");
    case Decision::kInvalidTransition:
      return request::Refused("INVALID_TRANSITION", "reservation " + v->reservation_id() + " is " +
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
  *v->mutable_updated_at() = Micros(updated.row(0).Int("updated_us"));
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
  *v.mutable_updated_at() = Micros(updated.row(0).Int("updated_us"));
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
  return request::Refused("INVALID_TRANSITION", "reservation " + v->reservation_id() + " is " +
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
      std::optional<pb::Reservation> v = LoadReservation(tx, due.row(0).Str("id"), false, nullptr);
      ReturnAll(tx, std::move(*v), LedgerReason::kExpiry, "expired", "sweeper");
      tx.Commit();
      return true;
    });
    if (!done) break;
    NoteCatalogWrite();
  }
  return expired;
}

}  // namespace pasar::inventory
