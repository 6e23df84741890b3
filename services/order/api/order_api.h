// pasar.order.v1.OrderService: the gRPC adapter of customers' carts and orders (operators read
// every order). Decode and check the request, call the use case (app/), encode the answer; who
// may call which method is api/access.cc's table, applied by rpc::Serve.
#pragma once

#include <functional>

#include "app/orders.h"
#include "app/place_order.h"
#include "app/settings.h"
#include "pasar/events/live.h"
#include "pasar/order/v1/order.grpc.pb.h"

namespace pasar::order {

class OrderApi final : public v1::OrderService::Service {
 public:
  OrderApi(Placement& placement, Orders& orders, events::LiveHub& live, const Settings& settings)
      : placement_(placement), orders_(orders), live_(live), settings_(settings) {}

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
  Placement& placement_;
  Orders& orders_;
  events::LiveHub& live_;
  const Settings& settings_;
};

// Checks a cart as QuoteOrder and PlaceOrder take it (field paths in the messages).
absl::Status ValidateCart(const std::string& market_id,
                          const google::protobuf::RepeatedPtrField<v1::CartLine>& lines,
                          const pasar::common::v1::LatLng* drop_off, bool has_drop_off);

}  // namespace pasar::order
