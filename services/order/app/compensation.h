// Undoing stock holds in inventory that no order uses: the one piece of code that replays a
// ReserveStock call whose outcome is unknown and releases what it held. Used by PlaceOrder right
// after the unknown outcome (OrderApi) and by the CompensationWorker, which keeps replaying a
// persisted compensation while inventory stays out of reach.
#pragma once

#include <functional>
#include <string>

#include "absl/time/time.h"
#include "clients/inventory_client.h"

namespace pasar::order {

// The reason given to inventory when releasing the hold of a ReserveStock whose outcome was
// unknown.
inline constexpr char kReserveOutcomeUnknown[] = "order not placed: reserve outcome unknown";

class HoldReleaser final {
 public:
  enum class Outcome {
    kSettled,  // nothing is held under the request any more (or never was, or an order uses it)
    kUnknown,  // inventory could not be reached (again): the hold may still be there
  };
  // Whether an order was placed on this reservation, so it must not be released.
  using InUse = std::function<bool(const std::string& reservation_id)>;

  // Every call to inventory is bounded by `deadline` from its start
  // (PASAR_COMPENSATION_DEADLINE_MS), never by a customer's deadline, which may be what ran out.
  explicit HoldReleaser(InventoryClient& inventory, absl::Duration deadline);

  // Replays `request` under its own request id: inventory answers the reservation the first
  // call made, in its current state, or makes it if the first call never arrived. A HELD answer
  // is released (unless `in_use` says an order holds it); a refusal means nothing is held (a
  // refused request leaves its key unused); any other state needs nothing.
  Outcome ReplayAndRelease(const inv::ReserveStockRequest& request, const std::string& why,
                           const InUse& in_use = nullptr);
  // Releases a reservation (idempotent: released or expired ones answer success). kUnknown when
  // inventory could not be reached; other failures are logged and settled, since asking again
  // would not change the answer (a committed reservation is refused, for one).
  Outcome Release(const std::string& reservation_id, const std::string& why);

 private:
  InventoryClient::Deadline Deadline() const;

  InventoryClient& inventory_;
  absl::Duration deadline_;
};

}  // namespace pasar::order
