#include "store/internal.h"
#include "store/store.h"

namespace pasar::inventory {
namespace {

using pg::Query;
using namespace store_internal;

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
    "UPDATE stalls SET open = $2, preparation_minutes = $3, name = $4, updated_at = now() "
    "WHERE id = $1 RETURNING " PASAR_INV_STALL_COLUMNS};
constexpr Query kListStalls{"inv_list_stalls",
                            "SELECT " PASAR_INV_STALL_COLUMNS
                            " FROM stalls WHERE market_id = $1 "
                            "AND ($2::text IS NULL OR (name, id) > ($2::text, $3::uuid)) "
                            "AND ($4::integer = 0 OR category = $4) AND (NOT $5::boolean OR open) "
                            "ORDER BY name, id LIMIT $6"};

}  // namespace

pb::Stall Store::InsertStall(pg::Transaction& tx, const pb::Stall& s) {
  const pg::Result r =
      tx.Exec(kInsertStall, s.market_id(), s.trader_subject(), s.name(),
              static_cast<int32_t>(s.category()), s.open(), s.preparation_minutes());
  return StallFromRow(r.row(0));
}

std::optional<pb::Stall> Store::GetStall(std::string_view id) {
  const pg::Result r = pg::Exec(pool_, kGetStall, id);
  if (r.empty()) return std::nullopt;
  return StallFromRow(r.row(0));
}

std::optional<pb::Stall> Store::GetStallForUpdate(pg::Transaction& tx, std::string_view id) {
  const pg::Result r = tx.Exec(kGetStallForUpdate, id);
  if (r.empty()) return std::nullopt;
  return StallFromRow(r.row(0));
}

pb::Stall Store::SaveStall(pg::Transaction& tx, const pb::Stall& s) {
  const pg::Result r = tx.Exec(kUpdateStall, s.id(), s.open(), s.preparation_minutes(), s.name());
  return StallFromRow(r.row(0));
}

std::vector<pb::Stall> Store::ListStalls(const StallFilter& f) {
  const pg::Result r = pg::Exec(
      pool_, kListStalls, f.market_id, f.cursor ? std::optional(f.cursor->name) : std::nullopt,
      f.cursor ? std::optional(f.cursor->id) : std::nullopt, f.category, f.only_open, f.limit);
  std::vector<pb::Stall> out;
  for (int i = 0; i < r.size(); ++i)
    out.push_back(StallFromRow(r.row(i)));
  return out;
}

}  // namespace pasar::inventory
