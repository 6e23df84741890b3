#include "store/order_store.h"

#include <map>

#include "store/sql.h"

namespace pasar::reporting {
namespace {

using pg::Query;

constexpr Query kTouch{
    "rep_touch_order",
    "INSERT INTO orders (order_id, market_id, placed_at, last_at) VALUES ($1, $2, "
    "CASE WHEN $3::bigint IS NULL THEN NULL ELSE " PASAR_REP_AT("3") " END, " PASAR_REP_AT("4") ") "
    "ON CONFLICT (order_id) DO UPDATE SET "
    "market_id = coalesce(orders.market_id, excluded.market_id), "
    "placed_at = coalesce(orders.placed_at, excluded.placed_at), "
    "last_at = greatest(orders.last_at, excluded.last_at)"};
constexpr Query kAddFact{
    "rep_add_fact",
    "INSERT INTO order_facts (event_id, order_id, kind, at, ticket_id, stall_id, courier_id, "
    "amount_idr, reason, all_picked_up) VALUES ($1, $2, $3, " PASAR_REP_AT("4") ", $5, $6, $7, "
    "$8, $9, $10) ON CONFLICT (event_id) DO NOTHING"};
constexpr Query kAddTickets{"rep_add_tickets",
                            "INSERT INTO order_tickets (ticket_id, order_id, stall_id, decide_by) "
                            "SELECT t, $1, s, timestamptz 'epoch' + d * interval '1 microsecond' "
                            "FROM unnest($2::text[], $3::text[], $4::bigint[]) AS u(t, s, d) "
                            "ON CONFLICT (ticket_id) DO NOTHING"};
// The ordered half of a line: only quantity and price, whatever the decision half holds.
constexpr Query kAddOrderedLines{
    "rep_add_ordered_lines",
    "INSERT INTO order_lines (ticket_id, product_id, order_id, quantity, price_idr) "
    "SELECT t, p, $1, q, pr FROM unnest($2::text[], $3::text[], $4::bigint[], $5::bigint[]) "
    "AS u(t, p, q, pr) "
    "ON CONFLICT (ticket_id, product_id) DO UPDATE SET quantity = excluded.quantity, "
    "price_idr = excluded.price_idr"};
// The decided half: only the decision columns.
constexpr Query kDecideLines{
    "rep_decide_lines",
    "INSERT INTO order_lines (ticket_id, product_id, order_id, decided, accepted, final_quantity, "
    "line_total_idr) "
    "SELECT t, p, $1, true, a, q, tot FROM unnest($2::text[], $3::text[], $4::boolean[], "
    "$5::bigint[], $6::bigint[]) AS u(t, p, a, q, tot) "
    "ON CONFLICT (ticket_id, product_id) DO UPDATE SET decided = true, accepted = "
    "excluded.accepted, "
    "final_quantity = excluded.final_quantity, line_total_idr = excluded.line_total_idr"};

// The orders a report reads (the same condition in the four loads below).
#define PASAR_REP_ORDERS_IN_SCOPE                                                      \
  "o.market_id IS NOT NULL AND ($1::text[] IS NULL OR o.market_id = ANY($1::text[])) " \
  "AND o.last_at >= " PASAR_REP_AT(                                                    \
      "2") " AND (o.placed_at IS NULL OR o.placed_at < " PASAR_REP_AT("3") ")"

enum OrderCol { kOrderId, kOrderMarket, kOrderPlacedAt };
constexpr Query kLoadOrders{"rep_load_orders",
                            "SELECT o.order_id, o.market_id, " PASAR_REP_MICROS(
                                "o.placed_at") " FROM orders o WHERE " PASAR_REP_ORDERS_IN_SCOPE
                                               " ORDER BY o.order_id"};
enum FactCol {
  kFactOrder,
  kFactEvent,
  kFactKind,
  kFactAt,
  kFactTicket,
  kFactStall,
  kFactCourier,
  kFactAmount,
  kFactReason,
  kFactAllPickedUp
};
constexpr Query kLoadFacts{
    "rep_load_facts",
    "SELECT f.order_id, f.event_id, f.kind, " PASAR_REP_MICROS("f.at")
    ", f.ticket_id, f.stall_id, f.courier_id, f.amount_idr, f.reason, f.all_picked_up "
    "FROM order_facts f JOIN orders o ON o.order_id = f.order_id WHERE " PASAR_REP_ORDERS_IN_SCOPE
    " ORDER BY f.order_id, f.at, f.event_id"};
enum TicketCol { kTicketOrder, kTicketId, kTicketStall, kTicketDecideBy };
constexpr Query kLoadTickets{
    "rep_load_tickets",
    "SELECT t.order_id, t.ticket_id, t.stall_id, " PASAR_REP_MICROS("t.decide_by")
    " FROM order_tickets t JOIN orders o ON o.order_id = t.order_id WHERE " PASAR_REP_ORDERS_IN_SCOPE
    " ORDER BY t.order_id, t.ticket_id"};
enum LineCol {
  kLineOrder,
  kLineTicket,
  kLineProduct,
  kLineQuantity,
  kLinePrice,
  kLineDecided,
  kLineAccepted,
  kLineFinal,
  kLineTotal
};
constexpr Query kLoadLines{
    "rep_load_lines",
    "SELECT l.order_id, l.ticket_id, l.product_id, l.quantity, l.price_idr, l.decided, "
    "l.accepted, l.final_quantity, l.line_total_idr FROM order_lines l "
    "JOIN orders o ON o.order_id = l.order_id WHERE " PASAR_REP_ORDERS_IN_SCOPE
    " ORDER BY l.order_id, l.ticket_id, l.product_id"};
#undef PASAR_REP_ORDERS_IN_SCOPE

int64_t Micros(absl::Time t) {
  return absl::ToUnixMicros(t);
}

}  // namespace

void OrderStore::Touch(pg::Transaction& tx, const std::string& order_id,
                       const std::string& market_id, std::optional<absl::Time> placed_at,
                       absl::Time at) {
  const std::optional<int64_t> placed =
      placed_at ? std::optional<int64_t>(Micros(*placed_at)) : std::nullopt;
  tx.Exec(kTouch, order_id,
          market_id.empty() ? std::nullopt : std::optional<std::string>(market_id), placed,
          Micros(at));
}

void OrderStore::AddFact(pg::Transaction& tx, const std::string& order_id, const Fact& f) {
  tx.Exec(kAddFact, f.event_id, order_id, static_cast<int>(f.kind), Micros(f.at), f.ticket_id,
          f.stall_id, f.courier_id, f.amount_idr, f.reason, f.all_picked_up);
}

void OrderStore::AddPlacement(pg::Transaction& tx, const std::string& order_id,
                              const std::vector<TicketPlan>& tickets,
                              const std::vector<Line>& lines) {
  std::vector<std::string> ticket_ids, stall_ids;
  std::vector<int64_t> decide_by;
  for (const TicketPlan& t : tickets) {
    ticket_ids.push_back(t.ticket_id);
    stall_ids.push_back(t.stall_id);
    decide_by.push_back(Micros(t.decide_by));
  }
  tx.Exec(kAddTickets, order_id, ticket_ids, stall_ids, decide_by);
  std::vector<std::string> line_tickets, products;
  std::vector<int64_t> quantities, prices;
  for (const Line& l : lines) {
    line_tickets.push_back(l.ticket_id);
    products.push_back(l.product_id);
    quantities.push_back(l.quantity.value_or(0));
    prices.push_back(l.price_idr.value_or(0));
  }
  tx.Exec(kAddOrderedLines, order_id, line_tickets, products, quantities, prices);
}

void OrderStore::Decide(pg::Transaction& tx, const std::string& order_id,
                        const std::vector<Line>& lines) {
  std::vector<std::string> tickets, products, accepted;
  std::vector<int64_t> finals, totals;
  for (const Line& l : lines) {
    tickets.push_back(l.ticket_id);
    products.push_back(l.product_id);
    accepted.push_back(l.accepted ? "true" : "false");
    finals.push_back(l.final_quantity);
    totals.push_back(l.line_total_idr);
  }
  tx.Exec(kDecideLines, order_id, tickets, products, accepted, finals, totals);
}

std::vector<OrderRecord> OrderStore::Load(const std::vector<std::string>& market_ids,
                                          absl::Time from, absl::Time to) {
  const std::optional<std::vector<std::string>> markets =
      market_ids.empty() ? std::nullopt : std::optional(market_ids);
  // One read-only transaction: the four reads see the same state.
  pg::Transaction tx(pool_, "load_orders", pg::Transaction::Isolation::kRepeatableRead);
  const pg::Result orders = tx.Exec(kLoadOrders, markets, Micros(from), Micros(to));
  const pg::Result facts = tx.Exec(kLoadFacts, markets, Micros(from), Micros(to));
  const pg::Result tickets = tx.Exec(kLoadTickets, markets, Micros(from), Micros(to));
  const pg::Result lines = tx.Exec(kLoadLines, markets, Micros(from), Micros(to));
  tx.Commit();

  std::vector<OrderRecord> out;
  std::map<std::string, size_t> index;
  for (int i = 0; i < orders.size(); ++i) {
    OrderRecord o;
    o.order_id = orders.Str(i, kOrderId);
    o.market_id = orders.Str(i, kOrderMarket);
    if (!orders.IsNull(i, kOrderPlacedAt)) {
      o.placed_at = absl::FromUnixMicros(orders.Int(i, kOrderPlacedAt));
    }
    index[o.order_id] = out.size();
    out.push_back(std::move(o));
  }
  for (int i = 0; i < facts.size(); ++i) {
    Fact f;
    f.event_id = facts.Str(i, kFactEvent);
    f.kind = static_cast<FactKind>(facts.Int(i, kFactKind));
    f.at = absl::FromUnixMicros(facts.Int(i, kFactAt));
    f.ticket_id = facts.Str(i, kFactTicket);
    f.stall_id = facts.Str(i, kFactStall);
    f.courier_id = facts.Str(i, kFactCourier);
    f.amount_idr = facts.Int(i, kFactAmount);
    f.reason = static_cast<int>(facts.Int(i, kFactReason));
    f.all_picked_up = facts.Bool(i, kFactAllPickedUp);
    out[index.at(facts.Str(i, kFactOrder))].facts.push_back(std::move(f));
  }
  for (int i = 0; i < tickets.size(); ++i) {
    out[index.at(tickets.Str(i, kTicketOrder))].tickets.push_back(
        TicketPlan{tickets.Str(i, kTicketId), tickets.Str(i, kTicketStall),
                   absl::FromUnixMicros(tickets.Int(i, kTicketDecideBy))});
  }
  for (int i = 0; i < lines.size(); ++i) {
    Line l;
    l.ticket_id = lines.Str(i, kLineTicket);
    l.product_id = lines.Str(i, kLineProduct);
    l.quantity = lines.OptInt(i, kLineQuantity);
    l.price_idr = lines.OptInt(i, kLinePrice);
    l.decided = lines.Bool(i, kLineDecided);
    l.accepted = lines.Bool(i, kLineAccepted);
    l.final_quantity = lines.Int(i, kLineFinal);
    l.line_total_idr = lines.Int(i, kLineTotal);
    out[index.at(lines.Str(i, kLineOrder))].lines.push_back(std::move(l));
  }
  return out;
}

}  // namespace pasar::reporting
