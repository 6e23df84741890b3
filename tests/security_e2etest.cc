// Security of the real services with public-key tokens (README, "Security"): the key sets and
// their rotation, the limits of a token, the service key that alone opens StockService, one
// spelling of a UUID, refusals of the limits that say why, and order ids that open nothing.
//
// pasar-inventory and pasar-order run as in production: PASAR_JWT_JWKS_FILE (the people's
// public keys), inventory also PASAR_JWT_SERVICE_JWKS_FILE (the order service's public key),
// order PASAR_JWT_PRIVATE_KEY_FILE (its service key), and no PASAR_JWT_SECRET.
#include <atomic>
#include <catch2/catch.hpp>
#include <chrono>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <grpcpp/create_channel.h>
#include <grpcpp/security/credentials.h>

#include <nlohmann/json.hpp>

#include "absl/strings/ascii.h"
#include "absl/time/clock.h"
#include "pasar/auth/auth.h"
#include "pasar/ids/ids.h"
#include "pasar/inventory/v1/inventory.grpc.pb.h"
#include "pasar/order/v1/order.grpc.pb.h"
#include "pasar/testkit/call.h"
#include "pasar/testkit/eventually.h"
#include "pasar/testkit/keys.h"
#include "pasar/testkit/testkit.h"

namespace {

namespace auth = pasar::auth;
namespace inv = pasar::inventory::v1;
namespace ord = pasar::order::v1;
namespace testkit = pasar::testkit;
using auth::Role;
using auth::SigningKey;
using Json = nlohmann::json;
using testkit::Ctx;
using testkit::Reason;

// Pasar Baru, Lumajang.
constexpr double kMarketLat = -8.1335, kMarketLng = 113.2248;

std::string Upper(const std::string& s) {
  return absl::AsciiStrToUpper(s);
}

// A token signed by `key` (kid: the key's) with the claims auth::Minter writes.
std::string Token(const SigningKey& key, Role role, const std::string& subject,
                  std::vector<std::string> stalls = {}) {
  return auth::Minter(auth::JwtConfig{}, key).Mint({subject, role, std::move(stalls)});
}

// A token with hand-made claims: iat now, exp now + `lifetime`, optional nbf.
std::string Crafted(const SigningKey& key, const std::string& role, absl::Duration lifetime,
                    std::optional<absl::Duration> nbf_from_now = std::nullopt) {
  const int64_t now = absl::ToUnixSeconds(absl::Now());
  Json claims{{"sub", "crafted"}, {"role", role}, {"iss", "pasar"},
              {"aud", "pasar"},   {"iat", now},   {"exp", now + absl::ToInt64Seconds(lifetime)}};
  if (nbf_from_now) claims["nbf"] = now + absl::ToInt64Seconds(*nbf_from_now);
  return key.Sign(Json{{"alg", key.alg()}, {"typ", "JWT"}, {"kid", key.kid()}}.dump(),
                  claims.dump());
}

// The town's keys: the people's token issuer (and the key it rotates to), and the order
// service's own key for its calls to inventory. Files in a throwaway folder.
struct Keys {
  testkit::TestKeyFiles files;
  SigningKey people = SigningKey::Generate("ES256", "people-2026-11");
  SigningKey people_next = SigningKey::Generate("EdDSA", "people-2026-12");
  SigningKey service = SigningKey::Generate("ES256", "order-2026-11");
  std::string people_jwks = files.WriteJwks("people.jwks", {people});
  std::string service_jwks = files.WriteJwks("service.jwks", {service});
  std::string service_pem = files.WritePrivateKey("order.pem", service);
};

// Real pasar-inventory (and, if asked, pasar-order) verifying public-key tokens only.
class Stack final {
 public:
  struct Options {
    bool with_order = false;
    std::map<std::string, std::string> inventory_env = {};
    std::map<std::string, std::string> order_env = {};
  };

  explicit Stack(Options options)
      : prefix_(testkit::UniqueRedisPrefix()),
        inventory_(testkit::BinaryPath("pasar-inventory"), InventoryEnv(options.inventory_env)),
        inventory_channel_(
            grpc::CreateChannel(inventory_.address(), grpc::InsecureChannelCredentials())),
        catalog(inv::CatalogService::NewStub(inventory_channel_)),
        stalls(inv::StallService::NewStub(inventory_channel_)),
        admin(inv::MarketAdminService::NewStub(inventory_channel_)),
        stock(inv::StockService::NewStub(inventory_channel_)) {
    if (options.with_order) {
      order_.emplace(testkit::BinaryPath("pasar-order"), OrderEnv(options.order_env));
      order_channel_ = grpc::CreateChannel(order_->address(), grpc::InsecureChannelCredentials());
      orders = ord::OrderService::NewStub(order_channel_);
      tickets = ord::TicketService::NewStub(order_channel_);
    }
  }

  // As an operator, a market open all week; as its trader ("trader-sri"), a stall opened with
  // one product of 50 units. Sets market_id, stall_id, product_id.
  void SeedMarket() {
    const std::string op = Token(keys.people, Role::kOperator, "dinas");
    inv::CreateMarketRequest cm;
    cm.set_request_id("market");
    inv::Market* m = cm.mutable_market();
    m->set_name("Pasar Baru Lumajang");
    m->mutable_location()->set_lat(kMarketLat);
    m->mutable_location()->set_lng(kMarketLng);
    m->set_time_zone("Asia/Jakarta");
    for (int day = inv::WEEKDAY_MONDAY; day <= inv::WEEKDAY_SUNDAY; ++day) {
      inv::OpeningInterval* in = m->mutable_opening_hours()->add_intervals();
      in->set_weekday(static_cast<inv::Weekday>(day));
      in->set_open_minute(0);
      in->set_close_minute(1440);
    }
    m->mutable_fee_scheme()->set_kind(inv::FEE_KIND_FLAT);
    m->mutable_fee_scheme()->set_flat_fee_idr(5000);
    m->set_max_delivery_distance_meters(10000);
    m->set_weighed_tolerance_percent(10);
    m->set_trader_response_timeout_seconds(600);
    m->set_dispatch_timeout_seconds(900);
    inv::CreateMarketResponse cmr;
    REQUIRE(admin->CreateMarket(Ctx(op).get(), cm, &cmr).error_message() == "");
    market_id = cmr.market().id();

    inv::CreateStallRequest cs;
    cs.set_request_id("stall");
    cs.set_market_id(market_id);
    cs.set_trader_subject("trader-sri");
    cs.set_name("Sayur Bu Sri");
    cs.set_category(inv::CATEGORY_SAYUR);
    cs.set_preparation_minutes(10);
    inv::CreateStallResponse csr;
    REQUIRE(admin->CreateStall(Ctx(op).get(), cs, &csr).error_message() == "");
    stall_id = csr.stall().id();
    const std::string trader = Token(keys.people, Role::kTrader, "trader-sri", {stall_id});

    inv::UpdateStallRequest us;
    us.set_request_id("open");
    us.set_stall_id(stall_id);
    us.set_open(true);
    inv::UpdateStallResponse usr;
    REQUIRE(stalls->UpdateStall(Ctx(trader).get(), us, &usr).error_message() == "");
    inv::CreateProductRequest cp;
    cp.set_request_id("bayam");
    cp.set_stall_id(stall_id);
    cp.set_name("Bayam");
    cp.set_category(inv::CATEGORY_SAYUR);
    cp.set_unit("ikat");
    cp.set_price_idr(3000);
    cp.set_stock(50);
    inv::CreateProductResponse cpr;
    REQUIRE(stalls->CreateProduct(Ctx(trader).get(), cp, &cpr).error_message() == "");
    product_id = cpr.product().id();
  }

  // `customer` places two bayam under `request_id` (requires SeedMarket and the order service).
  ord::PlaceOrderResponse PlaceOrder(const std::string& customer, const std::string& request_id,
                                     grpc::Status* status) {
    ord::PlaceOrderRequest req;
    req.set_request_id(request_id);
    req.set_market_id(market_id);
    ord::CartLine* line = req.add_lines();
    line->set_product_id(product_id);
    line->set_quantity(2);
    req.mutable_drop_off()->set_lat(kMarketLat + 0.01);
    req.mutable_drop_off()->set_lng(kMarketLng);
    req.set_drop_off_address("Jl. Panglima Sudirman 12, Lumajang");
    ord::PlaceOrderResponse resp;
    *status =
        orders->PlaceOrder(Ctx(Token(keys.people, Role::kCustomer, customer)).get(), req, &resp);
    return resp;
  }

  // The code of CatalogService.ListMarkets called with `token`.
  grpc::StatusCode ListMarkets(const std::string& token) {
    inv::ListMarketsResponse resp;
    return catalog->ListMarkets(Ctx(token).get(), inv::ListMarketsRequest(), &resp).error_code();
  }

  Keys keys;
  std::string market_id, stall_id, product_id;

 private:
  std::map<std::string, std::string> InventoryEnv(std::map<std::string, std::string> extra) {
    extra.insert({{"PASAR_JWT_SECRET", ""},  // no development mode: public keys only
                  {"PASAR_JWT_JWKS_FILE", keys.people_jwks},
                  {"PASAR_JWT_SERVICE_JWKS_FILE", keys.service_jwks},
                  {"PASAR_JWT_JWKS_CHECK_MS", "200"}});
    return testkit::ServiceEnv(db_inventory_, prefix_, "", std::move(extra));
  }
  std::map<std::string, std::string> OrderEnv(std::map<std::string, std::string> extra) {
    extra.insert({{"PASAR_JWT_SECRET", ""},
                  {"PASAR_JWT_JWKS_FILE", keys.people_jwks},
                  {"PASAR_JWT_PRIVATE_KEY_FILE", keys.service_pem},
                  {"PASAR_JWT_KEY_ID", keys.service.kid()},  // as named in service.jwks
                  {"PASAR_INVENTORY_ADDR", inventory_.address()},
                  {"PASAR_RESERVE_DEADLINE_MS", "20000"},
                  {"PASAR_COMPENSATION_DEADLINE_MS", "20000"},
                  {"PASAR_WATCH_BACKSTOP_MS", "500"}});
    return testkit::ServiceEnv(db_order_, prefix_, "", std::move(extra));
  }

  testkit::TempDatabase db_inventory_;
  testkit::TempDatabase db_order_;
  std::string prefix_;
  testkit::ServiceProcess inventory_;
  std::shared_ptr<grpc::Channel> inventory_channel_;
  std::optional<testkit::ServiceProcess> order_;
  std::shared_ptr<grpc::Channel> order_channel_;

 public:
  std::unique_ptr<inv::CatalogService::Stub> catalog;
  std::unique_ptr<inv::StallService::Stub> stalls;
  std::unique_ptr<inv::MarketAdminService::Stub> admin;
  std::unique_ptr<inv::StockService::Stub> stock;
  std::unique_ptr<ord::OrderService::Stub> orders;
  std::unique_ptr<ord::TicketService::Stub> tickets;
};

// A fresh subject per call, so that the rate limit never answers for the token.
std::string Subject() {
  static std::atomic<int> next{0};
  return "probe-" + std::to_string(next++);
}

}  // namespace

TEST_CASE("Tokens the key set does not vouch for are UNAUTHENTICATED", "[e2e]") {
  Stack s({});
  const Keys& k = s.keys;
  REQUIRE(s.ListMarkets(Token(k.people, Role::kCustomer, Subject())) == grpc::StatusCode::OK);

  const SigningKey stranger = SigningKey::Generate("ES256", "stranger");
  // Signed by a key not in the set, under the kid of one that is.
  const std::string forged =
      stranger.Sign(Json{{"alg", "ES256"}, {"typ", "JWT"}, {"kid", k.people.kid()}}.dump(),
                    Json{{"sub", "x"},
                         {"role", "operator"},
                         {"iss", "pasar"},
                         {"aud", "pasar"},
                         {"iat", absl::ToUnixSeconds(absl::Now())},
                         {"exp", absl::ToUnixSeconds(absl::Now()) + 600}}
                        .dump());
  CHECK(s.ListMarkets(forged) == grpc::StatusCode::UNAUTHENTICATED);
  // A kid not in the set.
  CHECK(s.ListMarkets(Token(stranger, Role::kOperator, Subject())) ==
        grpc::StatusCode::UNAUTHENTICATED);
  // HS256, while the service runs with public keys only: whatever the secret.
  for (const std::string secret : {"pasar-dev-secret-NOT-FOR-PRODUCTION", "guess"}) {
    auth::JwtConfig hs256;
    hs256.secret = secret;
    CHECK(s.ListMarkets(auth::Mint(hs256, {Subject(), Role::kOperator, {}})) ==
          grpc::StatusCode::UNAUTHENTICATED);
  }
  // Past the maximum lifetime (24 h for people, 1 h for service), and not valid yet (nbf).
  CHECK(s.ListMarkets(Crafted(k.people, "customer", absl::Hours(24))) == grpc::StatusCode::OK);
  CHECK(s.ListMarkets(Crafted(k.people, "customer", absl::Hours(25))) ==
        grpc::StatusCode::UNAUTHENTICATED);
  CHECK(s.ListMarkets(Crafted(k.people, "operator", absl::Hours(24 * 30))) ==
        grpc::StatusCode::UNAUTHENTICATED);
  inv::GetReservationRequest get;
  get.set_reservation_id(pasar::ids::RandomUuid());
  inv::GetReservationResponse got;
  CHECK(s.stock->GetReservation(Ctx(Crafted(k.service, "service", absl::Hours(1))).get(), get, &got)
            .error_code() == grpc::StatusCode::NOT_FOUND);  // accepted: the reservation is unknown
  CHECK(s.stock->GetReservation(Ctx(Crafted(k.service, "service", absl::Hours(2))).get(), get, &got)
            .error_code() == grpc::StatusCode::UNAUTHENTICATED);
  CHECK(s.ListMarkets(Crafted(k.people, "customer", absl::Hours(1), absl::Minutes(10))) ==
        grpc::StatusCode::UNAUTHENTICATED);
  CHECK(s.ListMarkets(Crafted(k.people, "customer", absl::Hours(1), -absl::Minutes(10))) ==
        grpc::StatusCode::OK);
  // An alg the service does not know.
  const std::string es384 =
      k.people.Sign(Json{{"alg", "ES384"}, {"typ", "JWT"}, {"kid", k.people.kid()}}.dump(),
                    Json{{"sub", "x"}, {"role", "customer"}}.dump());
  CHECK(s.ListMarkets(es384) == grpc::StatusCode::UNAUTHENTICATED);
}

TEST_CASE("Rotating the key file takes effect without a restart", "[e2e]") {
  Stack s({});
  const Keys& k = s.keys;
  REQUIRE(s.ListMarkets(Token(k.people, Role::kCustomer, Subject())) == grpc::StatusCode::OK);
  REQUIRE(s.ListMarkets(Token(k.people_next, Role::kCustomer, Subject())) ==
          grpc::StatusCode::UNAUTHENTICATED);

  // The issuer publishes its next key beside the current one: both open.
  k.files.WriteJwks("people.jwks", {k.people, k.people_next});
  CHECK(testkit::Eventually([&] {
    return s.ListMarkets(Token(k.people_next, Role::kCustomer, Subject())) == grpc::StatusCode::OK;
  }));
  CHECK(s.ListMarkets(Token(k.people, Role::kCustomer, Subject())) == grpc::StatusCode::OK);

  // Then withdraws the old one: its tokens stop opening, the new ones still do.
  k.files.WriteJwks("people.jwks", {k.people_next});
  CHECK(testkit::Eventually([&] {
    return s.ListMarkets(Token(k.people, Role::kCustomer, Subject())) ==
           grpc::StatusCode::UNAUTHENTICATED;
  }));
  CHECK(s.ListMarkets(Token(k.people_next, Role::kCustomer, Subject())) == grpc::StatusCode::OK);
}

TEST_CASE("A holder of the people's key cannot make a token StockService accepts", "[e2e]") {
  Stack s({.with_order = true});
  const Keys& k = s.keys;
  s.SeedMarket();

  inv::ReserveStockRequest reserve;
  reserve.set_request_id("forged-hold");
  reserve.set_market_id(s.market_id);
  inv::ReserveLine* line = reserve.add_lines();
  line->set_product_id(s.product_id);
  line->set_quantity(50);
  auto code = [&](const std::string& token) {
    inv::ReserveStockResponse resp;
    return s.stock->ReserveStock(Ctx(token).get(), reserve, &resp).error_code();
  };
  // The people's private key signs role service: refused, like every person's role.
  CHECK(code(Token(k.people, Role::kService, "order")) == grpc::StatusCode::UNAUTHENTICATED);
  CHECK(code(Token(k.people, Role::kOperator, "order")) == grpc::StatusCode::PERMISSION_DENIED);
  CHECK(code(Token(k.people, Role::kCustomer, "order")) == grpc::StatusCode::PERMISSION_DENIED);
  // Nor does a secret guessed for HS256.
  auth::JwtConfig hs256;
  hs256.secret = "pasar-dev-secret-NOT-FOR-PRODUCTION";
  CHECK(code(auth::Mint(hs256, {"order", Role::kService, {}})) ==
        grpc::StatusCode::UNAUTHENTICATED);
  // The service key opens no person's door either.
  CHECK(s.ListMarkets(Token(k.service, Role::kOperator, Subject())) ==
        grpc::StatusCode::UNAUTHENTICATED);

  // Nothing was held: all 50 are still there.
  inv::GetProductRequest gp;
  gp.set_product_id(s.product_id);
  inv::GetProductResponse product;
  REQUIRE(
      s.catalog->GetProduct(Ctx(Token(k.people, Role::kCustomer, "c")).get(), gp, &product).ok());
  CHECK(product.product().stock() == 50);
  CHECK(product.product().reserved() == 0);

  // The order service's own key (its PEM file) does: a customer's order reserves its stock.
  grpc::Status placed;
  const ord::PlaceOrderResponse order = s.PlaceOrder("cust-ayu", "first-shop", &placed);
  REQUIRE(placed.error_message() == "");
  CHECK(order.order().status() == ord::ORDER_STATUS_PLACED);
  REQUIRE(
      s.catalog->GetProduct(Ctx(Token(k.people, Role::kCustomer, "c")).get(), gp, &product).ok());
  CHECK(product.product().reserved() == 2);
}

TEST_CASE("A stall id in upper case is the same stall in every RPC", "[e2e]") {
  Stack s({.with_order = true});
  const Keys& k = s.keys;
  s.SeedMarket();
  const std::string lower = s.stall_id;
  const std::string upper = Upper(lower);
  REQUIRE(upper != lower);
  // The token's stalls claim spelt in upper case, as some issuers spell GUIDs.
  const std::string upper_claim = Token(k.people, Role::kTrader, "trader-sri", {upper});
  const std::string lower_claim = Token(k.people, Role::kTrader, "trader-sri", {lower});

  // inventory: UpdateStall and GetStall, either spelling in the claim or the request.
  for (const auto& [token, id] : std::vector<std::pair<std::string, std::string>>{
           {upper_claim, lower}, {upper_claim, upper}, {lower_claim, upper}}) {
    inv::UpdateStallRequest us;
    us.set_request_id(pasar::ids::RandomUuid());
    us.set_stall_id(id);
    us.set_open(true);
    inv::UpdateStallResponse usr;
    CHECK(s.stalls->UpdateStall(Ctx(token).get(), us, &usr).error_message() == "");
    CHECK(usr.stall().id() == lower);
    inv::GetStallRequest gs;
    gs.set_stall_id(id);
    inv::GetStallResponse gsr;
    CHECK(s.catalog->GetStall(Ctx(token).get(), gs, &gsr).error_message() == "");
    CHECK(gsr.stall().id() == lower);
  }

  grpc::Status placed;
  const ord::PlaceOrderResponse order = s.PlaceOrder("cust-ayu", "shop-1", &placed);
  REQUIRE(placed.error_message() == "");
  REQUIRE(order.order().tickets_size() == 1);
  const std::string ticket_id = order.order().tickets(0).id();

  // order: ListTickets, GetTicket and WatchTickets answer alike for both spellings.
  for (const std::string& token : {upper_claim, lower_claim}) {
    for (const std::string& filter : {std::string(), lower, upper}) {
      ord::ListTicketsRequest lt;
      lt.set_stall_id(filter);
      ord::ListTicketsResponse ltr;
      CHECK(s.tickets->ListTickets(Ctx(token).get(), lt, &ltr).error_message() == "");
      REQUIRE(ltr.tickets_size() == 1);
      CHECK(ltr.tickets(0).id() == ticket_id);
      CHECK(ltr.tickets(0).pickup_code().size() == 4);  // shown to the stall's trader only
    }
    for (const std::string& id : {ticket_id, Upper(ticket_id)}) {
      ord::GetTicketRequest gt;
      gt.set_ticket_id(id);
      ord::GetTicketResponse gtr;
      CHECK(s.tickets->GetTicket(Ctx(token).get(), gt, &gtr).error_message() == "");
      CHECK(gtr.ticket().id() == ticket_id);
      CHECK(gtr.ticket().pickup_code().size() == 4);
    }
    for (const std::string& watched : {lower, upper}) {
      auto ctx = Ctx(token);
      ord::WatchTicketsRequest wt;
      wt.add_stall_ids(watched);
      auto stream = s.tickets->WatchTickets(ctx.get(), wt);
      ord::WatchTicketsResponse first;
      REQUIRE(stream->Read(&first));
      CHECK(first.initial());
      CHECK(first.ticket().id() == ticket_id);
      CHECK(first.ticket().pickup_code().size() == 4);
      ctx->TryCancel();
      while (stream->Read(&first)) {
      }
      stream->Finish();
    }
  }
  // Someone else's stall stays NOT_FOUND in either spelling.
  const std::string other =
      Token(k.people, Role::kTrader, "trader-budi", {Upper(pasar::ids::RandomUuid())});
  ord::GetTicketRequest gt;
  gt.set_ticket_id(Upper(ticket_id));
  ord::GetTicketResponse gtr;
  CHECK(s.tickets->GetTicket(Ctx(other).get(), gt, &gtr).error_code() ==
        grpc::StatusCode::NOT_FOUND);
}

TEST_CASE("The rate limit and the stream limit say RATE_LIMITED", "[e2e]") {
  Stack s({.with_order = true,
           .inventory_env = {{"PASAR_RATE_LIMIT_PER_SECOND", "5"}},
           .order_env = {{"PASAR_MAX_STREAMS_PER_PRINCIPAL", "1"}}});
  const Keys& k = s.keys;

  // Rate: one person calling far faster than 5 a second is refused, and told why.
  const std::string hasty = Token(k.people, Role::kCustomer, "hasty");
  bool refused = false;
  for (int i = 0; i < 1000 && !refused; ++i) {
    auto ctx = Ctx(hasty);
    inv::ListMarketsResponse resp;
    const grpc::Status status = s.catalog->ListMarkets(ctx.get(), inv::ListMarketsRequest(), &resp);
    if (status.ok()) continue;
    refused = true;
    CHECK(status.error_code() == grpc::StatusCode::RESOURCE_EXHAUSTED);
    CHECK(Reason(*ctx) == "RATE_LIMITED");
    CHECK(status.error_message().rfind("RATE_LIMITED: ", 0) == 0);
  }
  CHECK(refused);

  // Streams: a second concurrent stream of one trader is refused, and told why.
  s.SeedMarket();
  const std::string trader = Token(k.people, Role::kTrader, "trader-sri", {s.stall_id});
  grpc::Status placed;
  s.PlaceOrder("cust-ayu", "shop-1", &placed);
  REQUIRE(placed.error_message() == "");
  auto first_ctx = Ctx(trader);
  auto first = s.tickets->WatchTickets(first_ctx.get(), ord::WatchTicketsRequest());
  ord::WatchTicketsResponse msg;
  REQUIRE(first->Read(&msg));  // the handler holds its slot now
  auto second_ctx = Ctx(trader);
  auto second = s.tickets->WatchTickets(second_ctx.get(), ord::WatchTicketsRequest());
  CHECK_FALSE(second->Read(&msg));
  const grpc::Status status = second->Finish();
  CHECK(status.error_code() == grpc::StatusCode::RESOURCE_EXHAUSTED);
  CHECK(Reason(*second_ctx) == "RATE_LIMITED");
  CHECK(status.error_message().rfind("RATE_LIMITED: too many concurrent streams", 0) == 0);
  first_ctx->TryCancel();
  while (first->Read(&msg)) {
  }
  first->Finish();
}

// Order ids are derived from (customer, request id) on purpose (README, "Security"): anyone who
// knows both can compute one, so an id must open nothing by itself.
TEST_CASE("A predicted order id of another customer's order answers NOT_FOUND", "[e2e]") {
  Stack s({.with_order = true});
  const Keys& k = s.keys;
  s.SeedMarket();
  grpc::Status placed;
  const ord::PlaceOrderResponse order = s.PlaceOrder("cust-ayu", "weekly-shop-1", &placed);
  REQUIRE(placed.error_message() == "");
  const std::string id = order.order().id();
  // What an onlooker predicts from the customer's subject and request id.
  CHECK(id == pasar::ids::NameUuid("pasar.order.v1.PlaceOrder\ncust-ayu\nweekly-shop-1"));

  const std::string stranger = Token(k.people, Role::kCustomer, "cust-stranger");
  const std::string missing = pasar::ids::RandomUuid();
  for (const std::string& probe : {id, Upper(id)}) {
    ord::GetOrderRequest get;
    get.set_order_id(probe);
    ord::GetOrderResponse got;
    const grpc::Status foreign = s.orders->GetOrder(Ctx(stranger).get(), get, &got);
    get.set_order_id(missing);
    const grpc::Status absent = s.orders->GetOrder(Ctx(stranger).get(), get, &got);
    CHECK(foreign.error_code() == grpc::StatusCode::NOT_FOUND);
    CHECK(foreign.error_message() == absent.error_message());

    ord::CancelOrderRequest cancel;
    cancel.set_request_id("nosy-" + probe);
    cancel.set_order_id(probe);
    ord::CancelOrderResponse cancelled;
    CHECK(s.orders->CancelOrder(Ctx(stranger).get(), cancel, &cancelled).error_code() ==
          grpc::StatusCode::NOT_FOUND);

    auto ctx = Ctx(stranger);
    ord::WatchOrderRequest watch;
    watch.set_order_id(probe);
    auto stream = s.orders->WatchOrder(ctx.get(), watch);
    ord::WatchOrderResponse msg;
    CHECK_FALSE(stream->Read(&msg));
    CHECK(stream->Finish().error_code() == grpc::StatusCode::NOT_FOUND);
  }
  // The same request id from another customer names another order.
  grpc::Status other_placed;
  const ord::PlaceOrderResponse other =
      s.PlaceOrder("cust-stranger", "weekly-shop-1", &other_placed);
  REQUIRE(other_placed.error_message() == "");
  CHECK(other.order().id() != id);
  // The customer's own order is untouched.
  ord::GetOrderRequest get;
  get.set_order_id(id);
  ord::GetOrderResponse got;
  REQUIRE(
      s.orders->GetOrder(Ctx(Token(k.people, Role::kCustomer, "cust-ayu")).get(), get, &got).ok());
  CHECK(got.order().status() == ord::ORDER_STATUS_PLACED);
}
