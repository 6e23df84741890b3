// A customer's cancellation racing a courier's pickup, through the three real services: the
// order service accepts the request while it still sees COURIER_ASSIGNED, but pickup is decided
// in dispatch, which settles the request. With the request held back (the order relay paused, as
// a lagging consumer would hold it) while the courier confirms pickup, dispatch refuses, the
// order goes on to delivery and every party's money is on the ledger; without the lag, dispatch
// accepts, the courier is released before paying anyone, and the pickup is refused.
#include <catch2/catch.hpp>

#include <map>
#include <memory>
#include <string>

#include "pasar/dispatch/v1/dispatch.grpc.pb.h"
#include "pasar/inventory/v1/inventory.grpc.pb.h"
#include "pasar/order/v1/order.grpc.pb.h"
#include "pasar/pg/pg.h"
#include "pasar/testkit/eventually.h"
#include "pasar/testkit/testkit.h"
#include "pasar/town/api.h"
#include "pasar/town/seed.h"
#include "pasar/town/town.h"

namespace {

namespace testkit = pasar::testkit;
namespace town = pasar::town;
namespace inv = pasar::inventory::v1;
namespace ord = pasar::order::v1;
namespace dsp = pasar::dispatch::v1;
using pasar::auth::Role;
using testkit::Eventually;

constexpr char kSecret[] = "cancellation-e2e-secret";

constexpr char kTownJson[] = R"json({
  "format": "pasar-town", "format_version": 1, "currency": "IDR",
  "town": {"name": "Lumajang", "time_zone": "Asia/Jakarta",
    "dropoff_areas": [{"id": "jogotrunan", "name": "Jogotrunan",
      "center": {"lat": -8.142, "lng": 113.227}, "radius_meters": 600, "order_weight": 1}]},
  "markets": [{"id": "pasar-baru", "name": "Pasar Baru Lumajang",
    "location": {"lat": -8.1335, "lng": 113.2248}, "time_zone": "Asia/Jakarta",
    "demo_opening_hours": [{"weekday": 1, "open_minute": 0, "close_minute": 1440},
      {"weekday": 2, "open_minute": 0, "close_minute": 1440},
      {"weekday": 3, "open_minute": 0, "close_minute": 1440},
      {"weekday": 4, "open_minute": 0, "close_minute": 1440},
      {"weekday": 5, "open_minute": 0, "close_minute": 1440},
      {"weekday": 6, "open_minute": 0, "close_minute": 1440},
      {"weekday": 7, "open_minute": 0, "close_minute": 1440}],
    "real_opening_hours": [{"weekday": 1, "open_minute": 120, "close_minute": 660}],
    "fee_scheme": {"kind": "FLAT", "flat_fee_idr": 9000, "road_factor": 1.3},
    "service_fee_idr": 2000, "max_delivery_distance_meters": 8000,
    "weighed_tolerance_percent": 10, "trader_response_timeout_seconds": 300}],
  "stalls": [{"id": "sri", "market": "pasar-baru", "name": "Sayur Bu Sri",
    "category": "sayur", "trader_subject": "trader-sri", "preparation_minutes": 10}],
  "products": [{"id": "kangkung", "stall": "sri", "name": "Kangkung", "category": "sayur",
     "unit": "ikat", "price_idr": 3000, "weighed": false, "initial_stock": 50}],
  "couriers": [{"id": "andi", "subject": "courier-andi", "name": "Andi Ojek",
    "phone": "081234567890", "vehicle_plate": "N 1234 WX", "home_market": "pasar-baru",
    "start_location": {"lat": -8.1308, "lng": 113.2248}, "cash_on_hand_idr": 300000}]
})json";

// The order service's relay ships a batch only under this advisory lock of its schema
// (libs/events): while the test holds it, nothing the order service writes reaches Redis, as if
// every consumer of its stream lagged.
constexpr pasar::pg::Query kHoldOrderRelay{
    "t_hold_order_relay", "SELECT pg_advisory_lock(1885434977, hashtext('orders'))"};
constexpr pasar::pg::Query kReleaseOrderRelay{
    "t_release_order_relay", "SELECT pg_advisory_unlock(1885434977, hashtext('orders'))"};

struct Stack {
  testkit::TempDatabase db;
  std::map<std::string, std::string> env =
      testkit::ServiceEnv(db, testkit::UniqueRedisPrefix(), kSecret,
                          {{"PASAR_BATCH_WINDOW_MS", "300"}, {"PASAR_OFFER_TIMEOUT_MS", "60000"}});
  testkit::ServiceProcess inventory{testkit::BinaryPath("pasar-inventory"), env};
  testkit::ServiceProcess order{testkit::BinaryPath("pasar-order"), OrderEnv()};
  testkit::ServiceProcess dispatch{testkit::BinaryPath("pasar-dispatch"), env};
  town::Api api{town::Endpoints{inventory.address(), order.address(), dispatch.address()}, [] {
                  pasar::auth::JwtConfig jwt;
                  jwt.secret = kSecret;
                  return jwt;
                }()};
  town::Town town_ = town::ParseTown(kTownJson);
  town::Seeded seeded = town::SeedTown(api, town_, {});
  std::string courier = api.Token(Role::kCourier, "courier-andi");
  std::string trader = town::TraderToken(api, "trader-sri", seeded.id("sri"));
  std::string op = api.Token(Role::kOperator, "dinas");

  std::map<std::string, std::string> OrderEnv() {
    auto e = env;
    e["PASAR_INVENTORY_ADDR"] = inventory.address();
    return e;
  }

  template <class F>
  void Ok(const std::string& token, F&& rpc, const std::string& what) {
    town::Check(town::Call(token, rpc), what);
  }

  // The courier on shift with 300,000 in cash, at its start, 300 m from the market.
  void StartShift() {
    dsp::StartShiftRequest req;
    req.set_request_id("shift");
    req.set_cash_on_hand_idr(300000);
    req.mutable_location()->set_lat(-8.1308);
    req.mutable_location()->set_lng(113.2248);
    dsp::StartShiftResponse resp;
    Ok(
        courier, [&](auto* c) { return api.couriers().StartShift(c, req, &resp); }, "StartShift");
    dsp::ReportLocationsResponse reported;
    grpc::ClientContext ctx;
    town::Prepare(ctx, courier, absl::Seconds(10));
    auto writer = api.couriers().ReportLocations(&ctx, &reported);
    dsp::ReportLocationsRequest fixes;
    auto* fix = fixes.add_fixes();
    fix->mutable_location()->set_lat(-8.1308);
    fix->mutable_location()->set_lng(113.2248);
    fix->mutable_recorded_at()->set_seconds(absl::ToUnixSeconds(absl::Now()));
    writer->Write(fixes);
    writer->WritesDone();
    REQUIRE(writer->Finish().ok());
  }

  ord::Order Get(const std::string& customer, const std::string& id) {
    ord::GetOrderRequest req;
    req.set_order_id(id);
    ord::GetOrderResponse resp;
    Ok(
        api.Token(Role::kCustomer, customer),
        [&](auto* c) { return api.orders().GetOrder(c, req, &resp); }, "GetOrder");
    return resp.order();
  }

  dsp::Job Job(const std::string& id) {
    dsp::GetJobRequest req;
    req.set_job_id(id);
    dsp::GetJobResponse resp;
    Ok(
        op, [&](auto* c) { return api.dispatch_ops().GetJob(c, req, &resp); }, "GetJob");
    return resp.job();
  }

  dsp::GetCurrentJobResponse Current() {
    dsp::GetCurrentJobResponse resp;
    Ok(
        courier,
        [&](auto* c) {
          return api.couriers().GetCurrentJob(c, dsp::GetCurrentJobRequest(), &resp);
        },
        "GetCurrentJob");
    return resp;
  }

  inv::ReservationState Reservation(const std::string& id) {
    inv::GetReservationRequest req;
    req.set_reservation_id(id);
    inv::GetReservationResponse resp;
    Ok(
        api.Token(Role::kService, "order"),
        [&](auto* c) { return api.stock().GetReservation(c, req, &resp); }, "GetReservation");
    return resp.reservation().state();
  }

  // Places two bunches of kangkung for `customer`, the trader accepts, the courier takes the
  // offer: the order is COURIER_ASSIGNED in the order service. Returns it.
  ord::Order Assigned(const std::string& customer) {
    ord::PlaceOrderRequest place;
    place.set_request_id("place-" + customer);
    place.set_market_id(seeded.id("pasar-baru"));
    auto* line = place.add_lines();
    line->set_product_id(seeded.id("kangkung"));
    line->set_quantity(2);
    place.mutable_drop_off()->set_lat(-8.142);
    place.mutable_drop_off()->set_lng(113.227);
    place.set_drop_off_address("Jl. Jogotrunan 5");
    ord::PlaceOrderResponse placed;
    Ok(
        api.Token(Role::kCustomer, customer),
        [&](auto* c) { return api.orders().PlaceOrder(c, place, &placed); }, "PlaceOrder");
    const std::string id = placed.order().id();
    ord::AcceptTicketRequest accept;
    accept.set_request_id("accept-" + customer);
    accept.set_ticket_id(placed.order().tickets(0).id());
    ord::AcceptTicketResponse accepted;
    Ok(
        trader, [&](auto* c) { return api.tickets().AcceptTicket(c, accept, &accepted); },
        "AcceptTicket");
    dsp::Offer offer;
    REQUIRE(Eventually([&] {
      const auto cur = Current();
      if (!cur.has_offer() || cur.offer().job().id() != id) return false;
      offer = cur.offer();
      return true;
    }));
    dsp::AcceptOfferRequest take;
    take.set_request_id("take-" + customer);
    take.set_offer_id(offer.offer_id());
    dsp::AcceptOfferResponse taken;
    Ok(
        courier, [&](auto* c) { return api.couriers().AcceptOffer(c, take, &taken); },
        "AcceptOffer");
    REQUIRE(Eventually(
        [&] { return Get(customer, id).status() == ord::ORDER_STATUS_COURIER_ASSIGNED; }));
    return Get(customer, id);
  }

  ord::CancelOrderResponse Cancel(const std::string& customer, const std::string& id) {
    ord::CancelOrderRequest req;
    req.set_request_id("cancel-" + customer);
    req.set_order_id(id);
    req.set_reason("tidak jadi");
    ord::CancelOrderResponse resp;
    Ok(
        api.Token(Role::kCustomer, customer),
        [&](auto* c) { return api.orders().CancelOrder(c, req, &resp); }, "CancelOrder");
    return resp;
  }

  town::Outcome Pickup(const ord::Order& o, const std::string& code) {
    dsp::ConfirmPickupRequest req;
    req.set_request_id("pickup-" + o.id());
    req.set_job_id(o.id());
    req.set_ticket_id(o.tickets(0).id());
    req.set_pickup_code(code);
    req.set_paid_to_trader_idr(o.goods_total_idr());
    dsp::ConfirmPickupResponse resp;
    return town::Call(courier,
                      [&](auto* c) { return api.couriers().ConfirmPickup(c, req, &resp); });
  }

  std::string PickupCode(const std::string& ticket_id) {
    ord::GetTicketRequest req;
    req.set_ticket_id(ticket_id);
    ord::GetTicketResponse resp;
    Ok(
        trader, [&](auto* c) { return api.tickets().GetTicket(c, req, &resp); }, "GetTicket");
    return resp.ticket().pickup_code();
  }
};

int64_t Net(const ord::Order& o, ord::LedgerParty party) {
  for (const auto& b : o.ledger().balances()) {
    if (b.party() == party) return b.net_idr();
  }
  FAIL("no balance for " << ord::LedgerParty_Name(party));
  return 0;
}

}  // namespace

TEST_CASE(
    "a cancellation that reaches dispatch after the pickup is refused: delivered, paid, "
    "agreed") {
  Stack s;
  s.StartShift();
  const ord::Order o = s.Assigned("siti");
  const std::string code = s.PickupCode(o.tickets(0).id());

  // The request cannot leave the order service while the courier confirms the pickup. One
  // connection (a session-level lock): the pool of one hands the same one back to unlock.
  pasar::pg::Pool pool({.conninfo = s.db.conninfo(), .size = 1});
  pasar::pg::Exec(pool, kHoldOrderRelay);
  const ord::CancelOrderResponse asked = s.Cancel("siti", o.id());
  CHECK(asked.order().status() == ord::ORDER_STATUS_COURIER_ASSIGNED);
  CHECK(asked.order().cancellation().state() == ord::CANCELLATION_STATE_REQUESTED);
  const town::Outcome picked = s.Pickup(o, code);
  INFO(picked.Describe());
  REQUIRE(picked.ok());
  pasar::pg::Exec(pool, kReleaseOrderRelay);
  REQUIRE(Eventually([&] {
    const ord::Order seen = s.Get("siti", o.id());
    return seen.cancellation().state() == ord::CANCELLATION_STATE_REFUSED &&
           seen.status() == ord::ORDER_STATUS_PICKED_UP;
  }));
  const ord::Order refused = s.Get("siti", o.id());
  CHECK(refused.cancellation().refusal() == "PICKED_UP");
  CHECK(s.Job(o.id()).status() == dsp::JOB_STATUS_DELIVERING);

  // The courier, who paid the trader, delivers and collects.
  dsp::ConfirmDeliveryRequest deliver;
  deliver.set_request_id("deliver");
  deliver.set_job_id(o.id());
  deliver.set_delivery_pin(refused.delivery_pin());
  deliver.set_cash_collected_idr(refused.total_idr());
  dsp::ConfirmDeliveryResponse delivered;
  s.Ok(
      s.courier, [&](auto* c) { return s.api.couriers().ConfirmDelivery(c, deliver, &delivered); },
      "ConfirmDelivery");
  CHECK(delivered.courier().cash_on_hand_idr() ==
        300000 - refused.goods_total_idr() + refused.total_idr());
  REQUIRE(
      Eventually([&] { return s.Get("siti", o.id()).status() == ord::ORDER_STATUS_DELIVERED; }));
  const ord::Order done = s.Get("siti", o.id());
  // Every service tells the same story, and the ledger has everyone's money.
  CHECK(s.Job(o.id()).status() == dsp::JOB_STATUS_DELIVERED);
  CHECK(s.Reservation(done.reservation_id()) == inv::RESERVATION_STATE_COMMITTED);
  CHECK(done.ledger().balanced());
  CHECK(Net(done, ord::LEDGER_PARTY_COURIER) == done.delivery_fee_idr());
  CHECK(Net(done, ord::LEDGER_PARTY_TRADER) == done.goods_total_idr());
  CHECK(Net(done, ord::LEDGER_PARTY_CUSTOMER) == -done.total_idr());
}

TEST_CASE(
    "a cancellation that reaches dispatch before the pickup is accepted: the courier is "
    "released and pays nobody") {
  Stack s;
  s.StartShift();
  const ord::Order o = s.Assigned("budi");
  const std::string code = s.PickupCode(o.tickets(0).id());
  const ord::CancelOrderResponse asked = s.Cancel("budi", o.id());
  CHECK(asked.order().cancellation().state() == ord::CANCELLATION_STATE_REQUESTED);
  REQUIRE(
      Eventually([&] { return s.Get("budi", o.id()).status() == ord::ORDER_STATUS_CANCELLED; }));
  const ord::Order cancelled = s.Get("budi", o.id());
  CHECK(cancelled.cancel_reason() == ord::CANCEL_REASON_CUSTOMER);
  CHECK(cancelled.cancellation().state() == ord::CANCELLATION_STATE_ACCEPTED);
  CHECK(s.Job(o.id()).status() == dsp::JOB_STATUS_CANCELLED);
  const auto cur = s.Current();
  CHECK(cur.courier().state() == dsp::COURIER_STATE_IDLE);
  CHECK(cur.courier().cash_on_hand_idr() == 300000);
  // Too late for the pickup: nobody is paid, nothing is on the ledger.
  const town::Outcome late = s.Pickup(o, code);
  CHECK_FALSE(late.ok());
  CHECK(s.Current().courier().cash_on_hand_idr() == 300000);
  CHECK(cancelled.ledger().entries_size() == 0);
  // The stock was committed at confirmation (the trader packed it); no hold is left.
  CHECK(s.Reservation(cancelled.reservation_id()) == inv::RESERVATION_STATE_COMMITTED);
}
