// An operator's administration of markets and stalls. Each is idempotent on its request id.
#pragma once

#include "absl/status/status.h"
#include "pasar/auth/auth.h"
#include "pasar/inventory/v1/inventory.pb.h"
#include "store/store.h"

namespace pasar::inventory {

class MarketAdministration final {
 public:
  explicit MarketAdministration(Store& store) : store_(store) {}

  absl::Status CreateMarket(const auth::Principal& who, const pb::CreateMarketRequest& req,
                            pb::CreateMarketResponse* resp);
  absl::Status UpdateMarket(const auth::Principal& who, const pb::UpdateMarketRequest& req,
                            pb::UpdateMarketResponse* resp);
  // A new stall of an existing market, closed until its trader opens it.
  absl::Status CreateStall(const auth::Principal& who, const pb::CreateStallRequest& req,
                           pb::CreateStallResponse* resp);

 private:
  Store& store_;
};

}  // namespace pasar::inventory
