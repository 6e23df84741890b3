// The regency's programmes with the REAL pasar-order and pasar-inventory binaries, PostgreSQL and
// Redis: budgets and caps held exactly under concurrent PlaceOrders and replays, bad input, who
// may read what, and a benefit followed to delivery and the statement.
#include <catch2/catch.hpp>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <map>
#include <thread>

#include "app/ids.h"
#include "e2e.h"
#include "market_fixture.h"
#include "pasar/order/v1/programme.grpc.pb.h"

namespace {

using namespace pasar;
using namespace pasar::order::testing;
using auth::Role;
namespace v1 = pasar::order::v1;
namespace ev = pasar::events::v1;
using pasar::order::RandomUuid;

std::string KeyFile() {
  const auto path = std::filesystem::temp_directory_path() / ("pasar-resident-key-" + RandomUuid());
  std::ofstream(path) << "test-resident-key-" << RandomUuid() << "\n";
  return path.string();
}

struct Env : SeededMarket {
  testkit::TempDatabase inventory_db;
  testkit::TempDatabase order_db;
  std::string prefix = testkit::UniqueRedisPrefix();
  std::string key_file = KeyFile();
  testkit::ServiceProcess inventory;
  testkit::ServiceProcess order;
  OrderClient client;
  std::unique_ptr<v1::ProgrammeService::Stub> programmes;
  redis::Client redis;
  const std::string office = Token(Role::kOfficial, "dinas-perdagangan");

  Env()
      : inventory(testkit::BinaryPath("pasar-inventory"),
                  testkit::ServiceEnv(inventory_db, prefix, kSecret)),
        order(testkit::BinaryPath("pasar-order"),
              OrderEnv(order_db, prefix, inventory.address(),
                       {{"PASAR_RESIDENT_KEY_FILE", key_file}, {"PASAR_PG_POOL_SIZE", "72"}})),
        client(order.address()),
        programmes(v1::ProgrammeService::NewStub(client.channel)),
        redis(redis::ConfigFromUrl(testkit::RequireEnv("PASAR_TEST_REDIS"), prefix)) {
    static_cast<SeededMarket&>(*this) =
        SeedMarket(grpc::CreateChannel(inventory.address(), grpc::InsecureChannelCredentials()),
                   /*stalls=*/2, /*weighed=*/false, /*stock=*/1000);
  }
  ~Env() { std::filesystem::remove(key_file); }

  // One Bayam (3,000) of stall `stall`, ~2.6 km by road: delivery 7,500, service 1,000.
  v1::PlaceOrderRequest Cart(const std::string& request_id, int stall = 0, int64_t qty = 1) const {
    v1::PlaceOrderRequest req;
    req.set_request_id(request_id);
    req.set_market_id(market_id);
    v1::CartLine* l = req.add_lines();
    l->set_product_id(products.at(static_cast<size_t>(stall)).id);
    l->set_quantity(qty);
    req.mutable_drop_off()->set_lat(kMarketLat + 0.018);
    req.mutable_drop_off()->set_lng(kMarketLng);
    return req;
  }

  v1::Programme Programme(int64_t budget) const {
    v1::Programme p;
    p.set_name("Ayo beli produk Lumajang");
    p.add_market_ids(market_id);
    p.mutable_starts_at()->set_seconds(absl::ToUnixSeconds(absl::Now() - absl::Hours(1)));
    p.mutable_ends_at()->set_seconds(absl::ToUnixSeconds(absl::Now() + absl::Hours(24)));
    p.set_budget_idr(budget);
    return p;
  }

  grpc::Status Create(const v1::Programme& p, v1::Programme* out = nullptr,
                      const std::string& token = "") {
    v1::CreateProgrammeRequest req;
    req.set_request_id("create-" + RandomUuid());
    *req.mutable_programme() = p;
    v1::CreateProgrammeResponse resp;
    const grpc::Status s =
        programmes->CreateProgramme(Ctx(token.empty() ? office : token).get(), req, &resp);
    if (out) *out = resp.programme();
    return s;
  }

  v1::Programme Get(const std::string& id) {
    v1::GetProgrammeRequest req;
    req.set_programme_id(id);
    v1::GetProgrammeResponse resp;
    REQUIRE(programmes->GetProgramme(Ctx(office).get(), req, &resp).error_message() == "");
    return resp.programme();
  }

  // As a client does: a transient failure (a busy machine) is retried with the same request id.
  grpc::Status Place(const std::string& customer, const v1::PlaceOrderRequest& req,
                     v1::PlaceOrderResponse* resp, std::string* reason = nullptr) {
    for (int attempt = 0;; ++attempt) {
      auto ctx = Ctx(Token(Role::kCustomer, customer));
      resp->Clear();
      const grpc::Status s = client.orders->PlaceOrder(ctx.get(), req, resp);
      if (reason) *reason = Reason(*ctx);
      const bool transient = s.error_code() == grpc::StatusCode::UNAVAILABLE ||
                             s.error_code() == grpc::StatusCode::ABORTED ||
                             s.error_code() == grpc::StatusCode::INTERNAL;
      if (!transient || attempt == 5) return s;
    }
  }

  v1::Order GetOrder(const std::string& customer, const std::string& id) {
    v1::GetOrderRequest req;
    req.set_order_id(id);
    v1::GetOrderResponse resp;
    REQUIRE(client.orders->GetOrder(Ctx(Token(Role::kCustomer, customer)).get(), req, &resp)
                .error_message() == "");
    return resp.order();
  }

  grpc::Status Link(const std::string& customer, const std::string& number,
                    std::string* reason = nullptr) {
    v1::LinkResidentRequest req;
    req.set_request_id("link-" + RandomUuid());
    req.set_resident_number(number);
    v1::LinkResidentResponse resp;
    auto ctx = Ctx(Token(Role::kCustomer, customer));
    const grpc::Status s = programmes->LinkResident(ctx.get(), req, &resp);
    if (reason) *reason = Reason(*ctx);
    return s;
  }

  void Import(const std::string& programme_id, std::vector<std::string> numbers) {
    v1::ImportResidentsRequest req;
    req.set_request_id("import-" + RandomUuid());
    req.set_programme_id(programme_id);
    for (auto& n : numbers)
      req.add_resident_numbers(n);
    v1::ImportResidentsResponse resp;
    REQUIRE(programmes->ImportResidents(Ctx(office).get(), req, &resp).error_message() == "");
    CHECK(resp.added() == static_cast<int64_t>(numbers.size()));
  }
};

// Runs `n` calls of `f(i)` at once, one thread each.
template <class F>
void Concurrently(int n, F f) {
  std::vector<std::thread> threads;
  std::atomic<bool> go{false};
  for (int i = 0; i < n; ++i) {
    threads.emplace_back([&, i] {
      while (!go.load())
        std::this_thread::yield();
      f(i);
    });
  }
  go = true;
  for (auto& t : threads)
    t.join();
}

ev::Envelope DispatchEvent(const std::string& type) {
  ev::Envelope e;
  e.set_event_id(RandomUuid());
  e.set_type(type);
  e.set_producer("dispatch");
  return e;
}

}  // namespace

TEST_CASE(
    "64 concurrent PlaceOrders against a budget for exactly N benefits, replays change "
    "nothing") {
  Env env;
  constexpr int kN = 10, kOrders = 64;
  constexpr int64_t kFee = 7500;  // 3 started km x 2,500: the whole fee is the benefit
  v1::Programme p = env.Programme(kN * kFee + kFee - 1);
  p.mutable_delivery_subsidy()->set_max_per_order_idr(10'000);
  v1::Programme created;
  REQUIRE(env.Create(p, &created).error_message() == "");

  // Half the customers ask to be refused rather than placed without a benefit.
  std::vector<v1::PlaceOrderRequest> requests;
  for (int i = 0; i < kOrders; ++i) {
    v1::PlaceOrderRequest r = env.Cart("order-" + std::to_string(i), i % 2);
    r.set_require_benefit(i % 2 == 1);
    requests.push_back(r);
  }
  std::vector<grpc::Status> status(kOrders);
  std::vector<std::string> reasons(kOrders);
  std::vector<v1::PlaceOrderResponse> placed(kOrders);
  Concurrently(kOrders, [&](int i) {
    status[i] = env.Place("cust-" + std::to_string(i), requests[i], &placed[i], &reasons[i]);
  });
  int benefited = 0, without = 0, refused = 0;
  for (int i = 0; i < kOrders; ++i) {
    INFO(i << ": " << status[i].error_message());
    if (status[i].ok()) {
      const v1::Order& o = placed[i].order();
      if (o.has_benefit()) {
        ++benefited;
        CHECK(o.benefit().amount_idr() == kFee);
        CHECK(o.benefit().state() == v1::BENEFIT_STATE_HELD);
        CHECK(o.amount_due_idr() == o.total_idr() - kFee);
      } else {
        CHECK(i % 2 == 0);  // only those who accepted an order without one
        ++without;
        CHECK(o.amount_due_idr() == o.total_idr());
        REQUIRE(placed[i].programmes_size() == 1);
        CHECK(placed[i].programmes(0).reason() == v1::BENEFIT_REASON_BUDGET_EXHAUSTED);
      }
    } else {
      CHECK(status[i].error_code() == grpc::StatusCode::FAILED_PRECONDITION);
      CHECK(reasons[i] == "NO_BENEFIT");
      CHECK(i % 2 == 1);
      ++refused;
    }
  }
  CHECK(benefited == kN);
  CHECK(benefited + without + refused == kOrders);
  CHECK(without + refused == kOrders - kN);
  v1::Programme after = env.Get(created.id());
  CHECK(after.held_idr() == kN * kFee);
  CHECK(after.benefits_applied() == kN);
  CHECK(after.remaining_idr() == kFee - 1);

  // Every request again, at once: the placed ones answer the same order with the same benefit,
  // nothing more is held.
  std::vector<v1::PlaceOrderResponse> again(kOrders);
  std::vector<grpc::Status> again_status(kOrders);
  Concurrently(kOrders, [&](int i) {
    again_status[i] = env.Place("cust-" + std::to_string(i), requests[i], &again[i]);
  });
  for (int i = 0; i < kOrders; ++i) {
    if (!status[i].ok()) continue;
    REQUIRE(again_status[i].error_message() == "");
    CHECK(again[i].order().id() == placed[i].order().id());
    CHECK(again[i].order().benefit().amount_idr() == placed[i].order().benefit().amount_idr());
  }
  after = env.Get(created.id());
  CHECK(after.held_idr() == kN * kFee);
  CHECK(after.benefits_applied() == kN);

  // The quote now says why not.
  v1::QuoteOrderRequest q;
  q.set_market_id(env.market_id);
  *q.mutable_lines() = requests[0].lines();
  *q.mutable_drop_off() = requests[0].drop_off();
  v1::QuoteOrderResponse qr;
  REQUIRE(env.client.orders->QuoteOrder(Ctx(Token(Role::kCustomer, "late")).get(), q, &qr)
              .error_message() == "");
  REQUIRE(qr.programmes_size() == 1);
  CHECK(qr.programmes(0).reason() == v1::BENEFIT_REASON_BUDGET_EXHAUSTED);
  CHECK(qr.benefit_idr() == 0);
  CHECK(qr.amount_due_idr() == qr.total_idr());
}

TEST_CASE(
    "one resident, many accounts: the first link wins, and the resident's cap holds under "
    "concurrent orders") {
  Env env;
  v1::Programme p = env.Programme(1'000'000);
  p.mutable_voucher()->set_amount_per_resident_idr(9'000);
  p.set_cap_per_resident_idr(9'000);
  v1::Programme created;
  REQUIRE(env.Create(p, &created).error_message() == "");
  env.Import(created.id(), {"3508011203900001", "3508011203900002"});

  // 16 accounts race to claim one resident number: exactly one gets it.
  constexpr int kAccounts = 16;
  std::vector<grpc::Status> links(kAccounts);
  std::vector<std::string> reasons(kAccounts);
  Concurrently(kAccounts, [&](int i) {
    links[i] = env.Link("acct-" + std::to_string(i), "3508011203900001", &reasons[i]);
  });
  int winner = -1;
  for (int i = 0; i < kAccounts; ++i) {
    if (links[i].ok()) {
      CHECK(winner == -1);
      winner = i;
    } else {
      CHECK(reasons[i] == "RESIDENT_ALREADY_LINKED");
    }
  }
  REQUIRE(winner >= 0);
  const std::string holder = "acct-" + std::to_string(winner);
  // The winner cannot claim a second resident; linking again to the same one is fine.
  std::string reason;
  CHECK(env.Link(holder, "3508011203900002", &reason).error_code() ==
        grpc::StatusCode::FAILED_PRECONDITION);
  CHECK(reason == "ACCOUNT_ALREADY_LINKED");
  CHECK(env.Link(holder, "3508011203900001").ok());

  // 16 concurrent orders of 3,000 of goods each: the 9,000 voucher covers exactly three. A
  // second account (not linked) gets nothing: the voucher is for residents.
  constexpr int kOrders = 16;
  std::vector<v1::PlaceOrderResponse> placed(kOrders);
  std::vector<grpc::Status> status(kOrders);
  Concurrently(kOrders, [&](int i) {
    const std::string who = i % 4 == 3 ? "acct-other" : holder;
    status[i] = env.Place(who, env.Cart("r-" + std::to_string(i)), &placed[i]);
  });
  int64_t voucher = 0;
  int benefited = 0;
  for (int i = 0; i < kOrders; ++i) {
    REQUIRE(status[i].error_message() == "");
    if (placed[i].order().has_benefit()) {
      CHECK(i % 4 != 3);
      ++benefited;
      voucher += placed[i].order().benefit().voucher_idr();
    }
  }
  CHECK(benefited == 3);
  CHECK(voucher == 9'000);
  CHECK(env.Get(created.id()).held_idr() == 9'000);
}

TEST_CASE("bad programmes are INVALID_ARGUMENT naming the field and write nothing") {
  Env env;
  struct Case {
    std::string field;
    std::function<void(v1::Programme&)> spoil;
  };
  const std::vector<Case> cases = {
      {"programme.budget_idr", [](v1::Programme& p) { p.set_budget_idr(-1); }},
      {"programme.budget_idr",
       [](v1::Programme& p) { p.set_budget_idr(std::numeric_limits<int64_t>::max()); }},
      {"programme.delivery_subsidy.max_per_order_idr",
       [](v1::Programme& p) { p.mutable_delivery_subsidy()->set_max_per_order_idr(-5); }},
      {"programme.ends_at",
       [](v1::Programme& p) { p.mutable_ends_at()->set_seconds(p.starts_at().seconds() - 60); }},
      {"programme.market_ids[0]",
       [](v1::Programme& p) { p.set_market_ids(0, "00000000-0000-4000-8000-000000000000"); }},
      {"programme.market_ids[0]", [](v1::Programme& p) { p.set_market_ids(0, "pasar"); }},
      {"programme.cap_per_resident_idr",
       [](v1::Programme& p) { p.set_cap_per_resident_idr(p.budget_idr() + 1); }},
      {"programme.cap_per_order_idr",
       [](v1::Programme& p) { p.set_cap_per_order_idr(p.budget_idr() + 1); }},
      {"programme.name", [](v1::Programme& p) { p.set_name(""); }},
      {"programme.starts_at",
       [](v1::Programme& p) { p.mutable_starts_at()->set_seconds(253402300800); }},
      {"programme.ends_at", [](v1::Programme& p) { p.mutable_ends_at()->set_nanos(-1); }},
  };
  for (const Case& c : cases) {
    v1::Programme p = env.Programme(100'000);
    p.mutable_delivery_subsidy()->set_max_per_order_idr(5'000);
    c.spoil(p);
    const grpc::Status s = env.Create(p);
    INFO(c.field << ": " << s.error_message());
    CHECK(s.error_code() == grpc::StatusCode::INVALID_ARGUMENT);
    CHECK(s.error_message().rfind(c.field + ":", 0) == 0);
  }
  v1::ListProgrammesRequest list;
  v1::ListProgrammesResponse listed;
  REQUIRE(env.programmes->ListProgrammes(Ctx(env.office).get(), list, &listed).ok());
  CHECK(listed.programmes_size() == 0);

  // Only the office runs programmes and reads statements; nobody reads a resident hash (no RPC
  // answers one).
  v1::Programme p = env.Programme(100'000);
  p.mutable_delivery_subsidy()->set_max_per_order_idr(5'000);
  v1::Programme created;
  REQUIRE(env.Create(p, &created, Token(Role::kOperator, "kantor-pasar")).ok());
  for (const std::string& token :
       {Token(Role::kCustomer, "c1"), Token(Role::kCourier, "courier-1"), env.TraderToken(0)}) {
    v1::GetProgrammeStatementRequest sr;
    sr.set_programme_id(created.id());
    v1::GetProgrammeStatementResponse sresp;
    CHECK(env.programmes->GetProgrammeStatement(Ctx(token).get(), sr, &sresp).error_code() ==
          grpc::StatusCode::PERMISSION_DENIED);
    CHECK(sresp.lines_size() == 0);
    v1::ImportResidentsRequest ir;
    ir.set_request_id("i");
    ir.set_programme_id(created.id());
    ir.add_resident_numbers("3508011203900001");
    v1::ImportResidentsResponse iresp;
    CHECK(env.programmes->ImportResidents(Ctx(token).get(), ir, &iresp).error_code() ==
          grpc::StatusCode::PERMISSION_DENIED);
    CHECK(env.Create(p, nullptr, token).error_code() == grpc::StatusCode::PERMISSION_DENIED);
  }
}

TEST_CASE("an account that had benefits as itself cannot link a resident afterwards") {
  Env env;
  v1::Programme p = env.Programme(100'000);
  p.mutable_delivery_subsidy()->set_max_per_order_idr(5'000);
  p.set_cap_per_resident_idr(5'000);
  v1::Programme created;
  REQUIRE(env.Create(p, &created).error_message() == "");
  env.Import(created.id(), {"3508011203900003"});

  v1::PlaceOrderResponse placed;
  REQUIRE(env.Place("c-early", env.Cart("early"), &placed).error_message() == "");
  REQUIRE(placed.order().benefit().amount_idr() == 5'000);
  // Linking now would start the resident's cap afresh under the same person.
  std::string reason;
  CHECK(env.Link("c-early", "3508011203900003", &reason).error_code() ==
        grpc::StatusCode::FAILED_PRECONDITION);
  CHECK(reason == "ACCOUNT_HAS_BENEFITS");
  // Nothing was linked: the resident is still free for an account without benefits.
  CHECK(env.Link("c-late", "3508011203900003").error_message() == "");
}

TEST_CASE(
    "a benefit is released by cancellation and spent at delivery: the statement equals "
    "the budget spent and the ledger's liability") {
  Env env;
  v1::Programme p = env.Programme(100'000);
  p.mutable_delivery_subsidy()->set_max_per_order_idr(5'000);
  v1::Programme created;
  REQUIRE(env.Create(p, &created).error_message() == "");

  v1::PlaceOrderResponse kept, dropped;
  REQUIRE(env.Place("c1", env.Cart("kept", 0, 2), &kept).error_message() == "");
  REQUIRE(env.Place("c2", env.Cart("dropped"), &dropped).error_message() == "");
  REQUIRE(kept.order().benefit().amount_idr() == 5'000);
  CHECK(env.Get(created.id()).held_idr() == 10'000);

  v1::CancelOrderRequest cancel;
  cancel.set_request_id("cancel");
  cancel.set_order_id(dropped.order().id());
  v1::CancelOrderResponse cancelled;
  REQUIRE(
      env.client.orders->CancelOrder(Ctx(Token(Role::kCustomer, "c2")).get(), cancel, &cancelled)
          .error_message() == "");
  CHECK(cancelled.order().benefit().state() == v1::BENEFIT_STATE_RELEASED);
  CHECK(env.Get(created.id()).held_idr() == 5'000);

  const v1::Order& o = kept.order();
  v1::AcceptTicketRequest accept;
  accept.set_request_id("accept");
  accept.set_ticket_id(o.tickets(0).id());
  v1::AcceptTicketResponse accepted;
  REQUIRE(env.client.tickets->AcceptTicket(Ctx(env.TraderToken(0)).get(), accept, &accepted)
              .error_message() == "");
  ev::Envelope assigned = DispatchEvent("CourierAssigned");
  assigned.mutable_courier_assigned()->set_order_id(o.id());
  assigned.mutable_courier_assigned()->set_job_id(o.id());
  assigned.mutable_courier_assigned()->set_courier_id("courier-7");
  assigned.mutable_courier_assigned()->set_courier_name("Budi");
  PublishDispatchEvent(env.redis, assigned, "courier-7");
  REQUIRE(Eventually(
      [&] { return env.GetOrder("c1", o.id()).status() == v1::ORDER_STATUS_COURIER_ASSIGNED; }));
  ev::Envelope pickup = DispatchEvent("PickupConfirmed");
  pickup.mutable_pickup_confirmed()->set_order_id(o.id());
  pickup.mutable_pickup_confirmed()->set_ticket_id(o.tickets(0).id());
  pickup.mutable_pickup_confirmed()->set_courier_id("courier-7");
  pickup.mutable_pickup_confirmed()->set_paid_to_trader_idr(o.goods_total_idr());
  pickup.mutable_pickup_confirmed()->set_all_picked_up(true);
  PublishDispatchEvent(env.redis, pickup, "courier-7");
  ev::Envelope delivered = DispatchEvent("DeliveryConfirmed");
  delivered.mutable_delivery_confirmed()->set_order_id(o.id());
  delivered.mutable_delivery_confirmed()->set_courier_id("courier-7");
  delivered.mutable_delivery_confirmed()->set_cash_collected_idr(o.amount_due_idr());
  PublishDispatchEvent(env.redis, delivered, "courier-7");
  REQUIRE(Eventually(
      [&] { return env.GetOrder("c1", o.id()).status() == v1::ORDER_STATUS_DELIVERED; }));

  const v1::Order done = env.GetOrder("c1", o.id());
  CHECK(done.benefit().state() == v1::BENEFIT_STATE_SPENT);
  CHECK(done.ledger().balanced());
  std::map<v1::LedgerParty, int64_t> net;
  for (const auto& b : done.ledger().balances())
    net[b.party()] += b.net_idr();
  CHECK(net[v1::LEDGER_PARTY_CUSTOMER] == -(done.total_idr() - 5'000));
  CHECK(net[v1::LEDGER_PARTY_PROGRAMME] == -5'000);
  CHECK(net[v1::LEDGER_PARTY_COURIER] == done.delivery_fee_idr());

  const v1::Programme after = env.Get(created.id());
  CHECK(after.held_idr() == 0);
  CHECK(after.spent_idr() == 5'000);
  CHECK(after.held_idr() + after.spent_idr() + after.remaining_idr() ==
        after.budget_idr() + after.top_ups_idr());

  v1::GetProgrammeStatementRequest sr;
  sr.set_programme_id(created.id());
  v1::GetProgrammeStatementResponse st;
  REQUIRE(env.programmes->GetProgrammeStatement(Ctx(env.office).get(), sr, &st).error_message() ==
          "");
  REQUIRE(st.lines_size() == 1);
  CHECK(st.lines(0).order_id() == o.id());
  CHECK(st.lines(0).payee_id() == "courier-7");
  CHECK(st.lines(0).cash_collected_idr() == done.total_idr() - 5'000);
  CHECK(st.total_benefit_idr() == after.spent_idr());
  CHECK(st.ledger_liability_idr() == after.spent_idr());
  REQUIRE(st.payees_size() == 1);
  CHECK(st.payees(0).benefit_idr() == 5'000);
}
