#include "store/internal.h"
#include "store/store.h"

namespace pasar::inventory {
namespace {

using pg::Query;
using namespace store_internal;

constexpr Query kInsertMarket{
    "inv_insert_market",
    "INSERT INTO markets (name, lat, lng, address, time_zone, opening_hours, fee_kind, "
    "flat_fee_idr, per_km_idr, base_fee_idr, base_meters, road_factor_permille, service_fee_idr, "
    "max_delivery_distance_meters, weighed_tolerance_percent, trader_response_timeout_seconds, "
    "dispatch_timeout_seconds) VALUES ($1, $2, $3, $4, $5, $6::integer[], $7, $8, $9, $10, $11, "
    "$12, $13, $14, $15, $16, $17) RETURNING " PASAR_INV_MARKET_COLUMNS};
constexpr Query kUpdateMarket{
    "inv_update_market",
    "UPDATE markets SET name = $2, lat = $3, lng = $4, address = $5, time_zone = $6, "
    "opening_hours = $7::integer[], fee_kind = $8, flat_fee_idr = $9, per_km_idr = $10, "
    "base_fee_idr = $11, base_meters = $12, road_factor_permille = $13, service_fee_idr = $14, "
    "max_delivery_distance_meters = $15, weighed_tolerance_percent = $16, "
    "trader_response_timeout_seconds = $17, dispatch_timeout_seconds = $18, updated_at = now() "
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

}  // namespace

std::optional<pb::Market> store_internal::ReadMarket(pg::Transaction& tx, std::string_view id) {
  const pg::Result r = tx.Exec(kGetMarket, id);
  if (r.empty()) return std::nullopt;
  return MarketFromRow(r.row(0));
}

pb::Market Store::InsertMarket(pg::Transaction& tx, const pb::Market& m) {
  const pb::FeeScheme& f = m.fee_scheme();
  const pg::Result r =
      tx.Exec(kInsertMarket, m.name(), m.location().lat(), m.location().lng(), m.address(),
              m.time_zone(), FlatHours(m), static_cast<int32_t>(f.kind()), f.flat_fee_idr(),
              f.per_km_idr(), f.base_fee_idr(), f.base_meters(), f.road_factor_permille(),
              m.service_fee_idr(), m.max_delivery_distance_meters(), m.weighed_tolerance_percent(),
              m.trader_response_timeout_seconds(), m.dispatch_timeout_seconds());
  return MarketFromRow(r.row(0));
}

absl::StatusOr<pb::Market> Store::SaveMarket(pg::Transaction& tx, const pb::Market& m) {
  const pb::FeeScheme& f = m.fee_scheme();
  const pg::Result r =
      tx.Exec(kUpdateMarket, m.id(), m.name(), m.location().lat(), m.location().lng(), m.address(),
              m.time_zone(), FlatHours(m), static_cast<int32_t>(f.kind()), f.flat_fee_idr(),
              f.per_km_idr(), f.base_fee_idr(), f.base_meters(), f.road_factor_permille(),
              m.service_fee_idr(), m.max_delivery_distance_meters(), m.weighed_tolerance_percent(),
              m.trader_response_timeout_seconds(), m.dispatch_timeout_seconds());
  if (r.empty()) return absl::NotFoundError("market not found");
  return MarketFromRow(r.row(0));
}

std::optional<pb::Market> Store::GetMarket(std::string_view id) {
  const pg::Result r = pg::Exec(pool_, kGetMarket, id);
  if (r.empty()) return std::nullopt;
  return MarketFromRow(r.row(0));
}

std::optional<pb::Market> Store::GetMarketForUpdate(pg::Transaction& tx, std::string_view id) {
  const pg::Result r = tx.Exec(kGetMarketForUpdate, id);
  if (r.empty()) return std::nullopt;
  return MarketFromRow(r.row(0));
}

std::vector<pb::Market> Store::ListMarkets(const std::optional<PageCursor>& cursor, int limit) {
  const pg::Result r =
      pg::Exec(pool_, kListMarkets, cursor ? std::optional(cursor->name) : std::nullopt,
               cursor ? std::optional(cursor->id) : std::nullopt, limit);
  std::vector<pb::Market> out;
  for (int i = 0; i < r.size(); ++i)
    out.push_back(MarketFromRow(r.row(i)));
  return out;
}

}  // namespace pasar::inventory
