// The stock holds of the order service (role service): reserve every line or nothing, commit
// the final quantities, release, read. Each mutation is idempotent on its request id.
#pragma once

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "metrics.h"
#include "pasar/auth/auth.h"
#include "pasar/inventory/v1/inventory.pb.h"
#include "store/store.h"

namespace pasar::inventory {

class StockHolds final {
 public:
  // `default_ttl`: how long a reservation is held when the request leaves ttl_seconds at 0.
  // `metrics` (may be null) counts ReserveStock outcomes.
  StockHolds(Store& store, absl::Duration default_ttl, InventoryMetrics* metrics = nullptr)
      : store_(store), default_ttl_(default_ttl), metrics_(metrics) {}
  void set_metrics(InventoryMetrics* metrics) { metrics_ = metrics; }

  // A replay answers the reservation as it is now (released, expired, committed), not the HELD
  // stored at the first call.
  absl::Status Reserve(const auth::Principal& who, const pb::ReserveStockRequest& req,
                       pb::ReserveStockResponse* resp);
  absl::Status Commit(const auth::Principal& who, const pb::CommitReservationRequest& req,
                      pb::CommitReservationResponse* resp);
  absl::Status Release(const auth::Principal& who, const pb::ReleaseReservationRequest& req,
                       pb::ReleaseReservationResponse* resp);
  absl::Status Get(const std::string& reservation_id, pb::Reservation* out);

 private:
  Store& store_;
  absl::Duration default_ttl_;
  InventoryMetrics* metrics_;
};

}  // namespace pasar::inventory
