// Validation of every inventory request, field by field, before anything is read or written.
// Each returns OK or INVALID_ARGUMENT "<field path>: why" for the first bad field. Pure (uses the
// contract's message types, no I/O). Limits are those documented in inventory.proto.
#pragma once

#include "absl/status/status.h"
#include "pasar/inventory/v1/inventory.pb.h"

namespace pasar::inventory {

namespace pb = ::pasar::inventory::v1;

// page_size >= 0 (0 = default, > 100 = 100); the token is checked when decoded.
absl::Status ValidatePageSize(int page_size);
int EffectivePageSize(int page_size);

absl::Status Validate(const pb::ListMarketsRequest& r);
absl::Status Validate(const pb::GetMarketRequest& r);
absl::Status Validate(const pb::ListStallsRequest& r);
absl::Status Validate(const pb::GetStallRequest& r);
absl::Status Validate(const pb::ListProductsRequest& r);
absl::Status Validate(const pb::GetProductRequest& r);
absl::Status Validate(const pb::BatchGetProductsRequest& r);

absl::Status Validate(const pb::UpdateStallRequest& r);
absl::Status Validate(const pb::CreateProductRequest& r);
absl::Status Validate(const pb::UpdateProductRequest& r);
absl::Status Validate(const pb::AdjustStockRequest& r);
absl::Status Validate(const pb::SetStockRequest& r);

absl::Status Validate(const pb::CreateMarketRequest& r);
absl::Status Validate(const pb::UpdateMarketRequest& r);
absl::Status Validate(const pb::CreateStallRequest& r);

absl::Status Validate(const pb::ReserveStockRequest& r);
absl::Status Validate(const pb::CommitReservationRequest& r);
absl::Status Validate(const pb::ReleaseReservationRequest& r);
absl::Status Validate(const pb::GetReservationRequest& r);

// The market of a CreateMarket request with the documented defaults filled in (time zone
// Asia/Jakarta, road factor 1300, trader timeout 300 s, dispatch timeout 900 s) and output-only
// fields cleared.
pb::Market WithDefaults(pb::Market market);
// `market` with the fields present in `r` replaced.
pb::Market ApplyUpdate(pb::Market market, const pb::UpdateMarketRequest& r);

}  // namespace pasar::inventory
