// The reporting service's use cases: each validates its request into a domain query, reads what
// it needs from the store, and has the pure domain compute the answer. SetReferencePrice is the
// only write (one transaction with its idempotency record).
#pragma once

#include <string>

#include "absl/status/statusor.h"
#include "app/settings.h"
#include "pasar/auth/auth.h"
#include "pasar/reporting/v1/reporting.pb.h"
#include "store/catalog_store.h"
#include "store/idempotency_store.h"
#include "store/order_store.h"
#include "store/reference_store.h"

namespace pasar::reporting {

class Reports final {
 public:
  Reports(pg::Pool& pool, OrderStore& orders, CatalogStore& catalog, ReferenceStore& references,
          const Settings& settings);

  v1::GetStaplesResponse Staples() const;
  absl::StatusOr<v1::GetReportResponse> Report(const v1::GetReportRequest& request);
  absl::StatusOr<v1::GetPipelineResponse> Pipeline(const v1::GetPipelineRequest& request,
                                                   absl::Time now);
  absl::StatusOr<v1::GetStaplePricesResponse> Prices(const v1::GetStaplePricesRequest& request);
  absl::StatusOr<v1::GetPriceExportResponse> Export(const v1::GetPriceExportRequest& request);
  v1::GetReferencePricesResponse References();
  absl::StatusOr<v1::SetReferencePriceResponse> SetReference(
      const auth::Principal& who, const v1::SetReferencePriceRequest& request);

 private:
  IdempotencyStore idempotency_;
  OrderStore& orders_;
  CatalogStore& catalog_;
  ReferenceStore& references_;
  const Settings settings_;
  absl::TimeZone default_zone_;
};

}  // namespace pasar::reporting
