// Validation of the reporting service's requests into the domain's queries: OK, or
// INVALID_ARGUMENT whose message starts with the field. Pure.
#pragma once

#include "absl/status/statusor.h"
#include "domain/prices.h"
#include "domain/report.h"
#include "pasar/reporting/v1/reporting.pb.h"

namespace pasar::reporting {

inline constexpr size_t kMaxKecamatanChars = 100;
inline constexpr int64_t kMaxPriceIdr = 100'000'000;

absl::StatusOr<ReportQuery> Validate(const v1::GetReportRequest& r);
absl::Status Validate(const v1::GetPipelineRequest& r);
absl::StatusOr<PriceQuery> Validate(const v1::GetStaplePricesRequest& r);
absl::StatusOr<PriceQuery> Validate(const v1::GetPriceExportRequest& r);
absl::StatusOr<Reference> Validate(const v1::SetReferencePriceRequest& r);

}  // namespace pasar::reporting
