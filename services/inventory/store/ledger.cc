#include "store/internal.h"
#include "store/store.h"

#include <google/protobuf/util/time_util.h>

#include "pasar/events/events.h"
#include "pasar/ids/ids.h"

namespace pasar::inventory {
namespace {

using google::protobuf::util::TimeUtil;

using pg::Query;
using namespace store_internal;

constexpr Query kInsertLedger{
    "inv_insert_ledger",
    "INSERT INTO stock_ledger (product_id, reason, detail, actor, reservation_id, delta_stock, "
    "delta_held, delta_sold) VALUES ($1, $2, $3, $4, $5::uuid, $6, $7, $8)"};
constexpr Query kMoveStock{
    "inv_move_stock",
    "UPDATE products SET stock = stock + $2, held = held + $3, sold = sold + $4, "
    "updated_at = now() WHERE id = $1"};
constexpr Query kLedgerImbalances{
    "inv_ledger_imbalances",
    "WITH l AS (SELECT product_id, sum(delta_stock) AS s, sum(delta_held) AS h, "
    "  sum(delta_sold) AS so, sum(delta_stock) FILTER (WHERE reason = 'adjustment') AS adj "
    "  FROM stock_ledger GROUP BY product_id), "
    "r AS (SELECT rl.product_id, sum(rl.quantity) AS q FROM reservation_lines rl "
    "  JOIN reservations rv ON rv.id = rl.reservation_id WHERE rv.state = 'HELD' "
    "  GROUP BY rl.product_id) "
    "SELECT p.id::text, p.stock, p.held, p.sold, coalesce(l.s, 0)::bigint AS ledger_stock, "
    "  coalesce(l.h, 0)::bigint AS ledger_held, coalesce(l.so, 0)::bigint AS ledger_sold, "
    "  coalesce(l.adj, 0)::bigint AS adjustments, coalesce(r.q, 0)::bigint AS held_by_lines "
    "FROM products p LEFT JOIN l ON l.product_id = p.id LEFT JOIN r ON r.product_id = p.id "
    "WHERE p.stock <> coalesce(l.s, 0) OR p.held <> coalesce(l.h, 0) "
    "  OR p.sold <> coalesce(l.so, 0) OR p.stock + p.held + p.sold <> coalesce(l.adj, 0) "
    "  OR p.held <> coalesce(r.q, 0) ORDER BY p.id"};

}  // namespace

void store_internal::AppendEvent(pg::Transaction& tx, const pb::Reservation& v,
                                 events::v1::Envelope envelope) {
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

void store_internal::Ledger(pg::Transaction& tx, std::string_view product_id, LedgerReason reason,
                            std::string_view detail, std::string_view actor,
                            const std::optional<std::string>& reservation_id, const StockDelta& d) {
  tx.Exec(kInsertLedger, product_id, ReasonName(reason), detail, actor, reservation_id, d.stock,
          d.held, d.sold);
}

void store_internal::Move(pg::Transaction& tx, std::string_view product_id, const StockDelta& d) {
  tx.Exec(kMoveStock, product_id, d.stock, d.held, d.sold);
}

std::vector<LedgerImbalance> Store::LedgerImbalances() {
  const pg::Result r = pg::Exec(pool_, kLedgerImbalances);
  std::vector<LedgerImbalance> out;
  for (int i = 0; i < r.size(); ++i) {
    const pg::Row row = r.row(i);
    out.push_back(LedgerImbalance{.product_id = row.Str("id"),
                                  .stock = row.Int("stock"),
                                  .held = row.Int("held"),
                                  .sold = row.Int("sold"),
                                  .ledger_stock = row.Int("ledger_stock"),
                                  .ledger_held = row.Int("ledger_held"),
                                  .ledger_sold = row.Int("ledger_sold"),
                                  .adjustments = row.Int("adjustments"),
                                  .held_by_lines = row.Int("held_by_lines")});
  }
  return out;
}

}  // namespace pasar::inventory
