// pasar-order with the REAL pasar-inventory binary: a ReserveStock call whose outcome stays
// unknown through PlaceOrder's own replay (inventory out of reach for longer) leaves a persisted
// compensation, and the compensation worker releases the hold once inventory answers again.
// Inventory is made "unreachable" by a lock the test holds on the product rows in inventory's
// database: its ReserveStock waits on it, so every call from the order service times out, and
// goes on to hold the stock once the lock is gone.
#include <catch2/catch.hpp>

#include <optional>

#include "app/ids.h"
#include "e2e.h"
#include "market_fixture.h"
#include "pasar/inventory/v1/inventory.grpc.pb.h"

namespace {

using namespace pasar;
using namespace pasar::order::testing;
using auth::Role;
namespace v1 = pasar::order::v1;
namespace inv = pasar::inventory::v1;

constexpr int64_t kStock = 100;
constexpr int64_t kQuantity = 2;

constexpr pg::Query kLockProduct{"test_lock_product",
                                 "SELECT id FROM products WHERE id = $1 FOR UPDATE"};
constexpr pg::Query kReservationStates{
    "test_reservation_states",
    "SELECT coalesce(string_agg(state, ',' ORDER BY created_at), '') FROM reservations "
    "WHERE order_id = $1"};
constexpr pg::Query kLockCompensations{
    "test_lock_compensations",
    "SELECT request_id, order_id::text FROM reservation_compensations FOR UPDATE"};
constexpr pg::Query kCountCompensations{"test_count_compensations",
                                        "SELECT count(*) FROM reservation_compensations"};

// One market with one open stall selling one counted product (market_fixture.h), and an order
// service that gives up on inventory quickly: 2 s for ReserveStock (after warming up its market
// cache, the only call to inventory in PlaceOrder), 1 s for each compensation call, and a worker
// round every 100 ms.
struct Env {
  testkit::TempDatabase inventory_db;
  testkit::TempDatabase order_db;
  std::string prefix = testkit::UniqueRedisPrefix();
  testkit::ServiceProcess inventory;
  testkit::ServiceProcess order;
  OrderClient client;
  std::shared_ptr<grpc::Channel> inventory_channel;
  std::unique_ptr<inv::CatalogService::Stub> catalog;
  pg::Pool inventory_pool;
  pg::Pool order_pool;
  std::string market_id;
  std::string product_id;

  Env()
      : inventory(testkit::BinaryPath("pasar-inventory"),
                  testkit::ServiceEnv(inventory_db, prefix, kSecret)),
        order(testkit::BinaryPath("pasar-order"),
              OrderEnv(order_db, prefix, inventory.address(),
                       {{"PASAR_RESERVE_DEADLINE_MS", "2000"},
                        {"PASAR_COMPENSATION_DEADLINE_MS", "1000"},
                        {"PASAR_COMPENSATION_INTERVAL_MS", "100"},
                        {"PASAR_MARKET_CACHE_MS", "60000"}})),
        client(order.address()),
        inventory_channel(
            grpc::CreateChannel(inventory.address(), grpc::InsecureChannelCredentials())),
        catalog(inv::CatalogService::NewStub(inventory_channel)),
        inventory_pool(
            {.conninfo = inventory_db.conninfo(), .search_path = "inventory", .size = 2}),
        order_pool({.conninfo = order_db.conninfo(), .search_path = "orders", .size = 2}) {
    const SeededMarket seeded =
        SeedMarket(inventory_channel, /*stalls=*/1, /*weighed=*/false, kStock);
    market_id = seeded.market_id;
    product_id = seeded.products.at(0).id;
  }

  v1::PlaceOrderRequest Cart(const std::string& request_id) const {
    v1::PlaceOrderRequest req;
    req.set_request_id(request_id);
    req.set_market_id(market_id);
    v1::CartLine* l = req.add_lines();
    l->set_product_id(product_id);
    l->set_quantity(kQuantity);
    req.mutable_drop_off()->set_lat(kMarketLat + 0.018);  // ~2 km north
    req.mutable_drop_off()->set_lng(kMarketLng);
    return req;
  }

  grpc::Status Place(const std::string& customer, const v1::PlaceOrderRequest& req,
                     v1::PlaceOrderResponse* resp) {
    return client.orders->PlaceOrder(
        Ctx(Token(Role::kCustomer, customer), std::chrono::seconds(60)).get(), req, resp);
  }

  inv::Product GetProduct() {
    inv::GetProductRequest req;
    req.set_product_id(product_id);
    inv::GetProductResponse resp;
    const grpc::Status s = catalog->GetProduct(Ctx(Token(Role::kCustomer, "x")).get(), req, &resp);
    REQUIRE(s.error_message() == "");
    return resp.product();
  }

  std::string ReservationStates(const std::string& order_id) {
    return pg::Exec(inventory_pool, kReservationStates, order_id).Str(0, 0);
  }
  int64_t Compensations() { return pg::Exec(order_pool, kCountCompensations).Int(0, 0); }
};

}  // namespace

TEST_CASE("a hold whose outcome stays unknown is released once inventory answers again") {
  Env env;
  const v1::PlaceOrderRequest cart = env.Cart("inventory-away");
  const std::string order_id = order::DeriveOrderId("hana", cart.request_id());
  // Warm the market cache, so ReserveStock is the call that times out.
  REQUIRE(Eventually([&] {
    v1::QuoteOrderRequest quote;
    quote.set_market_id(cart.market_id());
    *quote.mutable_lines() = cart.lines();
    *quote.mutable_drop_off() = cart.drop_off();
    v1::QuoteOrderResponse quoted;
    return env.client.orders->QuoteOrder(Ctx(Token(Role::kCustomer, "hana")).get(), quote, &quoted)
        .ok();
  }));

  // Inventory "unreachable": ReserveStock and PlaceOrder's replay of it both time out on the
  // product's row lock, so the compensation is persisted before PlaceOrder answers.
  std::optional<pg::Transaction> product_lock;
  product_lock.emplace(env.inventory_pool, "test_lock_product");
  REQUIRE(product_lock->Exec(kLockProduct, env.product_id).size() == 1);
  v1::PlaceOrderResponse resp;
  CHECK(env.Place("hana", cart, &resp).error_code() == grpc::StatusCode::UNAVAILABLE);

  // The test takes the compensation's row lock, so the worker skips it (FOR UPDATE SKIP LOCKED)
  // while inventory, once the product is unlocked, makes the hold the first call asked for.
  std::optional<pg::Transaction> compensation_lock;
  compensation_lock.emplace(env.order_pool, "test_lock_compensations");
  const pg::Result pending = compensation_lock->Exec(kLockCompensations);
  REQUIRE(pending.size() == 1);
  CHECK(pending.Str(0, 0) == order_id);  // the first attempt's inventory key
  CHECK(pending.Str(0, 1) == order_id);
  product_lock.reset();  // rolls back: inventory is "back"
  CHECK(Eventually([&] { return env.ReservationStates(order_id) == "HELD"; }));
  CHECK(env.GetProduct().stock() == kStock - kQuantity);
  CHECK(env.GetProduct().reserved() == kQuantity);

  // Once the worker may take it, it replays the request, finds the hold HELD and releases it.
  compensation_lock.reset();
  CHECK(Eventually(
      [&] { return env.ReservationStates(order_id) == "RELEASED" && env.Compensations() == 0; }));
  CHECK(env.GetProduct().stock() == kStock);
  CHECK(env.GetProduct().reserved() == 0);
  CHECK(env.order.Log().find("compensation: settled") != std::string::npos);
  v1::ListOrdersRequest list;
  v1::ListOrdersResponse listed;
  REQUIRE(
      env.client.orders->ListOrders(Ctx(Token(Role::kCustomer, "hana")).get(), list, &listed).ok());
  CHECK(listed.orders_size() == 0);

  // The client's retry with the same request id reserves afresh and places the order.
  REQUIRE(env.Place("hana", cart, &resp).error_message() == "");
  CHECK(resp.order().id() == order_id);
  CHECK(resp.order().status() == v1::ORDER_STATUS_PLACED);
  CHECK(env.ReservationStates(order_id) == "RELEASED,HELD");
  CHECK(env.GetProduct().stock() == kStock - kQuantity);
  CHECK(env.Compensations() == 0);
}
