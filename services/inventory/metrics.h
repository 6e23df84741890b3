// Inventory's own Prometheus metrics, registered in the Host's registry (served on
// PASAR_METRICS_LISTEN next to the per-RPC metrics of libs/rpc).
#pragma once

#include <cstdint>
#include <string>

#include <prometheus/counter.h>
#include <prometheus/family.h>
#include <prometheus/registry.h>

#include "absl/status/status.h"

namespace pasar::inventory {

class InventoryMetrics final {
 public:
  explicit InventoryMetrics(prometheus::Registry& registry);
  InventoryMetrics(const InventoryMetrics&) = delete;
  InventoryMetrics& operator=(const InventoryMetrics&) = delete;

  // One reservation attempt decided by the store (replays answered from the idempotency record
  // are not attempts): outcome "held", the refusal reason in lower case ("insufficient_stock",
  // "market_closed", …), or "not_found" / "error".
  void CountReservation(const absl::Status& status);
  // Reservations released by the sweeper because they were not committed in time.
  void CountExpired(int64_t reservations);

  // The current value of a reservations_total series (0 when never counted), and of the
  // expirations.
  double Reservations(const std::string& outcome);
  double Expired() const { return expired_.Value(); }

 private:
  prometheus::Family<prometheus::Counter>& reservations_;
  prometheus::Counter& expired_;
};

}  // namespace pasar::inventory
