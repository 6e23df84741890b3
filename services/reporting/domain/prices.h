// Staple prices from real sales (ReportingService.GetStaplePrices, GetPriceExport). Pure.
//
// A sale is an accepted line (final quantity > 0) of a ticket a courier picked up and paid for;
// it counts on the market's local day of the pickup, for the commodity its product named in the
// listing in force when the order was placed. Prices are per the commodity's standard unit:
//   listed = price_idr × 1000 / standard_unit_milli
//   paid   = line_total_idr × 1000 / (final_quantity × standard_unit_milli)
// each rounded half up to whole rupiah.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "domain/calendar.h"
#include "domain/facts.h"
#include "domain/report.h"
#include "pasar/reporting/v1/reporting.pb.h"

namespace pasar::reporting {

struct PriceQuery {
  DateRange range;
  std::string market_id;  // empty: every market
  int commodity = 0;      // 0: every commodity
};

// A reference price the office set; market_id empty: every market without its own.
struct Reference {
  int commodity = 0;
  std::string market_id;
  int64_t price_idr = 0;
  int band_percent = 0;
};

// The listing versions of each product, any order.
using ProductVersions = std::map<std::string, std::vector<ProductVersion>>;

// The price per standard unit of `amount_idr` for `quantity` sale units of which each holds
// `milli` thousandths of the standard unit, rounded half up.
int64_t PerStandardUnit(int64_t amount_idr, int64_t quantity, int64_t milli);

// Where `median_idr` stands against `reference`.
v1::PriceAlert AlertOf(int64_t median_idr, const Reference& reference);

// One row per market, commodity and day of the range with at least one sale, by date,
// kecamatan, market name, market id and commodity. `orders` must include the sales of the day
// before the range (for the change against the previous day).
std::vector<v1::StaplePrice> ComputePrices(const PriceQuery& query, const Markets& markets,
                                           const std::vector<OrderRecord>& orders,
                                           const ProductVersions& products,
                                           const std::vector<Reference>& references);

// The export (GetPriceExportResponse.csv): RFC 4180 with CRLF line ends; `regency` fills the
// kabupaten column.
std::string PriceCsv(const std::vector<v1::StaplePrice>& prices, const Markets& markets,
                     const std::string& regency);

}  // namespace pasar::reporting
