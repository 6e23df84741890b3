// The figures of the market office and the regency (ReportingService.GetReport), per market,
// kecamatan or the regency, per day or month, computed from the facts. Pure.
#pragma once

#include <deque>
#include <string>
#include <vector>

#include "domain/calendar.h"
#include "domain/facts.h"
#include "pasar/reporting/v1/reporting.pb.h"

namespace pasar::reporting {

namespace v1 = ::pasar::reporting::v1;

struct ReportQuery {
  v1::ReportLevel level = v1::REPORT_LEVEL_MARKET;
  v1::ReportPeriod period = v1::REPORT_PERIOD_DAY;
  DateRange range;
  std::string market_id;  // empty: every market
  std::string kecamatan;  // empty: every kecamatan
};

// The markets by id, with a stand-in (named by its id, in `default_zone`) for a market orders
// name but whose MarketChanged has not arrived.
class Markets {
 public:
  Markets(const std::vector<MarketInfo>& markets, absl::TimeZone default_zone);
  const MarketInfo& Of(const std::string& market_id) const;
  const std::vector<MarketInfo>& all() const { return all_; }

 private:
  std::vector<MarketInfo> all_;
  absl::TimeZone default_zone_;
  mutable std::deque<MarketInfo> stand_ins_;  // deque: references stay valid as it grows
};

// Rows (only scopes and periods with activity) and the total of the whole range and scope. Each
// fact counts on the market's local day it happened (orders placed that day, delivered that day,
// ...). Orders without a known market are left out.
v1::GetReportResponse ComputeReport(const ReportQuery& query, const Markets& markets,
                                    const std::vector<OrderRecord>& orders);

}  // namespace pasar::reporting
