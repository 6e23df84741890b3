// pasar.order.v1.OrderService: customers' carts and orders (operators may read every order).
#pragma once

#include <functional>

#include "api/compensation.h"
#include "api/inventory_client.h"
#include "api/live.h"
#include "api/settings.h"
#include "domain/pricing.h"
#include "pasar/auth/auth.h"
#include "pasar/order/v1/order.grpc.pb.h"
#include "pasar/pg/pg.h"

namespace pasar::order {

class OrderApi final : public v1::OrderService::Service {
 public:
  // `shutting_down` is polled by WatchOrder (rpc::Host::shutting_down).
  OrderApi(pg::Pool& pool, InventoryClient& inventory, const auth::Verifier& verifier,
           LiveHub& live, const Settings& settings, std::function<bool()> shutting_down);

  grpc::Status QuoteOrder(grpc::ServerContext* ctx, const v1::QuoteOrderRequest* req,
                          v1::QuoteOrderResponse* resp) override;
  grpc::Status PlaceOrder(grpc::ServerContext* ctx, const v1::PlaceOrderRequest* req,
                          v1::PlaceOrderResponse* resp) override;
  grpc::Status GetOrder(grpc::ServerContext* ctx, const v1::GetOrderRequest* req,
                        v1::GetOrderResponse* resp) override;
  grpc::Status ListOrders(grpc::ServerContext* ctx, const v1::ListOrdersRequest* req,
                          v1::ListOrdersResponse* resp) override;
  grpc::Status CancelOrder(grpc::ServerContext* ctx, const v1::CancelOrderRequest* req,
                           v1::CancelOrderResponse* resp) override;
  grpc::Status WatchOrder(grpc::ServerContext* ctx, const v1::WatchOrderRequest* req,
                          grpc::ServerWriter<v1::WatchOrderResponse>* writer) override;

 private:
  grpc::Status Place(grpc::ServerContext* ctx, const auth::Principal& who,
                     const v1::PlaceOrderRequest& req, v1::PlaceOrderResponse* resp);
  // The market of a cart, checked open, and the delivery pricing to the drop-off.
  grpc::Status MarketAndDelivery(grpc::ServerContext* ctx, const std::string& market_id,
                                 const pasar::common::v1::LatLng& drop_off, inv::Market* market,
                                 domain::FeeScheme* scheme, int64_t* distance_m,
                                 int64_t* delivery_fee_idr);
  grpc::Status Reserve(grpc::ServerContext* ctx, const std::string& order_id, int attempt,
                       const v1::PlaceOrderRequest& req, absl::Duration ttl, inv::Reservation* out);
  // Settles the hold a ReserveStock call whose outcome is unknown may have made: at once if
  // inventory answers a replay, otherwise through a persisted compensation.
  void ReleaseUnknownHold(const inv::ReserveStockRequest& request);
  InventoryClient::Deadline InventoryDeadline(grpc::ServerContext* ctx) const;

  pg::Pool& pool_;
  InventoryClient& inventory_;
  const auth::Verifier& verifier_;
  LiveHub& live_;
  const Settings& settings_;
  HoldReleaser holds_;
  std::function<bool()> shutting_down_;
};

// Checks a cart as QuoteOrder and PlaceOrder take it (field paths in the messages).
grpc::Status ValidateCart(const std::string& market_id,
                          const google::protobuf::RepeatedPtrField<v1::CartLine>& lines,
                          const pasar::common::v1::LatLng* drop_off, bool has_drop_off);

// The market's fee scheme (inventory proto) as the domain prices it.
domain::FeeScheme FeeSchemeOf(const inv::Market& market);

}  // namespace pasar::order
