#include "domain/prices.h"

#include <algorithm>
#include <tuple>

#include "domain/staples.h"
#include "domain/stats.h"

namespace pasar::reporting {
namespace {

// The listing in force at `t`: the latest version from before it, or (clocks of two services
// may disagree by a little) the earliest one.
const ProductVersion* VersionAt(const ProductVersions& products, const std::string& product_id,
                                absl::Time t) {
  const auto it = products.find(product_id);
  if (it == products.end() || it->second.empty()) return nullptr;
  const ProductVersion* best = nullptr;
  const ProductVersion* earliest = nullptr;
  for (const ProductVersion& v : it->second) {
    if (earliest == nullptr || v.valid_from < earliest->valid_from) earliest = &v;
    if (v.valid_from <= t && (best == nullptr || v.valid_from > best->valid_from)) best = &v;
  }
  return best != nullptr ? best : earliest;
}

struct Sales {
  std::vector<int64_t> listed, paid;
};

// (day, kecamatan, market name, market id, commodity)
using PriceKey = std::tuple<absl::CivilDay, std::string, std::string, std::string, int>;

const Reference* ReferenceFor(const std::vector<Reference>& references, int commodity,
                              const std::string& market_id) {
  const Reference* general = nullptr;
  for (const Reference& r : references) {
    if (r.commodity != commodity) continue;
    if (r.market_id == market_id) return &r;
    if (r.market_id.empty()) general = &r;
  }
  return general;
}

std::string CsvField(const std::string& value) {
  if (value.find_first_of(",\"\r\n") == std::string::npos) return value;
  std::string out = "\"";
  for (char c : value) {
    if (c == '"') out += '"';
    out += c;
  }
  return out + "\"";
}

}  // namespace

int64_t PerStandardUnit(int64_t amount_idr, int64_t quantity, int64_t milli) {
  return DivRoundHalfUp(static_cast<__int128>(amount_idr) * 1000,
                        static_cast<__int128>(quantity) * milli);
}

v1::PriceAlert AlertOf(int64_t median_idr, const Reference& reference) {
  const __int128 scaled = static_cast<__int128>(median_idr) * 100;
  if (scaled > static_cast<__int128>(reference.price_idr) * (100 + reference.band_percent)) {
    return v1::PRICE_ALERT_ABOVE_BAND;
  }
  if (scaled < static_cast<__int128>(reference.price_idr) * (100 - reference.band_percent)) {
    return v1::PRICE_ALERT_BELOW_BAND;
  }
  return v1::PRICE_ALERT_WITHIN_BAND;
}

std::vector<v1::StaplePrice> ComputePrices(const PriceQuery& query, const Markets& markets,
                                           const std::vector<OrderRecord>& orders,
                                           const ProductVersions& products,
                                           const std::vector<Reference>& references) {
  const DateRange wide{query.range.from - 1, query.range.to};  // the day before: the change
  std::map<PriceKey, Sales> sales;
  for (const OrderRecord& order : orders) {
    if (order.market_id.empty() || !order.placed_at) continue;
    if (!query.market_id.empty() && order.market_id != query.market_id) continue;
    const MarketInfo& market = markets.Of(order.market_id);
    for (const Line& line : order.lines) {
      if (!line.decided || !line.accepted || line.final_quantity <= 0 || !line.price_idr) continue;
      const Fact* pickup = nullptr;
      for (const Fact& f : order.facts) {
        if (f.kind == FactKind::kPickedUp && f.ticket_id == line.ticket_id) pickup = &f;
      }
      if (pickup == nullptr) continue;  // not paid for (yet)
      const absl::CivilDay day = LocalDay(pickup->at, market.zone);
      if (!wide.Contains(day)) continue;
      const ProductVersion* v = VersionAt(products, line.product_id, *order.placed_at);
      if (v == nullptr || FindStaple(v->commodity) == nullptr || v->standard_unit_milli <= 0) {
        continue;
      }
      if (query.commodity != 0 && v->commodity != query.commodity) continue;
      Sales& s = sales[{day, market.kecamatan, market.name, market.id, v->commodity}];
      s.listed.push_back(PerStandardUnit(*line.price_idr, 1, v->standard_unit_milli));
      s.paid.push_back(
          PerStandardUnit(line.line_total_idr, line.final_quantity, v->standard_unit_milli));
    }
  }

  std::vector<v1::StaplePrice> out;
  for (auto& [key, s] : sales) {
    const auto& [day, kecamatan, market_name, market_id, commodity] = key;
    if (!query.range.Contains(day)) continue;
    const StapleInfo* staple = FindStaple(commodity);
    v1::StaplePrice p;
    p.set_date(FormatDate(day));
    p.set_market_id(market_id);
    p.set_market_name(market_name);
    p.set_kecamatan(kecamatan);
    p.set_commodity(staple->commodity);
    p.set_commodity_name(std::string(staple->name));
    p.set_standard_unit(std::string(staple->unit));
    p.set_listed_median_idr(Median(s.listed));
    std::sort(s.paid.begin(), s.paid.end());
    p.set_paid_min_idr(s.paid.front());
    p.set_paid_max_idr(s.paid.back());
    p.set_paid_median_idr(Median(s.paid));
    p.set_sales(static_cast<int64_t>(s.paid.size()));
    const auto previous = sales.find({day - 1, kecamatan, market_name, market_id, commodity});
    if (previous != sales.end()) {
      const int64_t before = Median(previous->second.paid);
      p.set_has_previous(true);
      p.set_previous_median_idr(before);
      p.set_change_idr(p.paid_median_idr() - before);
      if (before > 0) {
        p.set_change_permille(
            DivRoundHalfAway(static_cast<__int128>(p.change_idr()) * 1000, before));
      }
    }
    if (const Reference* r = ReferenceFor(references, commodity, market_id)) {
      p.set_reference_price_idr(r->price_idr);
      p.set_band_percent(r->band_percent);
      p.set_alert(AlertOf(p.paid_median_idr(), *r));
    }
    out.push_back(std::move(p));
  }
  return out;
}

std::string PriceCsv(const std::vector<v1::StaplePrice>& prices, const Markets& markets,
                     const std::string& regency) {
  std::string csv =
      "tanggal,kabupaten,kecamatan,desa,pasar,komoditas,kode_komoditas,satuan,harga_rp,"
      "harga_terendah_rp,harga_tertinggi_rp,jumlah_transaksi,harga_tayang_rp\r\n";
  for (const v1::StaplePrice& p : prices) {
    const MarketInfo& market = markets.Of(p.market_id());
    const StapleInfo* staple = FindStaple(p.commodity());
    const std::string fields[] = {p.date(),
                                  regency,
                                  p.kecamatan(),
                                  market.village,
                                  p.market_name(),
                                  p.commodity_name(),
                                  std::string(staple != nullptr ? staple->code : ""),
                                  p.standard_unit(),
                                  std::to_string(p.paid_median_idr()),
                                  std::to_string(p.paid_min_idr()),
                                  std::to_string(p.paid_max_idr()),
                                  std::to_string(p.sales()),
                                  std::to_string(p.listed_median_idr())};
    bool first = true;
    for (const std::string& f : fields) {
      if (!first) csv += ',';
      csv += CsvField(f);
      first = false;
    }
    csv += "\r\n";
  }
  return csv;
}

}  // namespace pasar::reporting
