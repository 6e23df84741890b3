// The use cases of a customer's cart: QuoteOrder (price it, hold nothing) and PlaceOrder (hold
// the stock in inventory, then create the order with its tickets and events in one transaction).
// Called by the OrderService adapter after it validated the request; returns absl::Status
// (refusals carry their reason, pasar/request/status.h).
#pragma once

#include <chrono>
#include <string>

#include "absl/status/status.h"
#include "app/compensation.h"
#include "app/settings.h"
#include "clients/inventory_client.h"
#include "domain/placement.h"
#include "domain/pricing.h"
#include "pasar/auth/auth.h"
#include "pasar/order/v1/order.pb.h"
#include "pasar/pg/pg.h"

namespace pasar::order {

class Placement final {
 public:
  // The customer's deadline (rpc::EffectiveDeadline of the call): each call to inventory is
  // bounded by it and by Settings::inventory_deadline.
  using Deadline = std::chrono::system_clock::time_point;

  Placement(pg::Pool& pool, InventoryClient& inventory, const Settings& settings);

  // Prices `req` against the catalog as it is now: the market open and in range, every product
  // available in the market with enough stock, every stall open (refusals MARKET_CLOSED,
  // OUT_OF_RANGE, PRODUCT_UNAVAILABLE, MIXED_MARKETS, INSUFFICIENT_STOCK, STALL_CLOSED).
  // The regency's programmes say what the cart would get for `customer` (app/programmes.h).
  absl::Status Quote(const std::string& customer, const v1::QuoteOrderRequest& req,
                     Deadline deadline, v1::QuoteOrderResponse* resp);

  // Places `req` for `who` (a customer): the order id is derived from the customer and the
  // request id (app/ids.h), so a retry finds the same order; the stock is reserved in inventory
  // under an idempotency key of the attempt, and a hold that no order ends up using is released
  // (HoldReleaser) or persisted for the compensation worker.
  absl::Status Place(const auth::Principal& who, const v1::PlaceOrderRequest& req,
                     Deadline deadline, v1::PlaceOrderResponse* resp);

 private:
  struct Delivery {
    inv::Market market;
    domain::FeeScheme scheme;
    int64_t distance_m = 0;
    int64_t fee_idr = 0;
  };
  // The market of a cart, checked open, and the delivery pricing to the drop-off.
  absl::Status MarketAndDelivery(const std::string& market_id,
                                 const pasar::common::v1::LatLng& drop_off, Deadline deadline,
                                 Delivery* out);
  absl::Status Reserve(const std::string& order_id, int attempt, const v1::PlaceOrderRequest& req,
                       absl::Duration ttl, Deadline deadline, inv::Reservation* out);
  // Settles the hold a ReserveStock call whose outcome is unknown may have made: at once if
  // inventory answers a replay, otherwise through a persisted compensation.
  void ReleaseUnknownHold(const inv::ReserveStockRequest& request);
  // After a failure once the stock was held: the hold goes back unless the order was committed
  // after all (a commit whose outcome was unknown) or a duplicate placed its order on it.
  void Compensate(pg::Transaction& tx, const std::string& order_id, const std::string& customer,
                  const std::string& request_id, const std::string& reservation_id);
  InventoryClient::Deadline InventoryDeadline(Deadline customer) const;
  // Holds a programme's benefit for the new order `o` in its transaction (app/programmes.h).
  // When none applies and the customer asked for one (require_benefit): the transaction is
  // rolled back but for the attempt count, the stock hold released, FAILED_PRECONDITION
  // NO_BENEFIT.
  absl::Status HoldBenefit(pg::Transaction& tx, const std::string& customer,
                           const v1::PlaceOrderRequest& req, domain::Order& o,
                           v1::PlaceOrderResponse* resp);
  struct Timeouts {
    domain::PlacementDeadlines placement;  // the traders' and the stock hold's
    absl::Duration dispatch;               // passed on in OrderConfirmed
  };
  // The market's own timeouts, unless the settings override them.
  static Timeouts TimeoutsOf(const inv::Market& market, const Settings& settings);
  static domain::NewOrder FactsOf(const std::string& order_id, const std::string& customer,
                                  const v1::PlaceOrderRequest& req, const Delivery& delivery,
                                  const inv::Reservation& reservation, const Timeouts& timeouts,
                                  absl::Time now);

  pg::Pool& pool_;
  InventoryClient& inventory_;
  const Settings& settings_;
  HoldReleaser holds_;
};

// The market's fee scheme (inventory proto) as the domain prices it.
domain::FeeScheme FeeSchemeOf(const inv::Market& market);

}  // namespace pasar::order
