// A trader's changes to their own stall and its products (the stall id must be in the token; a
// stall or product of another answers NOT_FOUND exactly like a missing one). Each is idempotent
// on its request id: one transaction with its idempotency record.
#pragma once

#include "absl/status/status.h"
#include "pasar/auth/auth.h"
#include "pasar/inventory/v1/inventory.pb.h"
#include "store/store.h"

namespace pasar::inventory {

class StallOperations final {
 public:
  explicit StallOperations(Store& store) : store_(store) {}

  absl::Status UpdateStall(const auth::Principal& who, const pb::UpdateStallRequest& req,
                           pb::UpdateStallResponse* resp);
  absl::Status CreateProduct(const auth::Principal& who, const pb::CreateProductRequest& req,
                             pb::CreateProductResponse* resp);
  absl::Status UpdateProduct(const auth::Principal& who, const pb::UpdateProductRequest& req,
                             pb::UpdateProductResponse* resp);
  absl::Status AdjustStock(const auth::Principal& who, const pb::AdjustStockRequest& req,
                           pb::AdjustStockResponse* resp);
  absl::Status SetStock(const auth::Principal& who, const pb::SetStockRequest& req,
                        pb::SetStockResponse* resp);

 private:
  // OK when the product exists and belongs to one of the caller's stalls, NOT_FOUND otherwise.
  absl::Status OwnProduct(const auth::Principal& who, const std::string& id);

  Store& store_;
};

}  // namespace pasar::inventory
