// pasar-order with the REAL pasar-inventory binary, real PostgreSQL and Redis. The market,
// stalls and products are set up through inventory's public gRPC API (as an operator and the
// stalls' traders); stock is checked through inventory's catalog.
#include <catch2/catch.hpp>

#include <map>
#include <memory>
#include <optional>
#include <set>
#include <thread>

#include "app/ids.h"
#include "e2e.h"
#include "market_fixture.h"
#include "pasar/inventory/v1/inventory.grpc.pb.h"
#include "pasar/testkit/pki.h"

namespace {

using namespace pasar;
using namespace pasar::order::testing;
using auth::Role;
namespace v1 = pasar::order::v1;
namespace inv = pasar::inventory::v1;
using pasar::order::RandomUuid;

// Two stalls, each selling 100 of a counted and 100 of a weighed product (market_fixture.h).
struct Env : SeededMarket {
  testkit::TempDatabase inventory_db;
  testkit::TempDatabase order_db;
  std::string prefix = testkit::UniqueRedisPrefix();
  testkit::ServiceProcess inventory;
  testkit::ServiceProcess order;
  OrderClient client;
  std::shared_ptr<grpc::Channel> inventory_channel;
  std::unique_ptr<inv::CatalogService::Stub> catalog;
  std::unique_ptr<inv::StockService::Stub> stock;

  Env()
      : inventory(testkit::BinaryPath("pasar-inventory"), InventoryEnv(inventory_db, prefix)),
        order(testkit::BinaryPath("pasar-order"),
              OrderEnv(order_db, prefix, inventory.address(),
                       // A configured hold shorter than the trader timeout: the TTL asked
                       // of inventory must still outlive the ticket deadline plus the margin.
                       {{"PASAR_TRADER_RESPONSE_TIMEOUT_SECONDS", "60"},
                        {"PASAR_RESERVATION_TTL_SECONDS", "10"}})),
        client(order.address()),
        inventory_channel(
            grpc::CreateChannel(inventory.address(), grpc::InsecureChannelCredentials())),
        catalog(inv::CatalogService::NewStub(inventory_channel)),
        stock(inv::StockService::NewStub(inventory_channel)) {
    static_cast<SeededMarket&>(*this) =
        SeedMarket(inventory_channel, /*stalls=*/2, /*weighed=*/true, /*stock=*/100);
  }

  static std::map<std::string, std::string> InventoryEnv(const testkit::TempDatabase& db,
                                                         const std::string& prefix) {
    return testkit::ServiceEnv(db, prefix, kSecret);
  }

  inv::Product GetProduct(const std::string& id) {
    inv::GetProductRequest req;
    req.set_product_id(id);
    inv::GetProductResponse resp;
    const grpc::Status s = catalog->GetProduct(Ctx(Token(Role::kCustomer, "x")).get(), req, &resp);
    REQUIRE(s.error_message() == "");
    return resp.product();
  }

  // A cart: 2 of stall 0's counted product, 5 of its weighed one, 3 of stall 1's counted one.
  v1::PlaceOrderRequest Cart(const std::string& request_id) const {
    v1::PlaceOrderRequest req;
    req.set_request_id(request_id);
    req.set_market_id(market_id);
    auto add = [&](size_t p, int64_t q) {
      v1::CartLine* l = req.add_lines();
      l->set_product_id(products[p].id);
      l->set_quantity(q);
    };
    add(0, 2);
    add(1, 5);
    add(2, 3);
    req.mutable_drop_off()->set_lat(kMarketLat + 0.018);  // ~2 km north, 2.6 km by road
    req.mutable_drop_off()->set_lng(kMarketLng);
    req.set_drop_off_address("Jl. Panglima Sudirman 12");
    return req;
  }

  v1::Order Place(const std::string& customer, const v1::PlaceOrderRequest& req) {
    v1::PlaceOrderResponse resp;
    const grpc::Status s =
        client.orders->PlaceOrder(Ctx(Token(Role::kCustomer, customer)).get(), req, &resp);
    REQUIRE(s.error_message() == "");
    return resp.order();
  }

  v1::Order Get(const std::string& customer, const std::string& id) {
    v1::GetOrderRequest req;
    req.set_order_id(id);
    v1::GetOrderResponse resp;
    const grpc::Status s =
        client.orders->GetOrder(Ctx(Token(Role::kCustomer, customer)).get(), req, &resp);
    REQUIRE(s.error_message() == "");
    return resp.order();
  }

  grpc::Status AcceptAll(const v1::Ticket& t, int stall_index) {
    v1::AcceptTicketRequest req;
    req.set_request_id("accept-" + t.id());
    req.set_ticket_id(t.id());
    v1::AcceptTicketResponse resp;
    return client.tickets->AcceptTicket(Ctx(TraderToken(stall_index)).get(), req, &resp);
  }

  int StallIndex(const std::string& stall_id) const { return stall_id == stall_ids[0] ? 0 : 1; }
};

}  // namespace

TEST_CASE("QuoteOrder prices a cart from the catalog and holds nothing") {
  Env env;
  v1::PlaceOrderRequest cart = env.Cart("unused");
  v1::QuoteOrderRequest req;
  req.set_market_id(cart.market_id());
  *req.mutable_lines() = cart.lines();
  *req.mutable_drop_off() = cart.drop_off();
  v1::QuoteOrderResponse resp;
  const grpc::Status s =
      env.client.orders->QuoteOrder(Ctx(Token(Role::kCustomer, "c")).get(), req, &resp);
  REQUIRE(s.error_message() == "");
  CHECK(resp.goods_total_idr() == 2 * 3000 + 5 * 6000 + 3 * 3000);
  CHECK(resp.distance_meters() > 2500);
  CHECK(resp.distance_meters() < 2700);
  CHECK(resp.delivery_fee_idr() == 3 * 2500);  // 3 started kilometres
  CHECK(resp.service_fee_idr() == 1000);
  CHECK(resp.total_idr() == 45000 + 7500 + 1000);
  REQUIRE(resp.stalls_size() == 2);
  CHECK(resp.stalls(0).stall_name() == "Sayur Bu Sri");
  CHECK(resp.stalls(0).goods_total_idr() == 36000);
  CHECK(env.GetProduct(env.products[0].id).stock() == 100);

  // Too far: refused with OUT_OF_RANGE.
  req.mutable_drop_off()->set_lat(kMarketLat + 0.2);
  auto ctx = Ctx(Token(Role::kCustomer, "c"));
  CHECK(env.client.orders->QuoteOrder(ctx.get(), req, &resp).error_code() ==
        grpc::StatusCode::FAILED_PRECONDITION);
  CHECK(Reason(*ctx) == "OUT_OF_RANGE");
}

TEST_CASE("PlaceOrder reserves stock - traders accept - CONFIRMED - inventory commits") {
  Env env;
  const v1::Order placed = env.Place("alice", env.Cart("r-1"));
  CHECK(placed.status() == v1::ORDER_STATUS_PLACED);
  REQUIRE(placed.tickets_size() == 2);
  CHECK(placed.delivery_pin().size() == 4);
  CHECK(placed.goods_total_idr() == 45000);
  CHECK(placed.delivery_fee_idr() == 7500);
  CHECK(env.GetProduct(env.products[1].id).stock() == 95);
  CHECK(env.GetProduct(env.products[1].id).reserved() == 5);
  {
    // The hold outlives every ticket's response deadline by the margin (5 minutes).
    inv::GetReservationRequest req;
    req.set_reservation_id(placed.reservation_id());
    inv::GetReservationResponse resp;
    REQUIRE(env.stock->GetReservation(Ctx(Token(Role::kService, "order")).get(), req, &resp)
                .error_message() == "");
    CHECK(resp.reservation().state() == inv::RESERVATION_STATE_HELD);
    for (const v1::Ticket& t : placed.tickets()) {
      // Less the time between inventory's clock reading and the order service's (the rest of
      // the reservation, the reply, whole seconds), however slow the machine: far less than
      // the margin, or than the configured 10 s a hold without it would have.
      CHECK(resp.reservation().expires_at().seconds() >= t.decide_by().seconds() + 5 * 60 - 30);
    }
  }

  // Stall 0 weighs the chilli lighter (0.95x, within 10%); stall 1 accepts as ordered.
  const v1::Ticket* t0 = nullptr;
  const v1::Ticket* t1 = nullptr;
  for (const v1::Ticket& t : placed.tickets())
    (env.StallIndex(t.stall_id()) == 0 ? t0 : t1) = &t;
  REQUIRE(t0 != nullptr);
  REQUIRE(t1 != nullptr);
  // It also hands over only 1 of the 2 bunches of spinach ordered.
  {
    v1::AcceptTicketRequest req;
    req.set_request_id("a0");
    req.set_ticket_id(t0->id());
    v1::LineDecision* d = req.add_lines();
    d->set_product_id(env.products[1].id);
    d->mutable_accepted()->set_line_total_idr(28500);
    v1::LineDecision* partial = req.add_lines();
    partial->set_product_id(env.products[0].id);
    partial->mutable_accepted()->set_final_quantity(1);
    v1::AcceptTicketResponse resp;
    auto ctx = Ctx(env.TraderToken(0));
    REQUIRE(env.client.tickets->AcceptTicket(ctx.get(), req, &resp).error_message() == "");
    CHECK(resp.ticket().total_idr() == 3000 + 28500);
    CHECK_FALSE(resp.ticket().pickup_code().empty());
  }
  REQUIRE(env.AcceptAll(*t1, 1).ok());
  const v1::Order confirmed = env.Get("alice", placed.id());
  CHECK(confirmed.status() == v1::ORDER_STATUS_CONFIRMED);
  CHECK(confirmed.goods_total_idr() == 3000 + 28500 + 9000);
  CHECK(confirmed.total_idr() == 40500 + 7500 + 1000);
  // Inventory commits on OrderConfirmed with the final quantities: nothing stays held, the
  // sold units are gone and the bunch not handed over is back.
  CHECK(Eventually([&] {
    return env.GetProduct(env.products[1].id).reserved() == 0 &&
           env.GetProduct(env.products[0].id).reserved() == 0;
  }));
  CHECK(env.GetProduct(env.products[1].id).stock() == 95);
  CHECK(env.GetProduct(env.products[0].id).stock() == 99);
  CHECK(env.GetProduct(env.products[2].id).stock() == 97);
}

TEST_CASE("a customer cancel returns the stock in inventory") {
  Env env;
  const v1::Order placed = env.Place("bob", env.Cart("r-2"));
  REQUIRE(env.GetProduct(env.products[2].id).stock() == 97);
  v1::CancelOrderRequest req;
  req.set_request_id("cancel");
  req.set_order_id(placed.id());
  v1::CancelOrderResponse resp;
  REQUIRE(
      env.client.orders->CancelOrder(Ctx(Token(Role::kCustomer, "bob")).get(), req, &resp).ok());
  CHECK(resp.order().status() == v1::ORDER_STATUS_CANCELLED);
  CHECK(Eventually([&] {
    return env.GetProduct(env.products[2].id).stock() == 100 &&
           env.GetProduct(env.products[0].id).stock() == 100;
  }));
  CHECK(env.GetProduct(env.products[2].id).reserved() == 0);
}

TEST_CASE("an operator's cancel returns the stock in inventory too") {
  Env env;
  const v1::Order placed = env.Place("carol", env.Cart("r-3"));
  REQUIRE(env.GetProduct(env.products[2].id).stock() == 97);
  v1::CancelOrderRequest req;
  req.set_request_id("operator-cancel");
  req.set_order_id(placed.id());
  req.set_reason("market closing early");
  v1::CancelOrderResponse resp;
  REQUIRE(env.client.orders->CancelOrder(Ctx(Token(Role::kOperator, "op")).get(), req, &resp)
              .error_message() == "");
  CHECK(resp.order().cancel_reason() == v1::CANCEL_REASON_OPERATOR);
  CHECK(env.Get("carol", placed.id()).cancel_reason() == v1::CANCEL_REASON_OPERATOR);
  CHECK(Eventually([&] {
    return env.GetProduct(env.products[2].id).stock() == 100 &&
           env.GetProduct(env.products[0].id).stock() == 100;
  }));
  CHECK(env.GetProduct(env.products[2].id).reserved() == 0);
}

TEST_CASE("20 concurrent PlaceOrder calls with one request id: one order one reservation") {
  Env env;
  const v1::PlaceOrderRequest cart = env.Cart("same-request");
  std::vector<std::thread> threads;
  std::vector<v1::PlaceOrderResponse> responses(20);
  std::vector<grpc::Status> statuses(20);
  for (int i = 0; i < 20; ++i) {
    threads.emplace_back([&, i] {
      auto ctx = Ctx(Token(Role::kCustomer, "carol"), std::chrono::seconds(30));
      statuses[i] = env.client.orders->PlaceOrder(ctx.get(), cart, &responses[i]);
    });
  }
  for (auto& t : threads)
    t.join();
  std::set<std::string> orders, reservations;
  for (int i = 0; i < 20; ++i) {
    INFO(statuses[i].error_message());
    CHECK(statuses[i].ok());
    orders.insert(responses[i].order().id());
    reservations.insert(responses[i].order().reservation_id());
  }
  CHECK(orders.size() == 1);
  CHECK(reservations.size() == 1);
  // Stock was held once.
  CHECK(env.GetProduct(env.products[0].id).reserved() == 2);
  CHECK(env.GetProduct(env.products[0].id).stock() == 98);

  v1::ListOrdersRequest list;
  v1::ListOrdersResponse listed;
  REQUIRE(env.client.orders->ListOrders(Ctx(Token(Role::kCustomer, "carol")).get(), list, &listed)
              .ok());
  CHECK(listed.orders_size() == 1);

  // The same key with another cart is refused and writes nothing.
  v1::PlaceOrderRequest other = cart;
  other.mutable_lines(0)->set_quantity(1);
  v1::PlaceOrderResponse resp;
  auto ctx = Ctx(Token(Role::kCustomer, "carol"));
  CHECK(env.client.orders->PlaceOrder(ctx.get(), other, &resp).error_code() ==
        grpc::StatusCode::FAILED_PRECONDITION);
  CHECK(Reason(*ctx) == "IDEMPOTENCY_KEY_REUSED");
}

TEST_CASE("refusals from inventory pass through and nothing is written") {
  Env env;
  v1::PlaceOrderRequest cart = env.Cart("too-many");
  cart.mutable_lines(0)->set_quantity(101);
  v1::PlaceOrderResponse resp;
  auto ctx = Ctx(Token(Role::kCustomer, "dave"));
  CHECK(env.client.orders->PlaceOrder(ctx.get(), cart, &resp).error_code() ==
        grpc::StatusCode::FAILED_PRECONDITION);
  CHECK(Reason(*ctx) == "INSUFFICIENT_STOCK");
  CHECK(env.GetProduct(env.products[1].id).stock() == 100);  // all-or-nothing
  v1::ListOrdersRequest list;
  v1::ListOrdersResponse listed;
  REQUIRE(
      env.client.orders->ListOrders(Ctx(Token(Role::kCustomer, "dave")).get(), list, &listed).ok());
  CHECK(listed.orders_size() == 0);

  v1::PlaceOrderRequest unknown_market = env.Cart("unknown-market");
  unknown_market.set_market_id(RandomUuid());
  auto ctx2 = Ctx(Token(Role::kCustomer, "dave"));
  CHECK(env.client.orders->PlaceOrder(ctx2.get(), unknown_market, &resp).error_code() ==
        grpc::StatusCode::NOT_FOUND);
}

TEST_CASE("a failure after the reservation releases it and a retry places the order") {
  Env env;
  pg::Pool pool({.conninfo = env.order_db.conninfo(), .search_path = "orders", .size = 2});
  constexpr pg::Query kBreakFunction{
      "test_break_function",
      "CREATE FUNCTION orders.refuse() RETURNS trigger LANGUAGE plpgsql AS "
      "$$BEGIN RAISE EXCEPTION 'injected failure'; END$$"};
  constexpr pg::Query kBreak{"test_break_orders",
                             "CREATE TRIGGER refuse BEFORE INSERT ON orders.tickets "
                             "FOR EACH ROW EXECUTE FUNCTION orders.refuse()"};
  constexpr pg::Query kRepair{"test_repair_orders", "DROP TRIGGER refuse ON orders.tickets"};
  pg::Exec(pool, kBreakFunction);
  pg::Exec(pool, kBreak);

  const v1::PlaceOrderRequest cart = env.Cart("fails-once");
  v1::PlaceOrderResponse resp;
  CHECK(env.client.orders->PlaceOrder(Ctx(Token(Role::kCustomer, "erin")).get(), cart, &resp)
            .error_code() == grpc::StatusCode::INTERNAL);
  // Compensation: the stock is back at once, and no order exists.
  CHECK(env.GetProduct(env.products[0].id).stock() == 100);
  CHECK(env.GetProduct(env.products[0].id).reserved() == 0);
  v1::ListOrdersRequest list;
  v1::ListOrdersResponse listed;
  REQUIRE(
      env.client.orders->ListOrders(Ctx(Token(Role::kCustomer, "erin")).get(), list, &listed).ok());
  CHECK(listed.orders_size() == 0);

  // The client retries with the same request id once the fault is gone.
  pg::Exec(pool, kRepair);
  const v1::Order placed = env.Place("erin", cart);
  CHECK(placed.status() == v1::ORDER_STATUS_PLACED);
  CHECK(env.GetProduct(env.products[0].id).stock() == 98);
  CHECK(env.GetProduct(env.products[0].id).reserved() == 2);
}

TEST_CASE("WatchTickets on one instance delivers a ticket placed through another, live") {
  Env env;
  // The trader's instance re-reads only on live hints: its backstop is far beyond the wait.
  testkit::ServiceProcess watched(testkit::BinaryPath("pasar-order"),
                                  OrderEnv(env.order_db, env.prefix, env.inventory.address(),
                                           {{"PASAR_WATCH_BACKSTOP_MS", "60000"}}));
  OrderClient trader_client(watched.address());
  // An open ticket from before the stream: its initial message shows the stream is live, so
  // the ticket placed after it can only come as a live change.
  const v1::Order earlier = env.Place("fay", env.Cart("earlier"));
  auto ctx = Ctx(env.TraderToken(1), std::chrono::seconds(30));
  v1::WatchTicketsRequest req;
  auto stream = trader_client.tickets->WatchTickets(ctx.get(), req);
  v1::WatchTicketsResponse msg;
  REQUIRE(stream->Read(&msg));
  CHECK(msg.initial());
  CHECK(msg.order().order_id() == earlier.id());

  const v1::Order placed = env.Place("fay", env.Cart("watched"));  // through env.order
  REQUIRE(stream->Read(&msg));
  CHECK_FALSE(msg.initial());
  CHECK(msg.order().order_id() == placed.id());
  CHECK(msg.ticket().stall_id() == env.stall_ids[1]);
  CHECK(msg.ticket().status() == v1::TICKET_STATUS_PENDING);
  CHECK(msg.ticket().pickup_code().size() == 4);  // the stall's own trader sees it
  ctx->TryCancel();
  while (stream->Read(&msg)) {
  }
  stream->Finish();
}

TEST_CASE("a ReserveStock whose outcome PlaceOrder never learns leaves no hold behind") {
  Env env;
  // A second pasar-order on the same database that gives up on inventory after 2 s, while its
  // compensation may wait long. Markets are cached for a minute: once warmed up, ReserveStock is
  // the only call to inventory in PlaceOrder, so it is the one that times out (it waits on the
  // test's lock however long its deadline; 2 s leaves the warm-up calls time on a slow machine).
  testkit::ServiceProcess impatient(testkit::BinaryPath("pasar-order"),
                                    OrderEnv(env.order_db, env.prefix, env.inventory.address(),
                                             {{"PASAR_RESERVE_DEADLINE_MS", "2000"},
                                              {"PASAR_COMPENSATION_DEADLINE_MS", "30000"},
                                              {"PASAR_MARKET_CACHE_MS", "60000"}}));
  OrderClient client(impatient.address());
  const v1::PlaceOrderRequest cart = env.Cart("slow-inventory");
  REQUIRE(Eventually([&] {
    v1::QuoteOrderRequest quote;
    quote.set_market_id(cart.market_id());
    *quote.mutable_lines() = cart.lines();
    *quote.mutable_drop_off() = cart.drop_off();
    v1::QuoteOrderResponse quoted;
    return client.orders->QuoteOrder(Ctx(Token(Role::kCustomer, "gita")).get(), quote, &quoted)
        .ok();
  }));

  // The test's own transaction locks the products, so inventory's ReserveStock waits on them:
  // the order service's call times out while inventory goes on to hold the stock once the lock
  // is gone. The lock is released only after the order service logged the timeout.
  pg::Pool inventory_pool(
      {.conninfo = env.inventory_db.conninfo(), .search_path = "inventory", .size = 2});
  constexpr pg::Query kLockProducts{
      "test_lock_products",
      "SELECT id FROM products WHERE id = ANY($1::uuid[]) ORDER BY id FOR UPDATE"};
  constexpr pg::Query kReservationStates{
      "test_reservation_states",
      "SELECT coalesce(string_agg(state, ',' ORDER BY created_at), '') FROM reservations "
      "WHERE order_id = $1"};
  std::vector<std::string> ids;
  for (const SeededProduct& p : env.products)
    ids.push_back(p.id);
  grpc::Status status;
  // Declared before the lock: leaving the scope early rolls the lock back first, then joins.
  std::jthread place;
  std::optional<pg::Transaction> lock;
  lock.emplace(inventory_pool, "test_lock_products");
  REQUIRE(lock->Exec(kLockProducts, ids).size() == static_cast<int>(ids.size()));
  place = std::jthread([&] {
    v1::PlaceOrderResponse resp;
    auto ctx = Ctx(Token(Role::kCustomer, "gita"), std::chrono::seconds(60));
    status = client.orders->PlaceOrder(ctx.get(), cart, &resp);
  });
  CHECK(Eventually([&] {
    return impatient.Log().find("compensation: reserve outcome unknown") != std::string::npos;
  }));
  lock.reset();  // rolls back
  place.join();

  // The client gets the error; the hold inventory made was found by the replay and released.
  CHECK(status.error_code() == grpc::StatusCode::UNAVAILABLE);
  const std::string order_id = order::DeriveOrderId("gita", cart.request_id());
  CHECK(pg::Exec(inventory_pool, kReservationStates, order_id).Str(0, 0) == "RELEASED");
  for (const SeededProduct& p : env.products) {
    CHECK(env.GetProduct(p.id).stock() == 100);
    CHECK(env.GetProduct(p.id).reserved() == 0);
  }
  v1::ListOrdersRequest list;
  v1::ListOrdersResponse listed;
  REQUIRE(
      env.client.orders->ListOrders(Ctx(Token(Role::kCustomer, "gita")).get(), list, &listed).ok());
  CHECK(listed.orders_size() == 0);

  // The client's retry with the same request id reserves afresh and places the order.
  const v1::Order placed = env.Place("gita", cart);
  CHECK(placed.id() == order_id);
  CHECK(pg::Exec(inventory_pool, kReservationStates, order_id).Str(0, 0) == "RELEASED,HELD");
  CHECK(env.GetProduct(env.products[0].id).stock() == 98);
}

namespace {

// QuoteOrder of a market inventory does not know: NOT_FOUND when the order service reached
// inventory, UNAVAILABLE when it could not.
grpc::Status QuoteUnknownMarket(const OrderClient& client) {
  v1::QuoteOrderRequest req;
  req.set_market_id(RandomUuid());
  v1::CartLine* line = req.add_lines();
  line->set_product_id(RandomUuid());
  line->set_quantity(1);
  req.mutable_drop_off()->set_lat(kMarketLat);
  req.mutable_drop_off()->set_lng(kMarketLng);
  v1::QuoteOrderResponse resp;
  return client.orders->QuoteOrder(Ctx(Token(Role::kCustomer, "c")).get(), req, &resp);
}

}  // namespace

TEST_CASE("the order service reaches inventory over TLS, and only with the right root") {
  const std::string kName = "inventory.pasar.test";
  testkit::TestPki pki(kName);
  testkit::TestPki other(kName);  // a certificate of the same name from another authority
  testkit::TempDatabase inventory_db, order_db;
  const std::string prefix = testkit::UniqueRedisPrefix();
  testkit::ServiceProcess inventory(testkit::BinaryPath("pasar-inventory"),
                                    testkit::ServiceEnv(inventory_db, prefix, kSecret,
                                                        {{"PASAR_TLS_CERT_FILE", pki.cert_file()},
                                                         {"PASAR_TLS_KEY_FILE", pki.key_file()}}));
  // The address is 127.0.0.1; the certificate names inventory.pasar.test.
  auto order_with = [&](std::map<std::string, std::string> tls) {
    return std::make_unique<testkit::ServiceProcess>(
        testkit::BinaryPath("pasar-order"),
        OrderEnv(order_db, prefix, inventory.address(), std::move(tls)));
  };

  SECTION("with inventory's root and name: inventory answers (NOT_FOUND for the market)") {
    auto order = order_with({{"PASAR_INVENTORY_TLS_CA_FILE", pki.ca_file()},
                             {"PASAR_INVENTORY_TLS_SERVER_NAME", kName}});
    const grpc::Status s = QuoteUnknownMarket(OrderClient(order->address()));
    CHECK(s.error_code() == grpc::StatusCode::NOT_FOUND);
    CHECK(s.error_message().find("market") != std::string::npos);
  }
  SECTION("with another authority's root: the handshake fails, UNAVAILABLE") {
    auto order = order_with({{"PASAR_INVENTORY_TLS_CA_FILE", other.ca_file()},
                             {"PASAR_INVENTORY_TLS_SERVER_NAME", kName}});
    CHECK(QuoteUnknownMarket(OrderClient(order->address())).error_code() ==
          grpc::StatusCode::UNAVAILABLE);
  }
  SECTION("in plaintext: a TLS inventory does not answer, UNAVAILABLE") {
    auto order = order_with({});
    CHECK(QuoteUnknownMarket(OrderClient(order->address())).error_code() ==
          grpc::StatusCode::UNAVAILABLE);
  }
}
