#include "store/internal.h"
#include "store/store.h"

#include "domain/catalog.h"
#include "domain/validation.h"
#include "pasar/request/status.h"

namespace pasar::inventory {
namespace {

using pg::Query;
using namespace store_internal;

constexpr Query kInsertProduct{
    "inv_insert_product",
    "INSERT INTO products (stall_id, market_id, name, category, unit, price_idr, weighed, "
    "active, stock) VALUES ($1, $2, $3, $4, $5, $6, $7, true, $8) RETURNING id::text"};
constexpr Query kGetProduct{"inv_get_product",
                            "SELECT " PASAR_INV_PRODUCT_COLUMNS " FROM product_view WHERE id = $1"};
constexpr Query kLockProduct{"inv_lock_product",
                             "SELECT stock FROM products WHERE id = $1 FOR NO KEY UPDATE"};
constexpr Query kUpdateProduct{
    "inv_update_product",
    "UPDATE products SET name = $2, category = $3, unit = $4, price_idr = $5, weighed = $6, "
    "active = $7, updated_at = now() WHERE id = $1"};
constexpr Query kAddStock{"inv_add_stock",
                          "UPDATE products SET stock = stock + $2, updated_at = now() "
                          "WHERE id = $1 AND stock + $2 BETWEEN 0 AND $3 RETURNING stock"};
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

std::optional<std::string> Nullable(const std::string& s) {
  return s.empty() ? std::nullopt : std::optional<std::string>(s);
}

}  // namespace

pb::Product store_internal::ReadProduct(pg::Transaction& tx, std::string_view id) {
  return ProductFromRow(tx.Exec(kGetProduct, id).row(0));
}

pb::Product Store::InsertProduct(pg::Transaction& tx, const pb::Product& p,
                                 std::string_view actor) {
  const std::string id =
      tx.Exec(kInsertProduct, p.stall_id(), p.market_id(), p.name(),
              static_cast<int32_t>(p.category()), p.unit(), p.price_idr(), p.weighed(), p.stock())
          .row(0)
          .Str("id");
  // The initial stock is the first adjustment: the ledger then always sums to the counters.
  Ledger(tx, id, LedgerReason::kAdjustment, "initial stock", actor, std::nullopt,
         StockDelta{p.stock(), 0, 0});
  return ProductFromRow(tx.Exec(kGetProduct, id).row(0));
}

std::optional<pb::Product> Store::GetProduct(std::string_view id) {
  const pg::Result r = pg::Exec(pool_, kGetProduct, id);
  if (r.empty()) return std::nullopt;
  return ProductFromRow(r.row(0));
}

std::optional<pb::Product> Store::GetProductForUpdate(pg::Transaction& tx, std::string_view id) {
  if (tx.Exec(kLockProduct, id).empty()) return std::nullopt;
  return ProductFromRow(tx.Exec(kGetProduct, id).row(0));
}

pb::Product Store::SaveProduct(pg::Transaction& tx, const pb::Product& p) {
  tx.Exec(kUpdateProduct, p.id(), p.name(), static_cast<int32_t>(p.category()), p.unit(),
          p.price_idr(), p.weighed(), p.active());
  return ReadProduct(tx, p.id());
}

absl::StatusOr<pb::Product> Store::AdjustStock(pg::Transaction& tx, std::string_view product_id,
                                               int64_t delta, std::string_view detail,
                                               std::string_view actor) {
  const pg::Result r = tx.Exec(kAddStock, product_id, delta, kMaxStock);
  if (r.empty()) {
    const pg::Result now = tx.Exec(kLockProduct, product_id);
    if (now.empty()) return absl::NotFoundError("product not found");
    const int64_t stock = now.row(0).Int("stock");
    if (delta > 0) {
      return absl::InvalidArgumentError("delta: the stock (" + std::to_string(stock) +
                                        ") would exceed " + std::to_string(kMaxStock));
    }
    return request::Refused("INSUFFICIENT_STOCK", std::string(product_id) + " (requested " +
                                                      std::to_string(-delta) + ", available " +
                                                      std::to_string(stock) + ")");
  }
  Ledger(tx, product_id, LedgerReason::kAdjustment, detail, actor, std::nullopt,
         StockDelta{delta, 0, 0});
  return ProductFromRow(tx.Exec(kGetProduct, product_id).row(0));
}

absl::StatusOr<pb::Product> Store::SetStock(pg::Transaction& tx, std::string_view product_id,
                                            int64_t stock, std::string_view detail,
                                            std::string_view actor) {
  const pg::Result locked = tx.Exec(kLockProduct, product_id);
  if (locked.empty()) return absl::NotFoundError("product not found");
  const int64_t before = locked.row(0).Int("stock");
  if (stock != before) {
    tx.Exec(kAddStock, product_id, stock - before, kMaxStock);
    Ledger(tx, product_id, LedgerReason::kAdjustment, detail, actor, std::nullopt,
           StockDelta{stock - before, 0, 0});
  }
  return ProductFromRow(tx.Exec(kGetProduct, product_id).row(0));
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
    out.push_back(ProductFromRow(r.row(i)));
  return out;
}

std::vector<pb::Product> Store::GetProducts(const std::vector<std::string>& ids) {
  const pg::Result r = pg::Exec(pool_, kGetProducts, ids);
  std::vector<pb::Product> out;
  for (int i = 0; i < r.size(); ++i)
    out.push_back(ProductFromRow(r.row(i)));
  return out;
}

}  // namespace pasar::inventory
