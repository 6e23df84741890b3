// The real pasar-order binary over gRPC, with real PostgreSQL and Redis, for everything that
// does not need the inventory service: orders are seeded through the store exactly as
// PlaceOrder writes them (see seed.h). PlaceOrder/QuoteOrder with the real inventory binary are
// in order_inventory_e2etest.cc.
#include <catch2/catch.hpp>

#include <thread>

#include "e2e.h"
#include "seed.h"

namespace {

using namespace pasar;
using namespace pasar::order;
using namespace pasar::order::testing;
using auth::Role;
namespace ev = pasar::events::v1;

constexpr char kNoInventory[] = "127.0.0.1:1";

struct Env {
  testkit::TempDatabase db;
  std::string prefix = testkit::UniqueRedisPrefix();
  testkit::ServiceProcess proc;
  OrderClient client;
  pg::Pool pool;
  redis::Client redis;

  explicit Env(std::map<std::string, std::string> extra = {})
      : proc(testkit::BinaryPath("pasar-order"), OrderEnv(db, prefix, kNoInventory, extra)),
        client(proc.address()),
        pool({.conninfo = db.conninfo(), .search_path = "orders", .size = 4}),
        redis(redis::ConfigFromUrl(testkit::RequireEnv("PASAR_TEST_REDIS"), prefix)) {}

  v1::Order Get(const std::string& customer, const std::string& id) {
    v1::GetOrderRequest req;
    req.set_order_id(id);
    v1::GetOrderResponse resp;
    auto ctx = Ctx(Token(Role::kCustomer, customer));
    const grpc::Status s = client.orders->GetOrder(ctx.get(), req, &resp);
    REQUIRE(s.error_message() == "");
    return resp.order();
  }
};

grpc::Status Accept(Env& env, const std::string& stall, const std::string& ticket,
                    const std::string& request_id, std::vector<v1::LineDecision> lines = {},
                    std::string* reason = nullptr, v1::AcceptTicketResponse* out = nullptr) {
  v1::AcceptTicketRequest req;
  req.set_request_id(request_id);
  req.set_ticket_id(ticket);
  for (auto& l : lines)
    *req.add_lines() = l;
  v1::AcceptTicketResponse resp;
  auto ctx = Ctx(Token(Role::kTrader, "trader-" + stall.substr(0, 4), {stall}));
  const grpc::Status s = env.client.tickets->AcceptTicket(ctx.get(), req, &resp);
  if (reason) *reason = Reason(*ctx);
  if (out) *out = resp;
  return s;
}

grpc::Status Reject(Env& env, const std::string& stall, const std::string& ticket) {
  v1::RejectTicketRequest req;
  req.set_request_id("reject-" + ticket);
  req.set_ticket_id(ticket);
  req.set_reason(v1::REJECT_REASON_OUT_OF_STOCK);
  v1::RejectTicketResponse resp;
  auto ctx = Ctx(Token(Role::kTrader, "t", {stall}));
  return env.client.tickets->RejectTicket(ctx.get(), req, &resp);
}

v1::LineDecision Weighed(const std::string& product, int64_t total) {
  v1::LineDecision d;
  d.set_product_id(product);
  d.mutable_accepted()->set_line_total_idr(total);
  return d;
}

ev::Envelope DispatchEvent(const std::string& type) {
  ev::Envelope e;
  e.set_event_id(RandomUuid());
  e.set_type(type);
  e.set_producer("dispatch");
  return e;
}

void Assign(Env& env, const std::string& order_id, const std::string& courier) {
  ev::Envelope e = DispatchEvent("CourierAssigned");
  auto* p = e.mutable_courier_assigned();
  p->set_order_id(order_id);
  p->set_job_id(order_id);
  p->set_courier_id(courier);
  p->set_courier_name("Budi Santoso");
  p->set_vehicle_plate("N 1234 AB");
  p->set_eta_seconds(300);
  PublishDispatchEvent(env.redis, e, courier);
}

}  // namespace

TEST_CASE("traders accept (weighed within tolerance) and reject: CONFIRMED with final totals") {
  Env env;
  const std::string customer = "cust-" + RandomUuid();
  const domain::Order o =
      SeedOrder(env.pool, customer,
                {{.lines = {{10, 6000, true}, {3, 2000, false}}}, {.lines = {{20, 1500, false}}}});
  const std::string s1 = o.tickets[0].stall_id, s2 = o.tickets[1].stall_id;
  const std::string cabai = o.tickets[0].lines[0].product_id;

  // The trader sees the pickup code of their own ticket only.
  {
    v1::ListTicketsRequest req;
    v1::ListTicketsResponse resp;
    auto ctx = Ctx(Token(Role::kTrader, "t1", {s1}));
    REQUIRE(env.client.tickets->ListTickets(ctx.get(), req, &resp).ok());
    REQUIRE(resp.tickets_size() == 1);
    CHECK(resp.tickets(0).id() == o.tickets[0].id);
    CHECK(resp.tickets(0).pickup_code() == o.tickets[0].pickup_code);
    CHECK(resp.tickets(0).status() == v1::TICKET_STATUS_PENDING);
  }
  // A trader of another stall cannot see or decide it.
  {
    v1::GetTicketRequest req;
    req.set_ticket_id(o.tickets[0].id);
    v1::GetTicketResponse resp;
    auto ctx = Ctx(Token(Role::kTrader, "t2", {s2}));
    CHECK(env.client.tickets->GetTicket(ctx.get(), req, &resp).error_code() ==
          grpc::StatusCode::NOT_FOUND);
    CHECK(Accept(env, s2, o.tickets[0].id, "x").error_code() == grpc::StatusCode::NOT_FOUND);
  }

  // Beyond tolerance (10%): refused, nothing changes.
  std::string reason;
  grpc::Status s = Accept(env, s1, o.tickets[0].id, "acc-1", {Weighed(cabai, 66001)}, &reason);
  CHECK(s.error_code() == grpc::StatusCode::FAILED_PRECONDITION);
  CHECK(reason == "WEIGHT_TOLERANCE_EXCEEDED");
  CHECK(env.Get(customer, o.id).version() == 1);

  // Within tolerance: the trader's weighed total.
  v1::AcceptTicketResponse accepted;
  s = Accept(env, s1, o.tickets[0].id, "acc-2", {Weighed(cabai, 57000)}, nullptr, &accepted);
  REQUIRE(s.error_message() == "");
  CHECK(accepted.ticket().status() == v1::TICKET_STATUS_ACCEPTED);
  CHECK(accepted.ticket().total_idr() == 63000);
  // Replay: same answer; the same key for a different decision: refused.
  v1::AcceptTicketResponse replay;
  REQUIRE(
      Accept(env, s1, o.tickets[0].id, "acc-2", {Weighed(cabai, 57000)}, nullptr, &replay).ok());
  CHECK(replay.ticket().version() == accepted.ticket().version());
  s = Accept(env, s1, o.tickets[0].id, "acc-2", {Weighed(cabai, 58000)}, &reason);
  CHECK(s.error_code() == grpc::StatusCode::FAILED_PRECONDITION);
  CHECK(reason == "IDEMPOTENCY_KEY_REUSED");
  // Deciding again under a new key: INVALID_TRANSITION.
  s = Accept(env, s1, o.tickets[0].id, "acc-3", {}, &reason);
  CHECK(s.error_code() == grpc::StatusCode::FAILED_PRECONDITION);
  CHECK(reason == "INVALID_TRANSITION");

  REQUIRE(Reject(env, s2, o.tickets[1].id).ok());
  const v1::Order after = env.Get(customer, o.id);
  CHECK(after.status() == v1::ORDER_STATUS_CONFIRMED);
  CHECK(after.goods_total_idr() == 63000);
  CHECK(after.delivery_fee_idr() == 8000);
  CHECK(after.total_idr() == 63000 + 8000 + 1000);
  CHECK(after.delivery_pin() == o.delivery_pin);
  CHECK(after.tickets(0).pickup_code().empty());
  CHECK(after.tickets(1).status() == v1::TICKET_STATUS_REJECTED);
}

TEST_CASE("every ticket rejected: CANCELLED ALL_REJECTED") {
  Env env;
  const domain::Order o = SeedOrder(env.pool, "c1", {{}, {}});
  REQUIRE(Reject(env, o.tickets[0].stall_id, o.tickets[0].id).ok());
  REQUIRE(Reject(env, o.tickets[1].stall_id, o.tickets[1].id).ok());
  const v1::Order after = env.Get("c1", o.id);
  CHECK(after.status() == v1::ORDER_STATUS_CANCELLED);
  CHECK(after.cancel_reason() == v1::CANCEL_REASON_ALL_REJECTED);
}

TEST_CASE("a ticket nobody answers expires: CANCELLED TRADER_TIMEOUT") {
  Env env;
  const domain::Order o = SeedOrder(env.pool, "c1", {{.decide_within = absl::Seconds(1)}});
  CHECK(Eventually([&] { return env.Get("c1", o.id).status() == v1::ORDER_STATUS_CANCELLED; }));
  const v1::Order after = env.Get("c1", o.id);
  CHECK(after.cancel_reason() == v1::CANCEL_REASON_TRADER_TIMEOUT);
  CHECK(after.tickets(0).status() == v1::TICKET_STATUS_EXPIRED);
}

TEST_CASE("the customer cancels before pickup - foreign orders do not exist") {
  Env env;
  const domain::Order o = SeedOrder(env.pool, "alice", {{}});
  v1::CancelOrderRequest req;
  req.set_request_id("cancel-1");
  req.set_order_id(o.id);
  req.set_reason("salah pesan");
  v1::CancelOrderResponse resp;
  {
    auto ctx = Ctx(Token(Role::kCustomer, "mallory"));
    CHECK(env.client.orders->CancelOrder(ctx.get(), req, &resp).error_code() ==
          grpc::StatusCode::NOT_FOUND);
    v1::GetOrderRequest get;
    get.set_order_id(o.id);
    v1::GetOrderResponse got;
    auto ctx2 = Ctx(Token(Role::kCustomer, "mallory"));
    CHECK(env.client.orders->GetOrder(ctx2.get(), get, &got).error_code() ==
          grpc::StatusCode::NOT_FOUND);
  }
  auto ctx = Ctx(Token(Role::kCustomer, "alice"));
  REQUIRE(env.client.orders->CancelOrder(ctx.get(), req, &resp).ok());
  CHECK(resp.order().status() == v1::ORDER_STATUS_CANCELLED);
  CHECK(resp.order().cancel_reason() == v1::CANCEL_REASON_CUSTOMER);
  CHECK(resp.order().cancel_note() == "salah pesan");
  CHECK(resp.order().tickets(0).status() == v1::TICKET_STATUS_CANCELLED);
  // Replayed: same answer, no second change.
  v1::CancelOrderResponse again;
  auto ctx3 = Ctx(Token(Role::kCustomer, "alice"));
  REQUIRE(env.client.orders->CancelOrder(ctx3.get(), req, &again).ok());
  CHECK(again.order().version() == resp.order().version());
  CHECK(env.Get("alice", o.id).version() == resp.order().version());
}

namespace {

// The cancellation requests of an order (OrderCancellationRequested in its outbox), oldest first.
std::vector<ev::OrderCancellationRequested> CancellationRequests(Env& env,
                                                                 const std::string& order_id) {
  constexpr pg::Query kRequests{"test_cancellation_requests",
                                "SELECT payload FROM outbox WHERE aggregate_id = $1 "
                                "AND type = 'OrderCancellationRequested' ORDER BY id"};
  const pg::Result r = pg::Exec(env.pool, kRequests, order_id);
  std::vector<ev::OrderCancellationRequested> out;
  for (int i = 0; i < r.size(); ++i) {
    ev::Envelope e;
    REQUIRE(e.ParseFromString(r.Bytes(i, 0)));
    out.push_back(e.order_cancellation_requested());
  }
  return out;
}

// Dispatch's answer to a cancellation request, as the real dispatch would publish it.
void Settle(Env& env, const ev::OrderCancellationRequested& request, bool accepted,
            const std::string& refusal = "") {
  ev::Envelope answer = DispatchEvent("CancellationSettled");
  auto* s = answer.mutable_cancellation_settled();
  s->set_order_id(request.order_id());
  s->set_job_id(request.order_id());
  s->set_cancellation_id(request.cancellation_id());
  s->set_accepted(accepted);
  s->set_refusal(refusal);
  PublishDispatchEvent(env.redis, answer, request.order_id());
}

}  // namespace

TEST_CASE(
    "an operator cancels a customer's CONFIRMED order through dispatch - other roles are "
    "refused") {
  Env env;
  const domain::Order o = SeedOrder(env.pool, "alice", {{}});
  REQUIRE(Accept(env, o.tickets[0].stall_id, o.tickets[0].id, "a").ok());
  REQUIRE(env.Get("alice", o.id).status() == v1::ORDER_STATUS_CONFIRMED);
  v1::CancelOrderRequest req;
  req.set_request_id("op-cancel-1");
  req.set_order_id(o.id);
  req.set_reason("stall closed by the market");
  v1::CancelOrderResponse resp;
  for (const std::string& token :
       {Token(Role::kTrader, "t", {o.tickets[0].stall_id}), Token(Role::kCourier, "courier-1")}) {
    auto ctx = Ctx(token);
    CHECK(env.client.orders->CancelOrder(ctx.get(), req, &resp).error_code() ==
          grpc::StatusCode::PERMISSION_DENIED);
  }
  REQUIRE(env.Get("alice", o.id).status() == v1::ORDER_STATUS_CONFIRMED);

  // Dispatch may already be serving a CONFIRMED order: the cancel is a request it settles.
  auto ctx = Ctx(Token(Role::kOperator, "op"));
  REQUIRE(env.client.orders->CancelOrder(ctx.get(), req, &resp).error_message() == "");
  CHECK(resp.order().status() == v1::ORDER_STATUS_CONFIRMED);
  CHECK(resp.order().cancellation().state() == v1::CANCELLATION_STATE_REQUESTED);
  CHECK(resp.order().cancellation().reason() == v1::CANCEL_REASON_OPERATOR);
  CHECK(resp.order().cancellation().note() == "stall closed by the market");
  CHECK(resp.order().delivery_pin().empty());  // the operator's view
  const std::vector<ev::OrderCancellationRequested> requests = CancellationRequests(env, o.id);
  REQUIRE(requests.size() == 1);
  CHECK(requests[0].reason() == v1::CANCEL_REASON_OPERATOR);
  CHECK(requests[0].market_id() == o.market_id);
  CHECK(IsUuid(requests[0].cancellation_id()));
  // Replayed: the same answer; asked again while pending: a no-op success, no second request.
  v1::CancelOrderResponse again;
  auto ctx2 = Ctx(Token(Role::kOperator, "op"));
  REQUIRE(env.client.orders->CancelOrder(ctx2.get(), req, &again).ok());
  CHECK(again.SerializeAsString() == resp.SerializeAsString());
  req.set_request_id("op-cancel-2");
  auto ctx3 = Ctx(Token(Role::kOperator, "op"));
  REQUIRE(env.client.orders->CancelOrder(ctx3.get(), req, &again).ok());
  CHECK(again.order().version() == resp.order().version());
  CHECK(CancellationRequests(env, o.id).size() == 1);

  // Dispatch accepts (nothing was picked up): the order is cancelled with the request's reason.
  Settle(env, requests[0], true);
  REQUIRE(
      Eventually([&] { return env.Get("alice", o.id).status() == v1::ORDER_STATUS_CANCELLED; }));
  const v1::Order seen = env.Get("alice", o.id);
  CHECK(seen.cancel_reason() == v1::CANCEL_REASON_OPERATOR);
  CHECK(seen.cancel_note() == "stall closed by the market");
  CHECK(seen.cancellation().state() == v1::CANCELLATION_STATE_ACCEPTED);
  CHECK(seen.cancellation().has_settled_at());
  CHECK(seen.tickets(0).status() == v1::TICKET_STATUS_CANCELLED);

  // One OrderCancelled for inventory and dispatch, as for a customer's cancel.
  constexpr pg::Query kCancelledEvents{
      "test_cancelled_events",
      "SELECT payload FROM outbox WHERE aggregate_id = $1 AND type = 'OrderCancelled'"};
  auto cancelled_events = [&] { return pg::Exec(env.pool, kCancelledEvents, o.id); };
  const pg::Result events = cancelled_events();
  REQUIRE(events.size() == 1);
  ev::Envelope e;
  REQUIRE(e.ParseFromString(events.Bytes(0, 0)));
  CHECK(e.order_cancelled().reason() == v1::CANCEL_REASON_OPERATOR);
  CHECK(e.order_cancelled().note() == "stall closed by the market");
  CHECK(e.order_cancelled().previous_status() == v1::ORDER_STATUS_CONFIRMED);
  CHECK(e.order_cancelled().job_may_exist());
  // Cancelled already: a no-op success.
  req.set_request_id("op-cancel-3");
  auto ctx4 = Ctx(Token(Role::kOperator, "op"));
  REQUIRE(env.client.orders->CancelOrder(ctx4.get(), req, &again).ok());
  CHECK(again.order().status() == v1::ORDER_STATUS_CANCELLED);
  CHECK(again.order().version() == seen.version());
  CHECK(cancelled_events().size() == 1);
}

TEST_CASE("a cancel request dispatch refuses (goods picked up) leaves the order going on") {
  Env env;
  const domain::Order o = SeedOrder(env.pool, "c1", {{.lines = {{2, 5000, false}}}});
  REQUIRE(Accept(env, o.tickets[0].stall_id, o.tickets[0].id, "a").ok());
  Assign(env, o.id, "courier-7");
  REQUIRE(Eventually(
      [&] { return env.Get("c1", o.id).status() == v1::ORDER_STATUS_COURIER_ASSIGNED; }));
  v1::CancelOrderRequest req;
  req.set_request_id("cancel-late");
  req.set_order_id(o.id);
  req.set_reason("tidak jadi");
  v1::CancelOrderResponse resp;
  auto ctx = Ctx(Token(Role::kCustomer, "c1"));
  REQUIRE(env.client.orders->CancelOrder(ctx.get(), req, &resp).ok());
  CHECK(resp.order().status() == v1::ORDER_STATUS_COURIER_ASSIGNED);
  CHECK(resp.order().cancellation().state() == v1::CANCELLATION_STATE_REQUESTED);
  const std::vector<ev::OrderCancellationRequested> requests = CancellationRequests(env, o.id);
  REQUIRE(requests.size() == 1);
  CHECK(requests[0].reason() == v1::CANCEL_REASON_CUSTOMER);

  // The courier had already paid the trader and taken the goods; dispatch refuses.
  ev::Envelope pickup = DispatchEvent("PickupConfirmed");
  auto* pc = pickup.mutable_pickup_confirmed();
  pc->set_order_id(o.id);
  pc->set_ticket_id(o.tickets[0].id);
  pc->set_courier_id("courier-7");
  pc->set_paid_to_trader_idr(10000);
  pc->set_all_picked_up(true);
  PublishDispatchEvent(env.redis, pickup, "courier-7");
  Settle(env, requests[0], false, "PICKED_UP");
  REQUIRE(Eventually([&] {
    const v1::Order seen = env.Get("c1", o.id);
    return seen.status() == v1::ORDER_STATUS_PICKED_UP &&
           seen.cancellation().state() == v1::CANCELLATION_STATE_REFUSED;
  }));
  const v1::Order seen = env.Get("c1", o.id);
  CHECK(seen.cancellation().refusal() == "PICKED_UP");
  CHECK(seen.cancel_reason() == v1::CANCEL_REASON_UNSPECIFIED);
  // The courier's advance to the trader stays on the ledger.
  bool courier_paid = false;
  for (const auto& b : seen.ledger().balances()) {
    if (b.party() == v1::LEDGER_PARTY_COURIER) courier_paid = b.net_idr() == -10000;
  }
  CHECK(courier_paid);
}

TEST_CASE("an operator cannot cancel after pickup") {
  Env env;
  const domain::Order o = SeedOrder(env.pool, "c1", {{.lines = {{2, 5000, false}}}});
  REQUIRE(Accept(env, o.tickets[0].stall_id, o.tickets[0].id, "a").ok());
  Assign(env, o.id, "courier-7");
  REQUIRE(Eventually(
      [&] { return env.Get("c1", o.id).status() == v1::ORDER_STATUS_COURIER_ASSIGNED; }));
  ev::Envelope pickup = DispatchEvent("PickupConfirmed");
  auto* pc = pickup.mutable_pickup_confirmed();
  pc->set_order_id(o.id);
  pc->set_ticket_id(o.tickets[0].id);
  pc->set_courier_id("courier-7");
  pc->set_paid_to_trader_idr(10000);
  pc->set_all_picked_up(true);
  PublishDispatchEvent(env.redis, pickup, "courier-7");
  REQUIRE(Eventually([&] { return env.Get("c1", o.id).status() == v1::ORDER_STATUS_PICKED_UP; }));
  v1::CancelOrderRequest req;
  req.set_request_id("late");
  req.set_order_id(o.id);
  v1::CancelOrderResponse resp;
  auto ctx = Ctx(Token(Role::kOperator, "op"));
  CHECK(env.client.orders->CancelOrder(ctx.get(), req, &resp).error_code() ==
        grpc::StatusCode::FAILED_PRECONDITION);
  CHECK(Reason(*ctx) == "INVALID_TRANSITION");
  CHECK(env.Get("c1", o.id).status() == v1::ORDER_STATUS_PICKED_UP);
}

TEST_CASE("dispatch events are applied once however often delivered - ledger balances") {
  Env env;
  const domain::Order o = SeedOrder(env.pool, "c1", {{.lines = {{2, 5000, false}}}});
  REQUIRE(Accept(env, o.tickets[0].stall_id, o.tickets[0].id, "a").ok());
  REQUIRE(env.Get("c1", o.id).status() == v1::ORDER_STATUS_CONFIRMED);

  ev::Envelope assigned = DispatchEvent("CourierAssigned");
  auto* ca = assigned.mutable_courier_assigned();
  ca->set_order_id(o.id);
  ca->set_courier_id("courier-7");
  ca->set_courier_name("Budi Santoso");
  ca->set_vehicle_plate("N 1234 AB");
  ca->set_eta_seconds(300);
  PublishDispatchEvent(env.redis, assigned, "courier-7");
  PublishDispatchEvent(env.redis, assigned, "courier-7");
  REQUIRE(Eventually(
      [&] { return env.Get("c1", o.id).status() == v1::ORDER_STATUS_COURIER_ASSIGNED; }));
  v1::Order seen = env.Get("c1", o.id);
  CHECK(seen.courier().name() == "Budi Santoso");
  CHECK(seen.courier().vehicle_plate() == "N 1234 AB");
  CHECK(seen.courier().eta_seconds() == 300);

  ev::Envelope pickup = DispatchEvent("PickupConfirmed");
  auto* pc = pickup.mutable_pickup_confirmed();
  pc->set_order_id(o.id);
  pc->set_ticket_id(o.tickets[0].id);
  pc->set_courier_id("courier-7");
  pc->set_paid_to_trader_idr(10000);
  pc->set_all_picked_up(true);
  PublishDispatchEvent(env.redis, pickup, "courier-7");
  PublishDispatchEvent(env.redis, pickup, "courier-7");
  ev::Envelope delivered = DispatchEvent("DeliveryConfirmed");
  delivered.mutable_delivery_confirmed()->set_order_id(o.id);
  delivered.mutable_delivery_confirmed()->set_courier_id("courier-7");
  delivered.mutable_delivery_confirmed()->set_cash_collected_idr(19000);
  PublishDispatchEvent(env.redis, delivered, "courier-7");
  const std::string last = PublishDispatchEvent(env.redis, delivered, "courier-7");
  REQUIRE(Eventually([&] { return env.Get("c1", o.id).status() == v1::ORDER_STATUS_DELIVERED; }));
  // Every copy, the last duplicate included, was consumed (and acknowledged after its commit)
  // before the ledger is counted: a duplicate applied twice would show here.
  REQUIRE(Eventually([&] { return DispatchEventsConsumedUpTo(env.redis, last); }));
  seen = env.Get("c1", o.id);
  CHECK(seen.ledger().entries_size() == 6);  // one pickup pair + customer pair + fee pair
  CHECK(seen.ledger().balanced());
  // Seed: one line of 2 x 5,000, delivery fee 8,000, service fee 1,000.
  std::map<v1::LedgerParty, int64_t> net;
  for (const auto& b : seen.ledger().balances()) {
    INFO(v1::LedgerParty_Name(b.party()) << " " << b.party_id());
    CHECK(net.emplace(b.party(), b.net_idr()).second);  // one balance per party here
  }
  REQUIRE(net.count(v1::LEDGER_PARTY_COURIER) == 1);
  REQUIRE(net.count(v1::LEDGER_PARTY_TRADER) == 1);
  REQUIRE(net.count(v1::LEDGER_PARTY_CUSTOMER) == 1);
  REQUIRE(net.count(v1::LEDGER_PARTY_PLATFORM) == 1);
  CHECK(net.at(v1::LEDGER_PARTY_COURIER) == 8000);
  CHECK(net.at(v1::LEDGER_PARTY_TRADER) == 10000);
  CHECK(net.at(v1::LEDGER_PARTY_CUSTOMER) == -19000);
  CHECK(net.at(v1::LEDGER_PARTY_PLATFORM) == 1000);
  CHECK(seen.tickets(0).status() == v1::TICKET_STATUS_PICKED_UP);

  // Cancelling after pickup: INVALID_TRANSITION.
  v1::CancelOrderRequest req;
  req.set_request_id("late");
  req.set_order_id(o.id);
  v1::CancelOrderResponse resp;
  auto ctx = Ctx(Token(Role::kCustomer, "c1"));
  CHECK(env.client.orders->CancelOrder(ctx.get(), req, &resp).error_code() ==
        grpc::StatusCode::FAILED_PRECONDITION);
  CHECK(Reason(*ctx) == "INVALID_TRANSITION");
}

TEST_CASE("WatchOrder on one instance sees every change made through another once in order") {
  Env env;
  // A second instance on the same database and Redis prefix.
  testkit::ServiceProcess other(testkit::BinaryPath("pasar-order"),
                                OrderEnv(env.db, env.prefix, kNoInventory));
  OrderClient other_client(other.address());
  const domain::Order o = SeedOrder(env.pool, "c1", {{}, {}});

  auto ctx = Ctx(Token(Role::kCustomer, "c1"), std::chrono::seconds(60));
  v1::WatchOrderRequest req;
  req.set_order_id(o.id);
  auto stream = env.client.orders->WatchOrder(ctx.get(), req);
  // The first message is the order as the stream found it; the stream is watching from then on,
  // so the changes start only once it has arrived (a change made earlier would be skipped).
  std::vector<v1::Order> received;
  v1::WatchOrderResponse first;
  REQUIRE(stream->Read(&first));
  received.push_back(first.order());
  std::thread reader([&] {
    v1::WatchOrderResponse msg;
    while (stream->Read(&msg))
      received.push_back(msg.order());
  });

  // Changes through the other instance and through dispatch events.
  for (const auto& t : o.tickets) {
    v1::AcceptTicketRequest a;
    a.set_request_id("acc-" + t.id);
    a.set_ticket_id(t.id);
    v1::AcceptTicketResponse ar;
    auto actx = Ctx(Token(Role::kTrader, "t", {t.stall_id}));
    REQUIRE(other_client.tickets->AcceptTicket(actx.get(), a, &ar).ok());
  }
  Assign(env, o.id, "courier-1");
  for (const auto& t : o.tickets) {
    ev::Envelope pickup = DispatchEvent("PickupConfirmed");
    pickup.mutable_pickup_confirmed()->set_order_id(o.id);
    pickup.mutable_pickup_confirmed()->set_ticket_id(t.id);
    pickup.mutable_pickup_confirmed()->set_courier_id("courier-1");
    pickup.mutable_pickup_confirmed()->set_paid_to_trader_idr(t.total_idr);
    PublishDispatchEvent(env.redis, pickup, "courier-1");
  }
  ev::Envelope delivered = DispatchEvent("DeliveryConfirmed");
  delivered.mutable_delivery_confirmed()->set_order_id(o.id);
  delivered.mutable_delivery_confirmed()->set_courier_id("courier-1");
  PublishDispatchEvent(env.redis, delivered, "courier-1");

  reader.join();  // the stream ends after the final status
  REQUIRE(stream->Finish().ok());
  REQUIRE(!received.empty());
  std::vector<v1::OrderStatus> statuses;
  for (size_t i = 0; i < received.size(); ++i) {
    CHECK(received[i].version() == static_cast<int64_t>(i) + 1);  // each version once, in order
    if (statuses.empty() || statuses.back() != received[i].status()) {
      statuses.push_back(received[i].status());
    }
  }
  CHECK(statuses ==
        std::vector<v1::OrderStatus>{v1::ORDER_STATUS_PLACED, v1::ORDER_STATUS_CONFIRMED,
                                     v1::ORDER_STATUS_COURIER_ASSIGNED, v1::ORDER_STATUS_PICKED_UP,
                                     v1::ORDER_STATUS_DELIVERED});
  CHECK(received.back().delivery_pin() == o.delivery_pin);
}

TEST_CASE("WatchTickets delivers a new ticket live then its changes") {
  // A backstop far beyond the stream's deadline: only the live hints can deliver in time.
  Env env(std::map<std::string, std::string>{{"PASAR_WATCH_BACKSTOP_MS", "60000"}});
  const std::string stall = RandomUuid();
  // An open ticket from before the stream: its initial message shows the stream is live, so
  // the ticket seeded after it can only come as a live change.
  const domain::Order earlier = SeedOrder(env.pool, "c0", {{.stall_id = stall}});
  auto ctx = Ctx(Token(Role::kTrader, "t", {stall}), std::chrono::seconds(30));
  v1::WatchTicketsRequest req;
  auto stream = env.client.tickets->WatchTickets(ctx.get(), req);
  v1::WatchTicketsResponse msg;
  REQUIRE(stream->Read(&msg));
  CHECK(msg.initial());
  CHECK(msg.ticket().id() == earlier.tickets[0].id);
  const domain::Order o = SeedOrder(env.pool, "c1", {{.stall_id = stall}, {}});

  REQUIRE(stream->Read(&msg));
  CHECK_FALSE(msg.initial());
  CHECK(msg.ticket().id() == o.tickets[0].id);
  CHECK(msg.ticket().status() == v1::TICKET_STATUS_PENDING);
  CHECK(msg.ticket().pickup_code() == o.tickets[0].pickup_code);
  CHECK(msg.order().order_id() == o.id);

  REQUIRE(Accept(env, stall, o.tickets[0].id, "a").ok());
  REQUIRE(stream->Read(&msg));
  CHECK(msg.ticket().id() == o.tickets[0].id);
  CHECK(msg.ticket().status() == v1::TICKET_STATUS_ACCEPTED);
  ctx->TryCancel();
  while (stream->Read(&msg)) {
  }
  stream->Finish();
}

TEST_CASE("authentication roles and bad input") {
  Env env;
  const domain::Order o = SeedOrder(env.pool, "c1", {{}});
  v1::GetOrderRequest get;
  get.set_order_id(o.id);
  v1::GetOrderResponse got;
  {
    auto ctx = Ctx("");
    CHECK(env.client.orders->GetOrder(ctx.get(), get, &got).error_code() ==
          grpc::StatusCode::UNAUTHENTICATED);
  }
  {
    auto ctx = Ctx(Token(Role::kTrader, "t", {o.tickets[0].stall_id}));
    CHECK(env.client.orders->GetOrder(ctx.get(), get, &got).error_code() ==
          grpc::StatusCode::PERMISSION_DENIED);
  }
  {
    // Operators see the order but neither the PIN nor pickup codes.
    auto ctx = Ctx(Token(Role::kOperator, "op"));
    REQUIRE(env.client.orders->GetOrder(ctx.get(), get, &got).ok());
    CHECK(got.order().delivery_pin().empty());
    CHECK(got.order().tickets(0).pickup_code().empty());
  }
  auto invalid = [&](const grpc::Status& s, const std::string& field) {
    CHECK(s.error_code() == grpc::StatusCode::INVALID_ARGUMENT);
    CHECK(s.error_message().rfind(field + ":", 0) == 0);
  };
  const std::string customer = Token(Role::kCustomer, "c1");
  v1::PlaceOrderRequest place;
  place.set_request_id("r1");
  place.set_market_id(RandomUuid());
  place.mutable_drop_off()->set_lat(-8.12);
  place.mutable_drop_off()->set_lng(113.23);
  v1::PlaceOrderResponse placed;
  invalid(env.client.orders->PlaceOrder(Ctx(customer).get(), place, &placed), "lines");
  auto* line = place.add_lines();
  line->set_product_id(RandomUuid());
  line->set_quantity(0);
  invalid(env.client.orders->PlaceOrder(Ctx(customer).get(), place, &placed), "lines[0].quantity");
  line->set_quantity(2);
  *place.add_lines() = *line;
  invalid(env.client.orders->PlaceOrder(Ctx(customer).get(), place, &placed),
          "lines[1].product_id");
  place.mutable_lines()->RemoveLast();
  place.mutable_drop_off()->set_lat(95);
  invalid(env.client.orders->PlaceOrder(Ctx(customer).get(), place, &placed), "drop_off");
  place.clear_drop_off();
  invalid(env.client.orders->PlaceOrder(Ctx(customer).get(), place, &placed), "drop_off");
  place.set_request_id("");
  invalid(env.client.orders->PlaceOrder(Ctx(customer).get(), place, &placed), "request_id");
  place.set_request_id("r1");
  place.set_market_id("pasar");
  invalid(env.client.orders->PlaceOrder(Ctx(customer).get(), place, &placed), "market_id");

  v1::AcceptTicketRequest accept;
  accept.set_request_id("a");
  accept.set_ticket_id(o.tickets[0].id);
  accept.add_lines()->set_product_id("cabai");
  v1::AcceptTicketResponse accepted;
  invalid(env.client.tickets->AcceptTicket(
              Ctx(Token(Role::kTrader, "t", {o.tickets[0].stall_id})).get(), accept, &accepted),
          "lines[0].product_id");
  accept.mutable_lines(0)->set_product_id(o.tickets[0].lines[0].product_id);
  accept.mutable_lines(0)->mutable_accepted()->set_line_total_idr(500);  // not weighed
  invalid(env.client.tickets->AcceptTicket(
              Ctx(Token(Role::kTrader, "t", {o.tickets[0].stall_id})).get(), accept, &accepted),
          "lines[0].accepted.line_total_idr");
  CHECK(env.Get("c1", o.id).version() == 1);  // bad input wrote nothing
}

TEST_CASE("a foreign order or ticket answers NOT_FOUND on every RPC") {
  Env env;
  const domain::Order o = SeedOrder(env.pool, "alice", {{}, {}});
  const std::string s1 = o.tickets[0].stall_id, s2 = o.tickets[1].stall_id;
  const std::string mallory = Token(Role::kCustomer, "mallory");
  {
    v1::WatchOrderRequest req;
    req.set_order_id(o.id);
    auto ctx = Ctx(mallory);
    auto stream = env.client.orders->WatchOrder(ctx.get(), req);
    v1::WatchOrderResponse msg;
    CHECK_FALSE(stream->Read(&msg));
    CHECK(stream->Finish().error_code() == grpc::StatusCode::NOT_FOUND);
  }
  // The trader of stall 2 holds a token without stall 1.
  const std::string other_trader = Token(Role::kTrader, "t2", {s2});
  {
    v1::RejectTicketRequest req;
    req.set_request_id("r");
    req.set_ticket_id(o.tickets[0].id);
    req.set_reason(v1::REJECT_REASON_OUT_OF_STOCK);
    v1::RejectTicketResponse resp;
    CHECK(env.client.tickets->RejectTicket(Ctx(other_trader).get(), req, &resp).error_code() ==
          grpc::StatusCode::NOT_FOUND);
  }
  {
    v1::MarkTicketReadyRequest req;
    req.set_request_id("m");
    req.set_ticket_id(o.tickets[0].id);
    v1::MarkTicketReadyResponse resp;
    CHECK(env.client.tickets->MarkTicketReady(Ctx(other_trader).get(), req, &resp).error_code() ==
          grpc::StatusCode::NOT_FOUND);
  }
  {
    v1::ListTicketsRequest req;
    req.set_stall_id(s1);
    v1::ListTicketsResponse resp;
    CHECK(env.client.tickets->ListTickets(Ctx(other_trader).get(), req, &resp).error_code() ==
          grpc::StatusCode::NOT_FOUND);
    // Without a stall filter: only the token's stalls, with their own pickup codes.
    req.clear_stall_id();
    REQUIRE(env.client.tickets->ListTickets(Ctx(other_trader).get(), req, &resp).ok());
    REQUIRE(resp.tickets_size() == 1);
    CHECK(resp.tickets(0).id() == o.tickets[1].id);
    CHECK(resp.tickets(0).pickup_code() == o.tickets[1].pickup_code);
  }
  {
    v1::WatchTicketsRequest req;
    req.add_stall_ids(s1);
    auto ctx = Ctx(other_trader);
    auto stream = env.client.tickets->WatchTickets(ctx.get(), req);
    v1::WatchTicketsResponse msg;
    CHECK_FALSE(stream->Read(&msg));
    CHECK(stream->Finish().error_code() == grpc::StatusCode::NOT_FOUND);
  }
  // Nothing changed; the customer's view carries the PIN but no pickup code.
  const v1::Order seen = env.Get("alice", o.id);
  CHECK(seen.version() == 1);
  CHECK(seen.delivery_pin() == o.delivery_pin);
  for (const v1::Ticket& t : seen.tickets())
    CHECK(t.pickup_code().empty());
}

TEST_CASE("ListTickets pages through a stall's tickets newest first, each once") {
  Env env;
  const std::string stall = RandomUuid();
  std::vector<std::string> expected;  // newest first
  for (int i = 0; i < 5; ++i) {
    // Two stalls per order: the other stall's tickets never show.
    const domain::Order o = SeedOrder(env.pool, "c1", {{.stall_id = stall}, {}});
    expected.insert(expected.begin(), o.tickets[0].id);
  }
  const std::string trader = Token(Role::kTrader, "t", {stall});
  std::vector<std::string> listed;
  v1::ListTicketsRequest req;
  req.set_page_size(2);
  int pages = 0;
  do {
    v1::ListTicketsResponse resp;
    REQUIRE(env.client.tickets->ListTickets(Ctx(trader).get(), req, &resp).ok());
    CHECK(resp.tickets_size() <= 2);
    for (const v1::Ticket& t : resp.tickets())
      listed.push_back(t.id());
    req.set_page_token(resp.next_page_token());
    ++pages;
  } while (!req.page_token().empty() && pages < 10);
  CHECK(pages == 3);
  CHECK(listed == expected);

  // A status filter and a malformed token.
  req.clear_page_token();
  req.set_page_size(0);
  req.add_statuses(v1::TICKET_STATUS_ACCEPTED);
  v1::ListTicketsResponse none;
  REQUIRE(env.client.tickets->ListTickets(Ctx(trader).get(), req, &none).ok());
  CHECK(none.tickets_size() == 0);
  req.set_page_token("garbage");
  const grpc::Status s = env.client.tickets->ListTickets(Ctx(trader).get(), req, &none);
  CHECK(s.error_code() == grpc::StatusCode::INVALID_ARGUMENT);
  CHECK(s.error_message().rfind("page_token:", 0) == 0);
}
