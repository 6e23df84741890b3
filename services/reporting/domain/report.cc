#include "domain/report.h"

#include <map>
#include <set>
#include <tuple>

#include "domain/stats.h"
#include "pasar/dispatch/v1/dispatch.pb.h"

namespace pasar::reporting {
namespace {

struct Acc {
  int64_t placed = 0, delivered = 0, cancelled = 0, paid = 0, fees = 0, expired = 0;
  int64_t failed = 0, failure_fees = 0, returned = 0, at_office = 0, office_goods = 0;
  std::map<int, int64_t> reasons;
  std::set<std::string> stalls, couriers;
  std::vector<int64_t> response_ms, delivery_ms;

  void Apply(const Fact& f, const std::optional<absl::Time>& placed_at) {
    switch (f.kind) {
      case FactKind::kPlaced:
        ++placed;
        break;
      case FactKind::kTicketAccepted:
        stalls.insert(f.stall_id);
        [[fallthrough]];
      case FactKind::kTicketRejected:
        if (placed_at) response_ms.push_back(absl::ToInt64Milliseconds(f.at - *placed_at));
        break;
      case FactKind::kTicketExpired:
        ++expired;
        break;
      case FactKind::kCancelled:
        ++cancelled;
        ++reasons[f.reason];
        break;
      case FactKind::kAssigned:
        couriers.insert(f.courier_id);
        break;
      case FactKind::kPickedUp:
        paid += f.amount_idr;
        break;
      case FactKind::kDelivered:
        ++delivered;
        fees += f.amount_idr;
        if (placed_at) delivery_ms.push_back(absl::ToInt64Milliseconds(f.at - *placed_at));
        break;
      case FactKind::kDeliveryFailed:
        ++failed;
        failure_fees += f.amount_idr;
        break;
      case FactKind::kReturned:
        if (f.all_picked_up) ++returned;
        if (f.reason == dispatch::v1::RETURN_DESTINATION_MARKET_OFFICE) {
          ++at_office;
          office_goods += f.amount_idr;
        }
        break;
      case FactKind::kConfirmed:
      case FactKind::kUnassigned:
        break;
    }
  }

  v1::Figures Figures() {
    v1::Figures out;
    out.set_orders_placed(placed);
    out.set_orders_delivered(delivered);
    out.set_orders_cancelled(cancelled);
    for (const auto& [reason, count] : reasons) {
      v1::CancelCount* c = out.add_cancelled_by_reason();
      c->set_reason(static_cast<order::v1::CancelReason>(reason));
      c->set_count(count);
    }
    out.set_goods_paid_idr(paid);
    out.set_delivery_fees_idr(fees);
    out.set_active_stalls(static_cast<int64_t>(stalls.size()));
    out.set_active_couriers(static_cast<int64_t>(couriers.size()));
    auto stats = [](std::vector<int64_t>& values, v1::DurationStats* s) {
      s->set_count(static_cast<int64_t>(values.size()));
      s->set_median_ms(Median(values));
      s->set_p90_ms(P90(values));
    };
    stats(response_ms, out.mutable_trader_response());
    stats(delivery_ms, out.mutable_delivery_time());
    out.set_tickets_expired(expired);
    out.set_orders_delivery_failed(failed);
    out.set_failure_fees_idr(failure_fees);
    out.set_orders_returned(returned);
    out.set_tickets_at_market_office(at_office);
    out.set_goods_at_market_office_idr(office_goods);
    return out;
  }
};

// Rows sort by period, kecamatan, market name and id (the empty parts of coarser levels).
using RowKey = std::tuple<std::string, std::string, std::string, std::string>;

}  // namespace

Markets::Markets(const std::vector<MarketInfo>& markets, absl::TimeZone default_zone)
    : all_(markets), default_zone_(default_zone) {}

const MarketInfo& Markets::Of(const std::string& market_id) const {
  for (const MarketInfo& m : all_) {
    if (m.id == market_id) return m;
  }
  for (const MarketInfo& m : stand_ins_) {
    if (m.id == market_id) return m;
  }
  stand_ins_.push_back(MarketInfo{market_id, market_id, "", "", default_zone_});
  return stand_ins_.back();
}

v1::GetReportResponse ComputeReport(const ReportQuery& query, const Markets& markets,
                                    const std::vector<OrderRecord>& orders) {
  std::map<RowKey, Acc> rows;
  Acc total;
  for (const OrderRecord& order : orders) {
    if (order.market_id.empty()) continue;
    if (!query.market_id.empty() && order.market_id != query.market_id) continue;
    const MarketInfo& market = markets.Of(order.market_id);
    if (!query.kecamatan.empty() && market.kecamatan != query.kecamatan) continue;
    for (const Fact& f : order.facts) {
      const absl::CivilDay day = LocalDay(f.at, market.zone);
      if (!query.range.Contains(day)) continue;
      const std::string period =
          query.period == v1::REPORT_PERIOD_MONTH ? FormatMonth(day) : FormatDate(day);
      RowKey key{period, "", "", ""};
      if (query.level != v1::REPORT_LEVEL_REGENCY) std::get<1>(key) = market.kecamatan;
      if (query.level == v1::REPORT_LEVEL_MARKET) {
        std::get<2>(key) = market.name;
        std::get<3>(key) = market.id;
      }
      rows[key].Apply(f, order.placed_at);
      total.Apply(f, order.placed_at);
    }
  }
  v1::GetReportResponse out;
  for (auto& [key, acc] : rows) {
    v1::ReportRow* row = out.add_rows();
    row->set_period(std::get<0>(key));
    if (query.level != v1::REPORT_LEVEL_REGENCY) row->set_kecamatan(std::get<1>(key));
    if (query.level == v1::REPORT_LEVEL_MARKET) {
      const MarketInfo& market = markets.Of(std::get<3>(key));
      row->set_market_id(market.id);
      row->set_market_name(market.name);
      row->set_village(market.village);
    }
    *row->mutable_figures() = acc.Figures();
  }
  *out.mutable_total() = total.Figures();
  return out;
}

}  // namespace pasar::reporting
