#include "app/reports.h"

#include <algorithm>

#include <google/protobuf/util/time_util.h>

#include "domain/pipeline.h"
#include "domain/prices.h"
#include "domain/requests.h"
#include "domain/staples.h"
#include "pasar/request/idempotency.h"

namespace pasar::reporting {
namespace {

google::protobuf::Timestamp Stamp(absl::Time t) {
  return google::protobuf::util::TimeUtil::MicrosecondsToTimestamp(absl::ToUnixMicros(t));
}

// The instants covering the local days [from, to] of every market (and the default zone).
std::pair<absl::Time, absl::Time> Window(absl::CivilDay from, absl::CivilDay to,
                                         const std::vector<MarketInfo>& markets,
                                         absl::TimeZone default_zone) {
  absl::Time start = StartOf(from, default_zone);
  absl::Time end = StartOf(to + 1, default_zone);
  for (const MarketInfo& m : markets) {
    start = std::min(start, StartOf(from, m.zone));
    end = std::max(end, StartOf(to + 1, m.zone));
  }
  return {start, end};
}

std::vector<std::string> Only(const std::string& market_id) {
  if (market_id.empty()) return {};
  return {market_id};
}

}  // namespace

Reports::Reports(pg::Pool& pool, OrderStore& orders, CatalogStore& catalog,
                 ReferenceStore& references, const Settings& settings)
    : idempotency_(pool),
      orders_(orders),
      catalog_(catalog),
      references_(references),
      settings_(settings) {
  if (!absl::LoadTimeZone(settings_.default_time_zone, &default_zone_)) {
    default_zone_ = absl::UTCTimeZone();
  }
}

v1::GetStaplesResponse Reports::Staples() const {
  v1::GetStaplesResponse out;
  for (const StapleInfo& s : reporting::Staples()) {
    v1::Staple* staple = out.add_staples();
    staple->set_commodity(s.commodity);
    staple->set_code(std::string(s.code));
    staple->set_name(std::string(s.name));
    staple->set_standard_unit(std::string(s.unit));
  }
  return out;
}

absl::StatusOr<v1::GetReportResponse> Reports::Report(const v1::GetReportRequest& request) {
  absl::StatusOr<ReportQuery> query = Validate(request);
  if (!query.ok()) return query.status();
  const absl::Time now = absl::Now();
  const Markets markets(catalog_.Markets(default_zone_), default_zone_);
  const auto [from, to] = Window(query->range.from, query->range.to, markets.all(), default_zone_);
  const std::vector<OrderRecord> orders = orders_.Load(Only(query->market_id), from, to);
  v1::GetReportResponse out = ComputeReport(*query, markets, orders);
  *out.mutable_as_of() = Stamp(now);
  return out;
}

absl::StatusOr<v1::GetPipelineResponse> Reports::Pipeline(const v1::GetPipelineRequest& request,
                                                          absl::Time now) {
  if (absl::Status s = Validate(request); !s.ok()) return s;
  const Markets markets(catalog_.Markets(default_zone_), default_zone_);
  // Today's orders and the ones still open from the day before (a job may run past midnight).
  const absl::CivilDay today = LocalDay(now, default_zone_);
  const auto [from, to] = Window(today - 1, today, markets.all(), default_zone_);
  const std::vector<OrderRecord> orders = orders_.Load(Only(request.market_id()), from, to);
  v1::GetPipelineResponse out =
      ComputePipeline(now, request.market_id(), markets, catalog_.Stalls(), orders);
  *out.mutable_as_of() = Stamp(now);
  return out;
}

absl::StatusOr<v1::GetStaplePricesResponse> Reports::Prices(
    const v1::GetStaplePricesRequest& request) {
  absl::StatusOr<PriceQuery> query = Validate(request);
  if (!query.ok()) return query.status();
  const absl::Time now = absl::Now();
  const Markets markets(catalog_.Markets(default_zone_), default_zone_);
  // From the day before the range: the change against the previous day.
  const auto [from, to] =
      Window(query->range.from - 1, query->range.to, markets.all(), default_zone_);
  const std::vector<OrderRecord> orders = orders_.Load(Only(query->market_id), from, to);
  v1::GetStaplePricesResponse out;
  for (v1::StaplePrice& p :
       ComputePrices(*query, markets, orders, catalog_.Products(Only(query->market_id)),
                     ToReferences(references_.All()))) {
    *out.add_prices() = std::move(p);
  }
  *out.mutable_as_of() = Stamp(now);
  return out;
}

absl::StatusOr<v1::GetPriceExportResponse> Reports::Export(
    const v1::GetPriceExportRequest& request) {
  absl::StatusOr<PriceQuery> query = Validate(request);
  if (!query.ok()) return query.status();
  v1::GetStaplePricesRequest prices;
  prices.set_from_date(request.from_date());
  prices.set_to_date(request.to_date());
  prices.set_market_id(request.market_id());
  absl::StatusOr<v1::GetStaplePricesResponse> rows = Prices(prices);
  if (!rows.ok()) return rows.status();
  const Markets markets(catalog_.Markets(default_zone_), default_zone_);
  const std::vector<v1::StaplePrice> list(rows->prices().begin(), rows->prices().end());
  v1::GetPriceExportResponse out;
  out.set_csv(PriceCsv(list, markets, settings_.regency));
  out.set_file_name("harga-pokok_" + request.from_date() + "_" + request.to_date() + ".csv");
  out.set_rows(static_cast<int64_t>(list.size()));
  return out;
}

v1::GetReferencePricesResponse Reports::References() {
  v1::GetReferencePricesResponse out;
  for (v1::ReferencePrice& p : references_.All())
    *out.add_reference_prices() = std::move(p);
  return out;
}

absl::StatusOr<v1::SetReferencePriceResponse> Reports::SetReference(
    const auth::Principal& who, const v1::SetReferencePriceRequest& request) {
  absl::StatusOr<Reference> reference = Validate(request);
  if (!reference.ok()) return reference.status();
  absl::StatusOr<std::string> bytes = idempotency_.Run(
      who.subject, "SetReferencePrice", request.request_id(), request::Fingerprint(request),
      [&](pg::Transaction& tx) -> absl::StatusOr<std::string> {
        v1::SetReferencePriceResponse out;
        *out.mutable_reference_price() = references_.Save(tx, *reference, who.subject);
        return out.SerializeAsString();
      });
  if (!bytes.ok()) return bytes.status();
  v1::SetReferencePriceResponse out;
  if (!out.ParseFromString(*bytes)) return absl::InternalError("stored response unreadable");
  return out;
}

}  // namespace pasar::reporting
