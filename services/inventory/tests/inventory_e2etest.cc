// pasar-inventory end to end: the real binary over gRPC, on a fresh database and Redis prefix.
#include <catch2/catch.hpp>

#include <algorithm>
#include <atomic>
#include <functional>
#include <map>
#include <memory>
#include <thread>

#include <grpcpp/grpcpp.h>

#include "pasar/auth/auth.h"
#include "pasar/events/v1/events.pb.h"
#include "pasar/inventory/v1/inventory.grpc.pb.h"
#include "pasar/pg/pg.h"
#include "pasar/redis/redis.h"
#include "pasar/testkit/call.h"
#include "pasar/testkit/relay.h"
#include "pasar/testkit/testkit.h"
#include "store/store.h"

using namespace pasar;
namespace pb = ::pasar::inventory::v1;
using auth::Principal;
using auth::Role;
using grpc::StatusCode;

namespace {

constexpr char kSecret[] = "inventory-e2e-secret";

// Test-only SQL, to look at what the service wrote.
constexpr pg::Query kRowCounts{
    "test_row_counts",
    "SELECT (SELECT count(*) FROM markets) || '/' || (SELECT count(*) FROM stalls) || '/' || "
    "(SELECT count(*) FROM products) || '/' || (SELECT count(*) FROM reservations) || '/' || "
    "(SELECT count(*) FROM stock_ledger) || '/' || (SELECT count(*) FROM idempotency) || '/' || "
    "(SELECT count(*) FROM outbox) || '/' || (SELECT coalesce(sum(stock), 0) FROM products)"};
constexpr pg::Query kLedgerRows{
    "test_ledger_rows",
    "SELECT count(*) FROM stock_ledger WHERE reservation_id = $1::uuid AND reason = $2"};
constexpr pg::Query kOutboxRows{"test_outbox_rows", "SELECT count(*) FROM outbox WHERE type = $1"};

std::string Token(const std::string& subject, Role role, std::vector<std::string> stalls = {}) {
  auth::JwtConfig config;
  config.secret = kSecret;
  return auth::Mint(config, Principal{subject, role, std::move(stalls)});
}

// Calls stub.*method with a bearer token (empty: none) and a 30 s deadline (generous: on a
// loaded machine a call queued behind 31 others on one product's row lock is slow, not wrong).
template <class Stub, class Req, class Resp>
grpc::Status Call(grpc::Status (Stub::*method)(grpc::ClientContext*, const Req&, Resp*), Stub& stub,
                  const std::string& token, const Req& req, Resp* resp) {
  return (stub.*method)(testkit::Ctx(token).get(), req, resp);
}

bool StartsWith(const std::string& s, const std::string& prefix) {
  return s.rfind(prefix, 0) == 0;
}

std::string NextId() {
  static std::atomic<int> n{0};
  return "req-" + std::to_string(++n);
}

// One inventory binary (or several) on a fresh database and Redis prefix, with clients.
class World {
 public:
  World()
      : prefix_(testkit::UniqueRedisPrefix()),
        pool_({.conninfo = db_.conninfo(), .search_path = "inventory", .size = 4}) {}

  std::unique_ptr<testkit::ServiceProcess> Start() {
    return std::make_unique<testkit::ServiceProcess>(
        testkit::BinaryPath("pasar-inventory"),
        testkit::ServiceEnv(db_, prefix_, kSecret,
                            {{"PASAR_RATE_LIMIT_PER_SECOND", "1000000"},
                             {"PASAR_RESERVATION_TTL_SECONDS", "2"},
                             {"PASAR_RESERVATION_SWEEP_INTERVAL_MS", "100"}}));
  }

  void Connect(const testkit::ServiceProcess& process) {
    channel_ = grpc::CreateChannel(process.address(), grpc::InsecureChannelCredentials());
    catalog = pb::CatalogService::NewStub(channel_);
    stall = pb::StallService::NewStub(channel_);
    admin = pb::MarketAdminService::NewStub(channel_);
    stock = pb::StockService::NewStub(channel_);
  }

  // A market open every minute of the week (or never), a stall of trader-1 (open) and a product.
  pb::Market CreateMarket(bool open = true) {
    pb::CreateMarketRequest req;
    req.set_request_id(NextId());
    pb::Market* m = req.mutable_market();
    m->set_name("Pasar Baru Lumajang");
    m->mutable_location()->set_lat(-8.1335);
    m->mutable_location()->set_lng(113.2248);
    for (int d = 1; open && d <= 7; ++d) {
      pb::OpeningInterval* iv = m->mutable_opening_hours()->add_intervals();
      iv->set_weekday(static_cast<pb::Weekday>(d));
      iv->set_open_minute(0);
      iv->set_close_minute(1440);
    }
    m->mutable_fee_scheme()->set_kind(pb::FEE_KIND_PER_KM);
    m->mutable_fee_scheme()->set_per_km_idr(2500);
    m->set_max_delivery_distance_meters(10000);
    m->set_weighed_tolerance_percent(10);
    pb::CreateMarketResponse resp;
    REQUIRE(
        Call(&pb::MarketAdminService::Stub::CreateMarket, *admin, operator_token, req, &resp).ok());
    return resp.market();
  }

  pb::Stall CreateStall(const std::string& market_id, const std::string& trader) {
    pb::CreateStallRequest req;
    req.set_request_id(NextId());
    req.set_market_id(market_id);
    req.set_trader_subject(trader);
    req.set_name("Sayur Bu Sri");
    req.set_category(pb::CATEGORY_SAYUR);
    pb::CreateStallResponse resp;
    REQUIRE(
        Call(&pb::MarketAdminService::Stub::CreateStall, *admin, operator_token, req, &resp).ok());
    pb::UpdateStallRequest open;
    open.set_request_id(NextId());
    open.set_stall_id(resp.stall().id());
    open.set_open(true);
    pb::UpdateStallResponse opened;
    REQUIRE(Call(&pb::StallService::Stub::UpdateStall, *stall,
                 Token(trader, Role::kTrader, {resp.stall().id()}), open, &opened)
                .ok());
    return opened.stall();
  }

  pb::Product CreateProduct(const pb::Stall& s, const std::string& trader_token,
                            const std::string& name, int64_t stock_units) {
    pb::CreateProductRequest req;
    req.set_request_id(NextId());
    req.set_stall_id(s.id());
    req.set_name(name);
    req.set_category(pb::CATEGORY_BUMBU);
    req.set_unit("kg");
    req.set_price_idr(60000);
    req.set_weighed(true);
    req.set_stock(stock_units);
    pb::CreateProductResponse resp;
    REQUIRE(Call(&pb::StallService::Stub::CreateProduct, *stall, trader_token, req, &resp).ok());
    return resp.product();
  }

  // ttl_seconds 0: the binary's default (2 s in these tests). Otherwise held for 10 minutes:
  // no hold may expire while a test that counts rows (nothing written) still runs, however slow.
  grpc::Status Reserve(const std::string& market_id, const std::string& product_id, int64_t q,
                       pb::ReserveStockResponse* resp, pb::StockService::Stub* stub = nullptr,
                       int ttl_seconds = 600) {
    pb::ReserveStockRequest req;
    req.set_request_id(NextId());
    req.set_ttl_seconds(ttl_seconds);
    req.set_market_id(market_id);
    req.set_order_id("order-" + req.request_id());
    pb::ReserveLine* line = req.add_lines();
    line->set_product_id(product_id);
    line->set_quantity(q);
    return Call(&pb::StockService::Stub::ReserveStock, stub ? *stub : *stock, service_token, req,
                resp);
  }

  pb::Reservation GetReservation(const std::string& id) {
    pb::GetReservationRequest req;
    req.set_reservation_id(id);
    pb::GetReservationResponse resp;
    REQUIRE(Call(&pb::StockService::Stub::GetReservation, *stock, service_token, req, &resp).ok());
    return resp.reservation();
  }

  pb::Product GetProduct(const std::string& id) {
    pb::GetProductRequest req;
    req.set_product_id(id);
    pb::GetProductResponse resp;
    REQUIRE(Call(&pb::CatalogService::Stub::GetProduct, *catalog, customer_token, req, &resp).ok());
    return resp.product();
  }

  // Polls until the reservation reaches `state` or `timeout` passes; returns the last state.
  pb::ReservationState AwaitState(const std::string& id, pb::ReservationState state,
                                  absl::Duration timeout = absl::Seconds(20)) {
    const absl::Time deadline = absl::Now() + timeout;
    pb::ReservationState now = GetReservation(id).state();
    while (now != state && absl::Now() < deadline) {
      absl::SleepFor(absl::Milliseconds(50));
      now = GetReservation(id).state();
    }
    return now;
  }

  std::string RowCounts() { return pg::Exec(pool_, kRowCounts).Str(0, 0); }
  int64_t LedgerRows(const std::string& reservation_id, const std::string& reason) {
    return pg::Exec(pool_, kLedgerRows, reservation_id, reason).Int(0, 0);
  }
  int64_t OutboxRows(const std::string& type) {
    return pg::Exec(pool_, kOutboxRows, type).Int(0, 0);
  }
  std::vector<inventory::LedgerImbalance> Imbalances() {
    inventory::Store store(pool_);
    return store.LedgerImbalances();
  }
  const std::string& prefix() const { return prefix_; }

  const std::string operator_token = Token("op-1", Role::kOperator);
  const std::string service_token = Token("order", Role::kService);
  const std::string customer_token = Token("cust-1", Role::kCustomer);
  const std::string courier_token = Token("courier-1", Role::kCourier);
  std::unique_ptr<pb::CatalogService::Stub> catalog;
  std::unique_ptr<pb::StallService::Stub> stall;
  std::unique_ptr<pb::MarketAdminService::Stub> admin;
  std::unique_ptr<pb::StockService::Stub> stock;

 private:
  testkit::TempDatabase db_;
  std::string prefix_;
  pg::Pool pool_;
  std::shared_ptr<grpc::Channel> channel_;
};

}  // namespace

TEST_CASE("32 concurrent buyers of a hot product never oversell", "[e2e][stock]") {
  World w;
  auto service = w.Start();
  w.Connect(*service);
  const pb::Market market = w.CreateMarket();
  const pb::Stall stall = w.CreateStall(market.id(), "trader-1");
  const pb::Product hot =
      w.CreateProduct(stall, Token("trader-1", Role::kTrader, {stall.id()}), "Cabai rawit", 100);

  constexpr int kBuyers = 32;
  constexpr int kAttempts = 2000;
  std::atomic<int> next{0}, held{0}, refused{0}, other{0};
  std::vector<std::string> reservation_ids(kAttempts);
  std::vector<std::thread> buyers;
  for (int b = 0; b < kBuyers; ++b) {
    buyers.emplace_back([&] {
      auto channel = grpc::CreateChannel(service->address(), grpc::InsecureChannelCredentials());
      auto stub = pb::StockService::NewStub(channel);
      for (int i = next++; i < kAttempts; i = next++) {
        pb::ReserveStockResponse resp;
        const grpc::Status s = w.Reserve(market.id(), hot.id(), 1, &resp, stub.get());
        if (s.ok()) {
          ++held;
          reservation_ids[i] = resp.reservation().reservation_id();
        } else if (s.error_code() == StatusCode::FAILED_PRECONDITION &&
                   StartsWith(s.error_message(), "INSUFFICIENT_STOCK: ")) {
          ++refused;
        } else {
          ++other;
        }
      }
    });
  }
  for (std::thread& t : buyers)
    t.join();
  CHECK(other.load() == 0);
  CHECK(held.load() == 100);
  CHECK(refused.load() == kAttempts - 100);
  pb::Product after = w.GetProduct(hot.id());
  CHECK(after.stock() == 0);
  CHECK(after.reserved() == 100);
  CHECK_FALSE(after.available());

  // Settle: every other reservation committed, the rest released.
  int n = 0;
  for (const std::string& id : reservation_ids) {
    if (id.empty()) continue;
    if (n++ % 2 == 0) {
      pb::CommitReservationRequest req;
      req.set_request_id(NextId());
      req.set_reservation_id(id);
      pb::CommitLine* l = req.add_lines();
      l->set_product_id(hot.id());
      l->set_final_quantity(1);
      pb::CommitReservationResponse resp;
      REQUIRE(
          Call(&pb::StockService::Stub::CommitReservation, *w.stock, w.service_token, req, &resp)
              .ok());
    } else {
      pb::ReleaseReservationRequest req;
      req.set_request_id(NextId());
      req.set_reservation_id(id);
      pb::ReleaseReservationResponse resp;
      REQUIRE(
          Call(&pb::StockService::Stub::ReleaseReservation, *w.stock, w.service_token, req, &resp)
              .ok());
    }
  }
  after = w.GetProduct(hot.id());
  CHECK(after.stock() == 50);  // 50 sold, 50 back
  CHECK(after.reserved() == 0);
  CHECK(w.Imbalances().empty());
}

TEST_CASE("every mutation replayed with its request id changes nothing", "[e2e][idempotency]") {
  World w;
  auto service = w.Start();
  w.Connect(*service);
  const pb::Market market = w.CreateMarket();
  const pb::Stall stall = w.CreateStall(market.id(), "trader-1");
  const std::string trader = Token("trader-1", Role::kTrader, {stall.id()});
  const pb::Product product = w.CreateProduct(stall, trader, "Bawang merah", 20);
  pb::ReserveStockResponse to_release;
  REQUIRE(w.Reserve(market.id(), product.id(), 1, &to_release).ok());

  // Each entry sends the same request twice and returns both responses serialized.
  using Twice = std::function<std::pair<std::string, std::string>()>;
  auto twice = [](auto method, auto& stub, const std::string& token, const auto& req, auto resp) {
    auto first = resp, second = resp;
    REQUIRE(Call(method, stub, token, req, &first).ok());
    REQUIRE(Call(method, stub, token, req, &second).ok());
    return std::make_pair(first.SerializeAsString(), second.SerializeAsString());
  };
  std::vector<std::pair<std::string, Twice>> mutations;
  {
    pb::CreateMarketRequest r;
    r.set_request_id(NextId());
    r.mutable_market()->CopyFrom(market);
    mutations.push_back({"CreateMarket", [&, r] {
                           return twice(&pb::MarketAdminService::Stub::CreateMarket, *w.admin,
                                        w.operator_token, r, pb::CreateMarketResponse{});
                         }});
  }
  {
    pb::UpdateMarketRequest r;
    r.set_request_id(NextId());
    r.set_market_id(market.id());
    r.set_weighed_tolerance_percent(15);
    mutations.push_back({"UpdateMarket", [&, r] {
                           return twice(&pb::MarketAdminService::Stub::UpdateMarket, *w.admin,
                                        w.operator_token, r, pb::UpdateMarketResponse{});
                         }});
  }
  {
    pb::CreateStallRequest r;
    r.set_request_id(NextId());
    r.set_market_id(market.id());
    r.set_trader_subject("trader-2");
    r.set_name("Ikan Pak Budi");
    r.set_category(pb::CATEGORY_IKAN);
    mutations.push_back({"CreateStall", [&, r] {
                           return twice(&pb::MarketAdminService::Stub::CreateStall, *w.admin,
                                        w.operator_token, r, pb::CreateStallResponse{});
                         }});
  }
  {
    pb::UpdateStallRequest r;
    r.set_request_id(NextId());
    r.set_stall_id(stall.id());
    r.set_preparation_minutes(25);
    mutations.push_back({"UpdateStall", [&, r] {
                           return twice(&pb::StallService::Stub::UpdateStall, *w.stall, trader, r,
                                        pb::UpdateStallResponse{});
                         }});
  }
  {
    pb::CreateProductRequest r;
    r.set_request_id(NextId());
    r.set_stall_id(stall.id());
    r.set_name("Cabai rawit");
    r.set_category(pb::CATEGORY_BUMBU);
    r.set_unit("ons");
    r.set_price_idr(7000);
    r.set_stock(5);
    mutations.push_back({"CreateProduct", [&, r] {
                           return twice(&pb::StallService::Stub::CreateProduct, *w.stall, trader, r,
                                        pb::CreateProductResponse{});
                         }});
  }
  {
    pb::UpdateProductRequest r;
    r.set_request_id(NextId());
    r.set_product_id(product.id());
    r.set_price_idr(42000);
    mutations.push_back({"UpdateProduct", [&, r] {
                           return twice(&pb::StallService::Stub::UpdateProduct, *w.stall, trader, r,
                                        pb::UpdateProductResponse{});
                         }});
  }
  {
    pb::AdjustStockRequest r;
    r.set_request_id(NextId());
    r.set_product_id(product.id());
    r.set_delta(5);
    r.set_reason(pb::STOCK_ADJUSTMENT_REASON_RESTOCK);
    mutations.push_back({"AdjustStock", [&, r] {
                           return twice(&pb::StallService::Stub::AdjustStock, *w.stall, trader, r,
                                        pb::AdjustStockResponse{});
                         }});
  }
  {
    pb::ReserveStockRequest r;
    r.set_request_id(NextId());
    r.set_market_id(market.id());
    pb::ReserveLine* l = r.add_lines();
    l->set_product_id(product.id());
    l->set_quantity(3);
    mutations.push_back({"ReserveStock", [&, r] {
                           return twice(&pb::StockService::Stub::ReserveStock, *w.stock,
                                        w.service_token, r, pb::ReserveStockResponse{});
                         }});
  }
  {
    pb::ReleaseReservationRequest r;
    r.set_request_id(NextId());
    r.set_reservation_id(to_release.reservation().reservation_id());
    mutations.push_back({"ReleaseReservation", [&, r] {
                           return twice(&pb::StockService::Stub::ReleaseReservation, *w.stock,
                                        w.service_token, r, pb::ReleaseReservationResponse{});
                         }});
  }
  {
    pb::SetStockRequest r;
    r.set_request_id(NextId());
    r.set_product_id(product.id());
    r.set_stock(30);
    mutations.push_back({"SetStock", [&, r] {
                           return twice(&pb::StallService::Stub::SetStock, *w.stall, trader, r,
                                        pb::SetStockResponse{});
                         }});
  }

  for (auto& [name, run] : mutations) {
    INFO(name);
    const std::string before = w.RowCounts();
    const auto [first, second] = run();
    CHECK(first == second);
    CHECK(before != w.RowCounts());  // the first call wrote
    const std::string after_first = w.RowCounts();
    CHECK(run().first == first);  // a third and fourth replay: still the same, nothing written
    CHECK(after_first == w.RowCounts());
  }

  // Commit: replay of a commit of a fresh reservation.
  pb::ReserveStockResponse held;
  REQUIRE(w.Reserve(market.id(), product.id(), 2, &held).ok());
  pb::CommitReservationRequest commit;
  commit.set_request_id(NextId());
  commit.set_reservation_id(held.reservation().reservation_id());
  commit.add_lines()->set_product_id(product.id());
  commit.mutable_lines(0)->set_final_quantity(2);
  const std::string before_commit = w.RowCounts();
  const auto [c1, c2] = twice(&pb::StockService::Stub::CommitReservation, *w.stock, w.service_token,
                              commit, pb::CommitReservationResponse{});
  CHECK(c1 == c2);
  CHECK(w.LedgerRows(held.reservation().reservation_id(), "commit") == 1);
  CHECK(before_commit != w.RowCounts());

  // The same request id with another request is refused and writes nothing.
  const std::string before_reuse = w.RowCounts();
  commit.mutable_lines(0)->set_final_quantity(1);
  pb::CommitReservationResponse ignored;
  const grpc::Status reused =
      Call(&pb::StockService::Stub::CommitReservation, *w.stock, w.service_token, commit, &ignored);
  CHECK(reused.error_code() == StatusCode::FAILED_PRECONDITION);
  CHECK(StartsWith(reused.error_message(), "IDEMPOTENCY_KEY_REUSED: "));
  CHECK(before_reuse == w.RowCounts());
  CHECK(w.Imbalances().empty());
}

TEST_CASE("a replayed ReserveStock answers the reservation as it is now and moves no stock",
          "[e2e][idempotency]") {
  World w;
  auto service = w.Start();
  w.Connect(*service);
  const pb::Market market = w.CreateMarket();
  const pb::Stall stall = w.CreateStall(market.id(), "trader-1");
  const pb::Product product =
      w.CreateProduct(stall, Token("trader-1", Role::kTrader, {stall.id()}), "Bawang merah", 20);
  auto request = [&](int64_t quantity, int ttl_seconds) {
    pb::ReserveStockRequest r;
    r.set_request_id(NextId());
    r.set_market_id(market.id());
    r.set_order_id("order-" + r.request_id());
    r.set_ttl_seconds(ttl_seconds);
    pb::ReserveLine* l = r.add_lines();
    l->set_product_id(product.id());
    l->set_quantity(quantity);
    return r;
  };
  auto reserve = [&](const pb::ReserveStockRequest& r) {
    pb::ReserveStockResponse resp;
    const grpc::Status s =
        Call(&pb::StockService::Stub::ReserveStock, *w.stock, w.service_token, r, &resp);
    REQUIRE(s.error_message() == "");
    return resp.reservation();
  };
  // The replay's answer is the first one but for the state and the time it last changed.
  auto same_hold = [](pb::Reservation replayed, const pb::Reservation& first) {
    replayed.set_state(first.state());
    *replayed.mutable_updated_at() = first.updated_at();
    return replayed.SerializeAsString() == first.SerializeAsString();
  };

  // Expired: 3 held for the binary's default TTL (2 s here), then swept.
  const pb::ReserveStockRequest expiring = request(3, 0);
  const pb::Reservation first_expiring = reserve(expiring);
  REQUIRE(first_expiring.state() == pb::RESERVATION_STATE_HELD);
  REQUIRE(w.AwaitState(first_expiring.reservation_id(), pb::RESERVATION_STATE_EXPIRED) ==
          pb::RESERVATION_STATE_EXPIRED);

  // Released: 4 held for a minute, released by its caller.
  const pb::ReserveStockRequest releasing = request(4, 60);
  const pb::Reservation first_releasing = reserve(releasing);
  REQUIRE(first_releasing.state() == pb::RESERVATION_STATE_HELD);
  pb::ReleaseReservationRequest release;
  release.set_request_id(NextId());
  release.set_reservation_id(first_releasing.reservation_id());
  pb::ReleaseReservationResponse released;
  REQUIRE(Call(&pb::StockService::Stub::ReleaseReservation, *w.stock, w.service_token, release,
               &released)
              .ok());
  REQUIRE(w.GetProduct(product.id()).stock() == 20);

  const std::string before = w.RowCounts();
  const pb::Reservation replayed_expired = reserve(expiring);
  CHECK(replayed_expired.state() == pb::RESERVATION_STATE_EXPIRED);
  CHECK(same_hold(replayed_expired, first_expiring));
  const pb::Reservation replayed_released = reserve(releasing);
  CHECK(replayed_released.state() == pb::RESERVATION_STATE_RELEASED);
  CHECK(same_hold(replayed_released, first_releasing));
  CHECK(replayed_released.lines(0).price_idr() == 60000);
  // Nothing held again: no reservation, ledger row, event or stock change.
  CHECK(before == w.RowCounts());
  const pb::Product after = w.GetProduct(product.id());
  CHECK(after.stock() == 20);
  CHECK(after.reserved() == 0);
  CHECK(w.Imbalances().empty());
}

TEST_CASE("two instances sweep each expired reservation once, across a restart", "[e2e][sweeper]") {
  World w;
  auto first = w.Start();
  w.Connect(*first);
  const pb::Market market = w.CreateMarket();
  const pb::Stall stall = w.CreateStall(market.id(), "trader-1");
  const pb::Product a =
      w.CreateProduct(stall, Token("trader-1", Role::kTrader, {stall.id()}), "Cabai rawit", 500);

  // A reservation made, then its instance killed before the expiry (default TTL 2 s).
  pb::ReserveStockResponse orphan;
  REQUIRE(w.Reserve(market.id(), a.id(), 7, &orphan, nullptr, 0).ok());
  first->Kill(SIGKILL);

  // Two instances on the same database, with reservations to expire.
  auto one = w.Start();
  auto two = w.Start();
  w.Connect(*one);
  std::vector<std::string> ids = {orphan.reservation().reservation_id()};
  for (int i = 0; i < 20; ++i) {
    pb::ReserveStockResponse resp;
    REQUIRE(w.Reserve(market.id(), a.id(), 1, &resp, nullptr, 0).ok());
    ids.push_back(resp.reservation().reservation_id());
  }
  for (const std::string& id : ids) {
    CHECK(w.AwaitState(id, pb::RESERVATION_STATE_EXPIRED) == pb::RESERVATION_STATE_EXPIRED);
  }
  for (const std::string& id : ids)
    CHECK(w.LedgerRows(id, "expiry") == 1);
  CHECK(w.OutboxRows("ReservationExpired") == static_cast<int64_t>(ids.size()));
  const pb::Product after = w.GetProduct(a.id());
  CHECK(after.stock() == 500);
  CHECK(after.reserved() == 0);
  CHECK(w.Imbalances().empty());
}

TEST_CASE("OrderConfirmed and OrderCancelled events settle reservations", "[e2e][events]") {
  World w;
  auto service = w.Start();
  w.Connect(*service);
  const pb::Market market = w.CreateMarket();
  const pb::Stall stall = w.CreateStall(market.id(), "trader-1");
  const pb::Product a =
      w.CreateProduct(stall, Token("trader-1", Role::kTrader, {stall.id()}), "Cabai rawit", 50);
  pb::ReserveStockResponse to_commit, to_release;
  REQUIRE(w.Reserve(market.id(), a.id(), 5, &to_commit).ok());
  REQUIRE(w.Reserve(market.id(), a.id(), 4, &to_release).ok());

  redis::Client redis(redis::ConfigFromUrl(testkit::RequireEnv("PASAR_TEST_REDIS"), w.prefix()));
  auto publish = [&](const events::v1::Envelope& e) {
    testkit::PublishAsRelay(redis, "events.order", e.event_id(), e.type(), e.aggregate_id(),
                            e.SerializeAsString());
  };
  events::v1::Envelope confirmed;
  confirmed.set_event_id("11111111-1111-4111-8111-111111111111");
  confirmed.set_type("OrderConfirmed");
  confirmed.set_producer("order");
  confirmed.set_aggregate_id("order-1");
  confirmed.mutable_order_confirmed()->set_order_id("order-1");
  confirmed.mutable_order_confirmed()->set_reservation_id(to_commit.reservation().reservation_id());
  events::v1::ProductQuantity* q = confirmed.mutable_order_confirmed()->add_final_quantities();
  q->set_product_id(a.id());
  q->set_quantity(4);  // weighed: 4 of the 5 held
  events::v1::Envelope cancelled;
  cancelled.set_event_id("22222222-2222-4222-8222-222222222222");
  cancelled.set_type("OrderCancelled");
  cancelled.set_producer("order");
  cancelled.set_aggregate_id("order-2");
  cancelled.mutable_order_cancelled()->set_reservation_id(
      to_release.reservation().reservation_id());
  publish(confirmed);
  publish(cancelled);
  publish(confirmed);  // a duplicate delivery changes nothing

  const std::string commit_id = to_commit.reservation().reservation_id();
  const std::string release_id = to_release.reservation().reservation_id();
  CHECK(w.AwaitState(commit_id, pb::RESERVATION_STATE_COMMITTED) ==
        pb::RESERVATION_STATE_COMMITTED);
  CHECK(w.AwaitState(release_id, pb::RESERVATION_STATE_RELEASED) == pb::RESERVATION_STATE_RELEASED);
  CHECK(w.GetReservation(commit_id).lines(0).committed_quantity() == 4);
  CHECK(w.LedgerRows(commit_id, "commit") == 1);
  CHECK(w.LedgerRows(release_id, "release") == 1);
  CHECK(w.GetProduct(a.id()).stock() == 46);  // 50 - 4 sold
  CHECK(w.Imbalances().empty());
}

namespace {

// A market with an open stall of trader-1 (own), a stall of trader-9 (foreign) and a product.
struct Catalogue {
  pb::Market market;
  pb::Stall own, foreign;
  pb::Product product;
  std::string own_trader, foreign_trader;
};

Catalogue Seed(World& w) {
  Catalogue c;
  c.market = w.CreateMarket();
  c.own = w.CreateStall(c.market.id(), "trader-1");
  c.foreign = w.CreateStall(c.market.id(), "trader-9");
  c.own_trader = Token("trader-1", Role::kTrader, {c.own.id()});
  c.foreign_trader = Token("trader-9", Role::kTrader, {c.foreign.id()});
  c.product = w.CreateProduct(c.own, c.own_trader, "Cabai rawit", 1000);
  return c;
}

}  // namespace

TEST_CASE("authorization matrix: every RPC by every role on own and foreign objects",
          "[e2e][auth]") {
  World w;
  auto service = w.Start();
  w.Connect(*service);
  const Catalogue c = Seed(w);
  auth::JwtConfig config;
  config.secret = kSecret;
  const std::string expired =
      auth::Mint(config, Principal{"order", Role::kService, {}}, absl::Seconds(-120));

  enum class Group { kCatalog, kStall, kAdmin, kStock };
  struct Rpc {
    std::string name;
    Group group;
    std::function<grpc::Status(const std::string& token)> call;
  };
  // A held reservation for each commit/release attempt, made by the service.
  auto fresh_reservation = [&] {
    pb::ReserveStockResponse r;
    REQUIRE(w.Reserve(c.market.id(), c.product.id(), 1, &r).ok());
    return r.reservation().reservation_id();
  };
  std::vector<Rpc> rpcs = {
      {"ListMarkets", Group::kCatalog,
       [&](const std::string& t) {
         pb::ListMarketsResponse r;
         return Call(&pb::CatalogService::Stub::ListMarkets, *w.catalog, t,
                     pb::ListMarketsRequest{}, &r);
       }},
      {"GetMarket", Group::kCatalog,
       [&](const std::string& t) {
         pb::GetMarketRequest q;
         q.set_market_id(c.market.id());
         pb::GetMarketResponse r;
         return Call(&pb::CatalogService::Stub::GetMarket, *w.catalog, t, q, &r);
       }},
      {"ListStalls", Group::kCatalog,
       [&](const std::string& t) {
         pb::ListStallsRequest q;
         q.set_market_id(c.market.id());
         pb::ListStallsResponse r;
         return Call(&pb::CatalogService::Stub::ListStalls, *w.catalog, t, q, &r);
       }},
      {"GetStall", Group::kCatalog,
       [&](const std::string& t) {
         pb::GetStallRequest q;
         q.set_stall_id(c.own.id());
         pb::GetStallResponse r;
         return Call(&pb::CatalogService::Stub::GetStall, *w.catalog, t, q, &r);
       }},
      {"ListProducts", Group::kCatalog,
       [&](const std::string& t) {
         pb::ListProductsRequest q;
         q.set_market_id(c.market.id());
         q.set_query("cabai");
         pb::ListProductsResponse r;
         return Call(&pb::CatalogService::Stub::ListProducts, *w.catalog, t, q, &r);
       }},
      {"GetProduct", Group::kCatalog,
       [&](const std::string& t) {
         pb::GetProductRequest q;
         q.set_product_id(c.product.id());
         pb::GetProductResponse r;
         return Call(&pb::CatalogService::Stub::GetProduct, *w.catalog, t, q, &r);
       }},
      {"BatchGetProducts", Group::kCatalog,
       [&](const std::string& t) {
         pb::BatchGetProductsRequest q;
         q.add_product_ids(c.product.id());
         pb::BatchGetProductsResponse r;
         return Call(&pb::CatalogService::Stub::BatchGetProducts, *w.catalog, t, q, &r);
       }},
      {"UpdateStall", Group::kStall,
       [&](const std::string& t) {
         pb::UpdateStallRequest q;
         q.set_request_id(NextId());
         q.set_stall_id(c.own.id());
         q.set_preparation_minutes(15);
         pb::UpdateStallResponse r;
         return Call(&pb::StallService::Stub::UpdateStall, *w.stall, t, q, &r);
       }},
      {"CreateProduct", Group::kStall,
       [&](const std::string& t) {
         pb::CreateProductRequest q;
         q.set_request_id(NextId());
         q.set_stall_id(c.own.id());
         q.set_name("Kangkung");
         q.set_category(pb::CATEGORY_SAYUR);
         q.set_unit("ikat");
         q.set_price_idr(3000);
         pb::CreateProductResponse r;
         return Call(&pb::StallService::Stub::CreateProduct, *w.stall, t, q, &r);
       }},
      {"UpdateProduct", Group::kStall,
       [&](const std::string& t) {
         pb::UpdateProductRequest q;
         q.set_request_id(NextId());
         q.set_product_id(c.product.id());
         q.set_price_idr(61000);
         pb::UpdateProductResponse r;
         return Call(&pb::StallService::Stub::UpdateProduct, *w.stall, t, q, &r);
       }},
      {"AdjustStock", Group::kStall,
       [&](const std::string& t) {
         pb::AdjustStockRequest q;
         q.set_request_id(NextId());
         q.set_product_id(c.product.id());
         q.set_delta(1);
         q.set_reason(pb::STOCK_ADJUSTMENT_REASON_CORRECTION);
         pb::AdjustStockResponse r;
         return Call(&pb::StallService::Stub::AdjustStock, *w.stall, t, q, &r);
       }},
      {"SetStock", Group::kStall,
       [&](const std::string& t) {
         pb::SetStockRequest q;
         q.set_request_id(NextId());
         q.set_product_id(c.product.id());
         q.set_stock(900);
         pb::SetStockResponse r;
         return Call(&pb::StallService::Stub::SetStock, *w.stall, t, q, &r);
       }},
      {"CreateMarket", Group::kAdmin,
       [&](const std::string& t) {
         pb::CreateMarketRequest q;
         q.set_request_id(NextId());
         *q.mutable_market() = c.market;
         pb::CreateMarketResponse r;
         return Call(&pb::MarketAdminService::Stub::CreateMarket, *w.admin, t, q, &r);
       }},
      {"UpdateMarket", Group::kAdmin,
       [&](const std::string& t) {
         pb::UpdateMarketRequest q;
         q.set_request_id(NextId());
         q.set_market_id(c.market.id());
         q.set_name("Pasar Senduro");
         pb::UpdateMarketResponse r;
         return Call(&pb::MarketAdminService::Stub::UpdateMarket, *w.admin, t, q, &r);
       }},
      {"CreateStall", Group::kAdmin,
       [&](const std::string& t) {
         pb::CreateStallRequest q;
         q.set_request_id(NextId());
         q.set_market_id(c.market.id());
         q.set_trader_subject("trader-3");
         q.set_name("Buah Segar");
         q.set_category(pb::CATEGORY_BUAH);
         pb::CreateStallResponse r;
         return Call(&pb::MarketAdminService::Stub::CreateStall, *w.admin, t, q, &r);
       }},
      {"ReserveStock", Group::kStock,
       [&](const std::string& t) {
         pb::ReserveStockRequest q;
         q.set_request_id(NextId());
         q.set_market_id(c.market.id());
         q.set_ttl_seconds(60);
         pb::ReserveLine* l = q.add_lines();
         l->set_product_id(c.product.id());
         l->set_quantity(1);
         pb::ReserveStockResponse r;
         return Call(&pb::StockService::Stub::ReserveStock, *w.stock, t, q, &r);
       }},
      {"CommitReservation", Group::kStock,
       [&](const std::string& t) {
         pb::CommitReservationRequest q;
         q.set_request_id(NextId());
         q.set_reservation_id(fresh_reservation());
         pb::CommitReservationResponse r;
         return Call(&pb::StockService::Stub::CommitReservation, *w.stock, t, q, &r);
       }},
      {"ReleaseReservation", Group::kStock,
       [&](const std::string& t) {
         pb::ReleaseReservationRequest q;
         q.set_request_id(NextId());
         q.set_reservation_id(fresh_reservation());
         pb::ReleaseReservationResponse r;
         return Call(&pb::StockService::Stub::ReleaseReservation, *w.stock, t, q, &r);
       }},
      {"GetReservation", Group::kStock,
       [&](const std::string& t) {
         pb::GetReservationRequest q;
         q.set_reservation_id(fresh_reservation());
         pb::GetReservationResponse r;
         return Call(&pb::StockService::Stub::GetReservation, *w.stock, t, q, &r);
       }},
  };

  struct Caller {
    std::string name;
    std::string token;
  };
  const std::vector<Caller> callers = {
      {"no token", ""},
      {"expired token", expired},
      {"garbage token", "not-a-jwt"},
      {"customer", w.customer_token},
      {"courier", w.courier_token},
      {"operator", w.operator_token},
      {"service", w.service_token},
      {"trader of the stall", c.own_trader},
      {"trader of another stall", c.foreign_trader},
  };
  auto expected = [](Group g, const std::string& who) {
    if (who == "no token" || who == "expired token" || who == "garbage token") {
      return StatusCode::UNAUTHENTICATED;
    }
    switch (g) {
      case Group::kCatalog:
        return StatusCode::OK;
      case Group::kStall:
        if (who == "trader of the stall") return StatusCode::OK;
        if (who == "trader of another stall") return StatusCode::NOT_FOUND;
        return StatusCode::PERMISSION_DENIED;
      case Group::kAdmin:
        return who == "operator" ? StatusCode::OK : StatusCode::PERMISSION_DENIED;
      case Group::kStock:
        return who == "service" ? StatusCode::OK : StatusCode::PERMISSION_DENIED;
    }
    return StatusCode::UNKNOWN;
  };
  for (const Rpc& rpc : rpcs) {
    for (const Caller& caller : callers) {
      INFO(rpc.name << " by " << caller.name);
      const grpc::Status s = rpc.call(caller.token);
      INFO(s.error_message());
      CHECK(s.error_code() == expected(rpc.group, caller.name));
    }
  }
}

TEST_CASE("customers search products and page through the results with tokens", "[e2e][catalog]") {
  World w;
  auto service = w.Start();
  w.Connect(*service);
  const Catalogue c = Seed(w);  // "Cabai rawit" of stall own
  for (const char* name : {"Cabai rawit merah", "cabai RAWIT hijau", "Bawang merah",
                           "Cabai rawit super", "Tomat", "Cabai keriting", "Cabai rawit lokal"}) {
    w.CreateProduct(c.own, c.own_trader, name, 10);
  }
  pb::ListProductsRequest q;
  q.set_market_id(c.market.id());
  q.set_query("  cabai   rawit ");
  q.set_page_size(2);
  std::vector<std::string> names;
  for (int page = 0; page < 5; ++page) {
    pb::ListProductsResponse r;
    REQUIRE(
        Call(&pb::CatalogService::Stub::ListProducts, *w.catalog, w.customer_token, q, &r).ok());
    for (const pb::Product& p : r.products()) {
      names.push_back(p.name());
      CHECK(p.available());
      CHECK(p.stall_name() == c.own.name());
    }
    if (r.next_page_token().empty()) break;
    CHECK(r.products_size() == 2);
    q.set_page_token(r.next_page_token());
  }
  // Every match once, ordered by name (case-sensitive collation order as stored).
  CHECK(names.size() == 5);
  std::vector<std::string> sorted = names;
  std::sort(sorted.begin(), sorted.end());
  CHECK(std::unique(sorted.begin(), sorted.end()) == sorted.end());
  CHECK(std::count(names.begin(), names.end(), "Cabai keriting") == 0);

  // The token belongs to its query: reusing it with another text is refused.
  q.set_query("bawang");
  pb::ListProductsResponse other;
  CHECK(Call(&pb::CatalogService::Stub::ListProducts, *w.catalog, w.customer_token, q, &other)
            .error_code() == StatusCode::INVALID_ARGUMENT);
}

TEST_CASE("bad input on every RPC is INVALID_ARGUMENT naming the field and writes nothing",
          "[e2e][validation]") {
  World w;
  auto service = w.Start();
  w.Connect(*service);
  const Catalogue c = Seed(w);
  pb::ReserveStockResponse held;
  REQUIRE(w.Reserve(c.market.id(), c.product.id(), 3, &held).ok());
  const std::string reservation_id = held.reservation().reservation_id();

  struct Case {
    std::string field;  // the message must start with "<field>: "
    std::function<grpc::Status()> call;
  };
  std::vector<Case> cases;
  // Catalog.
  auto list_markets = [&](int size, std::string token) {
    pb::ListMarketsRequest q;
    q.set_page_size(size);
    q.set_page_token(std::move(token));
    pb::ListMarketsResponse r;
    return Call(&pb::CatalogService::Stub::ListMarkets, *w.catalog, w.customer_token, q, &r);
  };
  cases.push_back({"page_size", [=] { return list_markets(-1, ""); }});
  cases.push_back({"page_token", [=] { return list_markets(10, "garbage!"); }});
  auto get_market = [&](std::string id) {
    pb::GetMarketRequest q;
    q.set_market_id(std::move(id));
    pb::GetMarketResponse r;
    return Call(&pb::CatalogService::Stub::GetMarket, *w.catalog, w.customer_token, q, &r);
  };
  cases.push_back({"market_id", [=] { return get_market(""); }});
  cases.push_back({"market_id", [=] { return get_market("not-a-uuid"); }});
  auto list_stalls = [&](std::string market, int category) {
    pb::ListStallsRequest q;
    q.set_market_id(std::move(market));
    q.set_category(static_cast<pb::Category>(category));
    pb::ListStallsResponse r;
    return Call(&pb::CatalogService::Stub::ListStalls, *w.catalog, w.customer_token, q, &r);
  };
  cases.push_back({"market_id", [=] { return list_stalls("", 0); }});
  cases.push_back({"category", [=] { return list_stalls(c.market.id(), 99); }});
  cases.push_back({"stall_id", [&] {
                     pb::GetStallRequest q;
                     q.set_stall_id("x");
                     pb::GetStallResponse r;
                     return Call(&pb::CatalogService::Stub::GetStall, *w.catalog, w.customer_token,
                                 q, &r);
                   }});
  auto list_products = [&](std::function<void(pb::ListProductsRequest&)> edit) {
    pb::ListProductsRequest q;
    q.set_market_id(c.market.id());
    edit(q);
    pb::ListProductsResponse r;
    return Call(&pb::CatalogService::Stub::ListProducts, *w.catalog, w.customer_token, q, &r);
  };
  cases.push_back(
      {"market_id", [=] { return list_products([](auto& q) { q.clear_market_id(); }); }});
  cases.push_back(
      {"stall_id", [=] { return list_products([](auto& q) { q.set_stall_id("s"); }); }});
  cases.push_back({"query", [=] {
                     return list_products([](auto& q) { q.set_query(std::string(101, 'a')); });
                   }});
  cases.push_back(
      {"page_size", [=] { return list_products([](auto& q) { q.set_page_size(-3); }); }});
  cases.push_back(
      {"page_token", [&] {
         // A token of another query (ListMarkets) is refused.
         pb::ListMarketsRequest mq;
         mq.set_page_size(1);
         pb::ListMarketsResponse mr;
         // One market only: make a second so a next page exists.
         w.CreateMarket();
         REQUIRE(Call(&pb::CatalogService::Stub::ListMarkets, *w.catalog, w.customer_token, mq, &mr)
                     .ok());
         REQUIRE_FALSE(mr.next_page_token().empty());
         return list_products([&](auto& q) { q.set_page_token(mr.next_page_token()); });
       }});
  cases.push_back({"product_id", [&] {
                     pb::GetProductRequest q;
                     pb::GetProductResponse r;
                     return Call(&pb::CatalogService::Stub::GetProduct, *w.catalog,
                                 w.customer_token, q, &r);
                   }});
  auto batch = [&](std::vector<std::string> ids) {
    pb::BatchGetProductsRequest q;
    for (auto& id : ids)
      q.add_product_ids(id);
    pb::BatchGetProductsResponse r;
    return Call(&pb::CatalogService::Stub::BatchGetProducts, *w.catalog, w.customer_token, q, &r);
  };
  cases.push_back({"product_ids", [=] { return batch({}); }});
  cases.push_back(
      {"product_ids", [=] { return batch(std::vector<std::string>(101, c.product.id())); }});
  cases.push_back({"product_ids[1]", [=] { return batch({c.product.id(), c.product.id()}); }});
  cases.push_back({"product_ids[0]", [=] { return batch({"nope"}); }});

  // StallService (the stall's own trader, so only the input is wrong).
  auto update_stall = [&](std::function<void(pb::UpdateStallRequest&)> edit) {
    pb::UpdateStallRequest q;
    q.set_request_id(NextId());
    q.set_stall_id(c.own.id());
    edit(q);
    pb::UpdateStallResponse r;
    return Call(&pb::StallService::Stub::UpdateStall, *w.stall, c.own_trader, q, &r);
  };
  cases.push_back(
      {"request_id", [=] { return update_stall([](auto& q) { q.clear_request_id(); }); }});
  cases.push_back({"request_id", [=] {
                     return update_stall([](auto& q) { q.set_request_id(std::string(129, 'r')); });
                   }});
  cases.push_back({"preparation_minutes",
                   [=] { return update_stall([](auto& q) { q.set_preparation_minutes(241); }); }});
  cases.push_back({"name", [=] { return update_stall([](auto& q) { q.set_name(""); }); }});
  auto create_product = [&](std::function<void(pb::CreateProductRequest&)> edit) {
    pb::CreateProductRequest q;
    q.set_request_id(NextId());
    q.set_stall_id(c.own.id());
    q.set_name("Tomat");
    q.set_category(pb::CATEGORY_SAYUR);
    q.set_unit("kg");
    q.set_price_idr(9000);
    q.set_stock(10);
    edit(q);
    pb::CreateProductResponse r;
    return Call(&pb::StallService::Stub::CreateProduct, *w.stall, c.own_trader, q, &r);
  };
  cases.push_back(
      {"price_idr", [=] { return create_product([](auto& q) { q.set_price_idr(0); }); }});
  cases.push_back(
      {"price_idr", [=] { return create_product([](auto& q) { q.set_price_idr(100000001); }); }});
  cases.push_back(
      {"name", [=] { return create_product([](auto& q) { q.set_name(std::string(101, 'n')); }); }});
  cases.push_back({"name", [=] { return create_product([](auto& q) { q.set_name("  "); }); }});
  cases.push_back({"unit", [=] { return create_product([](auto& q) { q.set_unit(""); }); }});
  cases.push_back(
      {"category",
       [=] { return create_product([](auto& q) { q.set_category(pb::CATEGORY_UNSPECIFIED); }); }});
  cases.push_back({"stock", [=] { return create_product([](auto& q) { q.set_stock(-1); }); }});
  cases.push_back(
      {"stall_id", [=] { return create_product([](auto& q) { q.set_stall_id("1"); }); }});
  auto update_product = [&](std::function<void(pb::UpdateProductRequest&)> edit) {
    pb::UpdateProductRequest q;
    q.set_request_id(NextId());
    q.set_product_id(c.product.id());
    edit(q);
    pb::UpdateProductResponse r;
    return Call(&pb::StallService::Stub::UpdateProduct, *w.stall, c.own_trader, q, &r);
  };
  cases.push_back({"update", [=] { return update_product([](auto&) {}); }});
  cases.push_back(
      {"price_idr", [=] { return update_product([](auto& q) { q.set_price_idr(-1); }); }});
  auto adjust = [&](int64_t delta, int reason, std::string note) {
    pb::AdjustStockRequest q;
    q.set_request_id(NextId());
    q.set_product_id(c.product.id());
    q.set_delta(delta);
    q.set_reason(static_cast<pb::StockAdjustmentReason>(reason));
    q.set_note(std::move(note));
    pb::AdjustStockResponse r;
    return Call(&pb::StallService::Stub::AdjustStock, *w.stall, c.own_trader, q, &r);
  };
  cases.push_back({"delta", [=] { return adjust(0, 1, ""); }});
  cases.push_back({"delta", [=] { return adjust(-5, 1, ""); }});  // RESTOCK removing stock
  cases.push_back({"reason", [=] { return adjust(5, 0, ""); }});
  cases.push_back({"note", [=] { return adjust(5, 1, std::string(201, 'x')); }});
  cases.push_back({"stock", [&] {
                     pb::SetStockRequest q;
                     q.set_request_id(NextId());
                     q.set_product_id(c.product.id());
                     q.set_stock(-5);
                     pb::SetStockResponse r;
                     return Call(&pb::StallService::Stub::SetStock, *w.stall, c.own_trader, q, &r);
                   }});

  // MarketAdminService.
  auto create_market = [&](std::function<void(pb::Market&)> edit, bool with_market = true) {
    pb::CreateMarketRequest q;
    q.set_request_id(NextId());
    if (with_market) {
      *q.mutable_market() = c.market;
      edit(*q.mutable_market());
    }
    pb::CreateMarketResponse r;
    return Call(&pb::MarketAdminService::Stub::CreateMarket, *w.admin, w.operator_token, q, &r);
  };
  cases.push_back({"market", [=] { return create_market([](auto&) {}, false); }});
  cases.push_back({"market.location", [=] {
                     return create_market([](auto& m) { m.mutable_location()->set_lat(91); });
                   }});
  cases.push_back(
      {"market.location", [=] { return create_market([](auto& m) { m.clear_location(); }); }});
  cases.push_back({"market.time_zone",
                   [=] { return create_market([](auto& m) { m.set_time_zone("Mars/Base"); }); }});
  cases.push_back({"market.opening_hours.intervals[0].weekday", [=] {
                     return create_market([](auto& m) {
                       m.mutable_opening_hours()->mutable_intervals(0)->set_weekday(
                           static_cast<pb::Weekday>(8));
                     });
                   }});
  cases.push_back({"market.opening_hours.intervals[0].close_minute", [=] {
                     return create_market([](auto& m) {
                       m.mutable_opening_hours()->mutable_intervals(0)->set_open_minute(600);
                       m.mutable_opening_hours()->mutable_intervals(0)->set_close_minute(500);
                     });
                   }});
  cases.push_back({"market.weighed_tolerance_percent", [=] {
                     return create_market([](auto& m) { m.set_weighed_tolerance_percent(51); });
                   }});
  cases.push_back(
      {"market.trader_response_timeout_seconds",
       [=] { return create_market([](auto& m) { m.set_trader_response_timeout_seconds(5); }); }});
  cases.push_back({"market.fee_scheme.kind", [=] {
                     return create_market([](auto& m) {
                       m.mutable_fee_scheme()->set_kind(pb::FEE_KIND_UNSPECIFIED);
                     });
                   }});
  cases.push_back({"market.max_delivery_distance_meters", [=] {
                     return create_market([](auto& m) { m.set_max_delivery_distance_meters(0); });
                   }});
  cases.push_back({"market.name", [=] { return create_market([](auto& m) { m.set_name(""); }); }});
  auto update_market = [&](std::function<void(pb::UpdateMarketRequest&)> edit) {
    pb::UpdateMarketRequest q;
    q.set_request_id(NextId());
    q.set_market_id(c.market.id());
    edit(q);
    pb::UpdateMarketResponse r;
    return Call(&pb::MarketAdminService::Stub::UpdateMarket, *w.admin, w.operator_token, q, &r);
  };
  cases.push_back({"update", [=] { return update_market([](auto&) {}); }});
  cases.push_back({"market_id", [=] {
                     return update_market([](auto& q) {
                       q.set_market_id("m");
                       q.set_name("x");
                     });
                   }});
  cases.push_back(
      {"time_zone", [=] { return update_market([](auto& q) { q.set_time_zone("Nope"); }); }});
  cases.push_back({"dispatch_timeout_seconds", [=] {
                     return update_market([](auto& q) { q.set_dispatch_timeout_seconds(1); });
                   }});
  auto create_stall = [&](std::function<void(pb::CreateStallRequest&)> edit) {
    pb::CreateStallRequest q;
    q.set_request_id(NextId());
    q.set_market_id(c.market.id());
    q.set_trader_subject("trader-5");
    q.set_name("Daging Pak Hadi");
    q.set_category(pb::CATEGORY_DAGING);
    edit(q);
    pb::CreateStallResponse r;
    return Call(&pb::MarketAdminService::Stub::CreateStall, *w.admin, w.operator_token, q, &r);
  };
  cases.push_back(
      {"trader_subject", [=] { return create_stall([](auto& q) { q.set_trader_subject(""); }); }});
  cases.push_back({"name", [=] { return create_stall([](auto& q) { q.set_name(""); }); }});
  cases.push_back({"category", [=] {
                     return create_stall([](auto& q) { q.set_category(pb::CATEGORY_UNSPECIFIED); });
                   }});

  // StockService.
  auto reserve = [&](std::function<void(pb::ReserveStockRequest&)> edit) {
    pb::ReserveStockRequest q;
    q.set_request_id(NextId());
    q.set_market_id(c.market.id());
    pb::ReserveLine* l = q.add_lines();
    l->set_product_id(c.product.id());
    l->set_quantity(1);
    edit(q);
    pb::ReserveStockResponse r;
    return Call(&pb::StockService::Stub::ReserveStock, *w.stock, w.service_token, q, &r);
  };
  cases.push_back({"lines", [=] { return reserve([](auto& q) { q.clear_lines(); }); }});
  cases.push_back({"lines[0].quantity",
                   [=] { return reserve([](auto& q) { q.mutable_lines(0)->set_quantity(0); }); }});
  cases.push_back({"lines[0].quantity", [=] {
                     return reserve([](auto& q) { q.mutable_lines(0)->set_quantity(1000001); });
                   }});
  cases.push_back({"lines[1].product_id",
                   [=] { return reserve([](auto& q) { *q.add_lines() = q.lines(0); }); }});
  cases.push_back({"lines[0].product_id", [=] {
                     return reserve([](auto& q) { q.mutable_lines(0)->set_product_id("p"); });
                   }});
  cases.push_back({"ttl_seconds", [=] { return reserve([](auto& q) { q.set_ttl_seconds(5); }); }});
  cases.push_back({"market_id", [=] { return reserve([](auto& q) { q.set_market_id("m"); }); }});
  cases.push_back({"request_id", [=] { return reserve([](auto& q) { q.clear_request_id(); }); }});
  auto commit = [&](std::function<void(pb::CommitReservationRequest&)> edit) {
    pb::CommitReservationRequest q;
    q.set_request_id(NextId());
    q.set_reservation_id(reservation_id);
    pb::CommitLine* l = q.add_lines();
    l->set_product_id(c.product.id());
    l->set_final_quantity(3);
    edit(q);
    pb::CommitReservationResponse r;
    return Call(&pb::StockService::Stub::CommitReservation, *w.stock, w.service_token, q, &r);
  };
  cases.push_back(
      {"reservation_id", [=] { return commit([](auto& q) { q.set_reservation_id("r"); }); }});
  cases.push_back({"lines[0].final_quantity", [=] {
                     return commit([](auto& q) { q.mutable_lines(0)->set_final_quantity(-1); });
                   }});
  cases.push_back(
      {"lines[0].final_quantity",  // more than held (3)
       [=] { return commit([](auto& q) { q.mutable_lines(0)->set_final_quantity(4); }); }});
  cases.push_back({"lines[0].product_id", [=] {  // not a line of the reservation
                     return commit([&](auto& q) {
                       q.mutable_lines(0)->set_product_id("00000000-0000-4000-8000-000000000001");
                     });
                   }});
  auto release = [&](std::function<void(pb::ReleaseReservationRequest&)> edit) {
    pb::ReleaseReservationRequest q;
    q.set_request_id(NextId());
    q.set_reservation_id(reservation_id);
    edit(q);
    pb::ReleaseReservationResponse r;
    return Call(&pb::StockService::Stub::ReleaseReservation, *w.stock, w.service_token, q, &r);
  };
  cases.push_back(
      {"reason", [=] { return release([](auto& q) { q.set_reason(std::string(201, 'r')); }); }});
  cases.push_back(
      {"reservation_id", [=] { return release([](auto& q) { q.clear_reservation_id(); }); }});
  cases.push_back({"reservation_id", [&] {
                     pb::GetReservationRequest q;
                     q.set_reservation_id("?");
                     pb::GetReservationResponse r;
                     return Call(&pb::StockService::Stub::GetReservation, *w.stock, w.service_token,
                                 q, &r);
                   }});

  for (const Case& k : cases) {
    const std::string before = w.RowCounts();
    const grpc::Status s = k.call();
    INFO("field " << k.field << ": " << s.error_message());
    CHECK(s.error_code() == StatusCode::INVALID_ARGUMENT);
    CHECK(StartsWith(s.error_message(), k.field + ": "));
    if (k.field != "page_token") CHECK(before == w.RowCounts());  // (that case adds a market)
  }
  // The reservation is still held, untouched.
  const pb::Reservation after = w.GetReservation(reservation_id);
  CHECK(after.state() == pb::RESERVATION_STATE_HELD);
  CHECK(w.Imbalances().empty());
}
