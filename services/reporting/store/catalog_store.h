// Inventory's catalogue as the reporting service keeps it (tables markets, stalls,
// product_versions), from MarketChanged, StallChanged and ProductChanged. A market or stall keeps
// its latest version by (event time, event id), whatever order the events arrive in; a product
// keeps every version of its listing.
#pragma once

#include <string>
#include <vector>

#include "absl/time/time.h"
#include "domain/facts.h"
#include "domain/prices.h"
#include "pasar/pg/pg.h"

namespace pasar::reporting {

// A market as announced, with its time zone's name.
struct MarketRow {
  std::string id, name, kecamatan, village, time_zone;
};

class CatalogStore final {
 public:
  explicit CatalogStore(pg::Pool& pool) : pool_(pool) {}

  void SaveMarket(pg::Transaction& tx, const MarketRow& market, absl::Time at,
                  const std::string& event_id);
  void SaveStall(pg::Transaction& tx, const StallInfo& stall, absl::Time at,
                 const std::string& event_id);
  void AddProductVersion(pg::Transaction& tx, const ProductVersion& version,
                         const std::string& event_id, const std::string& market_id,
                         const std::string& stall_id, const std::string& name,
                         const std::string& unit, int64_t price_idr);

  // Every market; a time zone this machine does not know falls back to `fallback`.
  std::vector<MarketInfo> Markets(absl::TimeZone fallback);
  std::vector<StallInfo> Stalls();
  // The listing versions of the products of `market_ids` (empty: every market).
  ProductVersions Products(const std::vector<std::string>& market_ids);

 private:
  pg::Pool& pool_;
};

}  // namespace pasar::reporting
