#include "store/catalog_store.h"

#include <optional>

#include "store/sql.h"

namespace pasar::reporting {
namespace {

using pg::Query;

constexpr Query kSaveMarket{
    "rep_save_market",
    "INSERT INTO markets (market_id, name, kecamatan, village, time_zone, changed_at, event_id) "
    "VALUES ($1, $2, $3, $4, $5, " PASAR_REP_AT("6") ", $7) ON CONFLICT (market_id) DO UPDATE "
    "SET name = excluded.name, kecamatan = excluded.kecamatan, village = excluded.village, "
    "time_zone = excluded.time_zone, changed_at = excluded.changed_at, "
    "event_id = excluded.event_id "
    "WHERE (markets.changed_at, markets.event_id) < (excluded.changed_at, excluded.event_id)"};
constexpr Query kSaveStall{
    "rep_save_stall",
    "INSERT INTO stalls (stall_id, market_id, name, open, pause, changed_at, event_id) "
    "VALUES ($1, $2, $3, $4, $5, " PASAR_REP_AT("6") ", $7) ON CONFLICT (stall_id) DO UPDATE "
    "SET market_id = excluded.market_id, name = excluded.name, open = excluded.open, "
    "pause = excluded.pause, changed_at = excluded.changed_at, event_id = excluded.event_id "
    "WHERE (stalls.changed_at, stalls.event_id) < (excluded.changed_at, excluded.event_id)"};
constexpr Query kAddProductVersion{
    "rep_add_product_version",
    "INSERT INTO product_versions (product_id, valid_from, event_id, market_id, stall_id, name, "
    "unit, price_idr, commodity, standard_unit_milli) VALUES ($1, " PASAR_REP_AT("2") ", $3, $4, "
    "$5, $6, $7, $8, $9, $10) ON CONFLICT DO NOTHING"};

enum MarketCol { kMarketId, kMarketName, kMarketKecamatan, kMarketVillage, kMarketZone };
constexpr Query kMarkets{"rep_markets",
                         "SELECT market_id, name, kecamatan, village, time_zone FROM markets "
                         "ORDER BY kecamatan, name, market_id"};
enum StallCol { kStallId, kStallMarket, kStallName, kStallOpen, kStallPause };
constexpr Query kStalls{"rep_stalls",
                        "SELECT stall_id, market_id, name, open, pause FROM stalls "
                        "ORDER BY market_id, name, stall_id"};
enum ProductCol { kProductId, kProductValidFrom, kProductCommodity, kProductMilli };
constexpr Query kProducts{
    "rep_product_versions",
    "SELECT product_id, " PASAR_REP_MICROS("valid_from")
    ", commodity, standard_unit_milli FROM product_versions "
    "WHERE $1::text[] IS NULL OR market_id = ANY($1::text[]) "
    "ORDER BY product_id, valid_from, event_id"};

}  // namespace

void CatalogStore::SaveMarket(pg::Transaction& tx, const MarketRow& m, absl::Time at,
                              const std::string& event_id) {
  tx.Exec(kSaveMarket, m.id, m.name, m.kecamatan, m.village, m.time_zone, absl::ToUnixMicros(at),
          event_id);
}

void CatalogStore::SaveStall(pg::Transaction& tx, const StallInfo& s, absl::Time at,
                             const std::string& event_id) {
  tx.Exec(kSaveStall, s.id, s.market_id, s.name, s.open, s.pause, absl::ToUnixMicros(at), event_id);
}

void CatalogStore::AddProductVersion(pg::Transaction& tx, const ProductVersion& v,
                                     const std::string& event_id, const std::string& market_id,
                                     const std::string& stall_id, const std::string& name,
                                     const std::string& unit, int64_t price_idr) {
  tx.Exec(kAddProductVersion, v.product_id, absl::ToUnixMicros(v.valid_from), event_id, market_id,
          stall_id, name, unit, price_idr, v.commodity, v.standard_unit_milli);
}

std::vector<MarketInfo> CatalogStore::Markets(absl::TimeZone fallback) {
  const pg::Result r = pg::Exec(pool_, kMarkets);
  std::vector<MarketInfo> out;
  for (int i = 0; i < r.size(); ++i) {
    absl::TimeZone zone = fallback;
    if (!absl::LoadTimeZone(r.Str(i, kMarketZone), &zone)) zone = fallback;
    out.push_back(MarketInfo{r.Str(i, kMarketId), r.Str(i, kMarketName), r.Str(i, kMarketKecamatan),
                             r.Str(i, kMarketVillage), zone});
  }
  return out;
}

std::vector<StallInfo> CatalogStore::Stalls() {
  const pg::Result r = pg::Exec(pool_, kStalls);
  std::vector<StallInfo> out;
  for (int i = 0; i < r.size(); ++i) {
    out.push_back(StallInfo{r.Str(i, kStallId), r.Str(i, kStallMarket), r.Str(i, kStallName),
                            r.Bool(i, kStallOpen), static_cast<int>(r.Int(i, kStallPause))});
  }
  return out;
}

ProductVersions CatalogStore::Products(const std::vector<std::string>& market_ids) {
  const std::optional<std::vector<std::string>> markets =
      market_ids.empty() ? std::nullopt : std::optional(market_ids);
  const pg::Result r = pg::Exec(pool_, kProducts, markets);
  ProductVersions out;
  for (int i = 0; i < r.size(); ++i) {
    out[r.Str(i, kProductId)].push_back(
        ProductVersion{r.Str(i, kProductId), absl::FromUnixMicros(r.Int(i, kProductValidFrom)),
                       static_cast<int>(r.Int(i, kProductCommodity)), r.Int(i, kProductMilli)});
  }
  return out;
}

}  // namespace pasar::reporting
