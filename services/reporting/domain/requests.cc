#include "domain/requests.h"

#include <google/protobuf/descriptor.h>

#include <string>
#include <string_view>

#include "pasar/request/fields.h"

namespace pasar::reporting {

using request::CheckOptionalText;
using request::FirstError;

namespace {

// An optional UUID: empty, or as request::CheckUuid.
absl::Status CheckOptionalUuid(std::string_view field, std::string_view value) {
  return value.empty() ? absl::OkStatus() : request::CheckUuid(field, value);
}

// A value of the protobuf enum `type`: one it defines ("unknown value N" otherwise), and, when
// `required`, not its zero value ("is required").
absl::Status CheckEnum(std::string_view field, int value,
                       const google::protobuf::EnumDescriptor* type, bool required) {
  if (type->FindValueByNumber(value) == nullptr) {
    return request::Invalid(field, "unknown value " + std::to_string(value));
  }
  if (required && value == 0) return request::Invalid(field, "is required");
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<ReportQuery> Validate(const v1::GetReportRequest& r) {
  if (absl::Status s =
          FirstError({CheckEnum("level", r.level(), v1::ReportLevel_descriptor(), true),
                      CheckEnum("period", r.period(), v1::ReportPeriod_descriptor(), true)});
      !s.ok()) {
    return s;
  }
  absl::StatusOr<DateRange> range = ParseRange("from_date", r.from_date(), "to_date", r.to_date());
  if (!range.ok()) return range.status();
  if (absl::Status s =
          FirstError({CheckOptionalUuid("market_id", r.market_id()),
                      CheckOptionalText("kecamatan", r.kecamatan(), kMaxKecamatanChars)});
      !s.ok()) {
    return s;
  }
  return ReportQuery{r.level(), r.period(), *range, r.market_id(), r.kecamatan()};
}

absl::Status Validate(const v1::GetPipelineRequest& r) {
  return CheckOptionalUuid("market_id", r.market_id());
}

absl::StatusOr<PriceQuery> Validate(const v1::GetStaplePricesRequest& r) {
  absl::StatusOr<DateRange> range = ParseRange("from_date", r.from_date(), "to_date", r.to_date());
  if (!range.ok()) return range.status();
  if (absl::Status s = FirstError(
          {CheckOptionalUuid("market_id", r.market_id()),
           CheckEnum("commodity", r.commodity(), common::v1::Commodity_descriptor(), false)});
      !s.ok()) {
    return s;
  }
  return PriceQuery{*range, r.market_id(), r.commodity()};
}

absl::StatusOr<PriceQuery> Validate(const v1::GetPriceExportRequest& r) {
  absl::StatusOr<DateRange> range = ParseRange("from_date", r.from_date(), "to_date", r.to_date());
  if (!range.ok()) return range.status();
  if (absl::Status s = CheckOptionalUuid("market_id", r.market_id()); !s.ok()) return s;
  return PriceQuery{*range, r.market_id(), 0};
}

absl::StatusOr<Reference> Validate(const v1::SetReferencePriceRequest& r) {
  if (absl::Status s = FirstError(
          {request::CheckRequestId(r.request_id()),
           CheckEnum("commodity", r.commodity(), common::v1::Commodity_descriptor(), true),
           CheckOptionalUuid("market_id", r.market_id()),
           request::CheckRange("price_idr", r.price_idr(), 1, kMaxPriceIdr),
           request::CheckRange("band_percent", r.band_percent(), 1, 100)});
      !s.ok()) {
    return s;
  }
  return Reference{r.commodity(), r.market_id(), r.price_idr(), r.band_percent()};
}

}  // namespace pasar::reporting
