// The one-market town of the end-to-end tests in tests/: the three real services on a temporary
// database and a fresh Redis prefix, seeded with Pasar Baru Lumajang, Bu Sri's stall selling
// kangkung (3,000 a bunch), courier Andi (300,000 in cash, 300 m from the market) and optionally
// courier Sari, and the calls every such test makes: the courier's shift, reading an order, a
// job and the courier's current job, the stall's pickup code, and an order taken to
// COURIER_ASSIGNED. A test derives from OneMarketStack and adds its own steps.
#pragma once

#include <catch2/catch.hpp>

#include <map>
#include <string>

#include "pasar/dispatch/v1/dispatch.grpc.pb.h"
#include "pasar/order/v1/order.grpc.pb.h"
#include "pasar/testkit/eventually.h"
#include "pasar/testkit/testkit.h"
#include "pasar/town/api.h"
#include "pasar/town/seed.h"
#include "pasar/town/town.h"

namespace pasar::e2e {

// Every order of these tests is dropped off here, about 1 km from the market.
inline constexpr double kDropLat = -8.142, kDropLng = 113.227;
// Where the couriers start and report themselves: 300 m from the market.
inline constexpr double kCourierLat = -8.1308, kCourierLng = 113.2248;

// The town: `stock` bunches of kangkung; courier Sari (100,000 in cash) only with `with_sari`.
inline std::string OneMarketTown(int stock, bool with_sari) {
  std::string json = R"json({
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
     "unit": "ikat", "price_idr": 3000, "weighed": false, "initial_stock": )json";
  json += std::to_string(stock);
  json += R"json(}],
  "couriers": [{"id": "andi", "subject": "courier-andi", "name": "Andi Ojek",
    "phone": "081234567890", "vehicle_plate": "N 1234 WX", "home_market": "pasar-baru",
    "start_location": {"lat": -8.1308, "lng": 113.2248}, "cash_on_hand_idr": 300000})json";
  if (with_sari) {
    json += R"json(,
   {"id": "sari", "subject": "courier-sari", "name": "Sari Motor",
    "phone": "081234567891", "vehicle_plate": "N 5678 YZ", "home_market": "pasar-baru",
    "start_location": {"lat": -8.1308, "lng": 113.2248}, "cash_on_hand_idr": 100000})json";
  }
  json += "]\n}";
  return json;
}

struct OneMarketStack {
  // Members are built in this order: the secret and the town first, then the services.
  std::string secret;
  std::string town_json;
  std::string operator_subject;
  testkit::TempDatabase db;
  std::map<std::string, std::string> env =
      testkit::ServiceEnv(db, testkit::UniqueRedisPrefix(), secret,
                          {{"PASAR_BATCH_WINDOW_MS", "300"}, {"PASAR_OFFER_TIMEOUT_MS", "60000"}});
  testkit::ServiceProcess inventory{testkit::BinaryPath("pasar-inventory"), env};
  testkit::ServiceProcess order{testkit::BinaryPath("pasar-order"), OrderEnv()};
  testkit::ServiceProcess dispatch{testkit::BinaryPath("pasar-dispatch"), env};
  town::Api api{town::Endpoints{inventory.address(), order.address(), dispatch.address()}, [this] {
                  auth::JwtConfig jwt;
                  jwt.secret = secret;
                  return jwt;
                }()};
  town::Town town_ = town::ParseTown(town_json);
  town::Seeded seeded = town::SeedTown(api, town_, {});
  std::string courier = api.Token(auth::Role::kCourier, "courier-andi");
  std::string trader = town::TraderToken(api, "trader-sri", seeded.id("sri"));
  std::string op = api.Token(auth::Role::kOperator, operator_subject);

  OneMarketStack(std::string secret_, std::string town_json_, std::string operator_subject_)
      : secret(std::move(secret_)),
        town_json(std::move(town_json_)),
        operator_subject(std::move(operator_subject_)) {}

  std::map<std::string, std::string> OrderEnv() {
    auto e = env;
    e["PASAR_INVENTORY_ADDR"] = inventory.address();
    return e;
  }

  template <class F>
  void Ok(const std::string& token, F&& rpc, const std::string& what) {
    town::Check(town::Call(token, rpc), what);
  }

  // Andi on shift with `cash`, reporting himself 300 m from the market.
  void StartShift(const std::string& request_id, int64_t cash) {
    pasar::dispatch::v1::StartShiftRequest req;
    req.set_request_id(request_id);
    req.set_cash_on_hand_idr(cash);
    req.mutable_location()->set_lat(kCourierLat);
    req.mutable_location()->set_lng(kCourierLng);
    pasar::dispatch::v1::StartShiftResponse resp;
    Ok(
        courier, [&](auto* c) { return api.couriers().StartShift(c, req, &resp); }, "StartShift");
    pasar::dispatch::v1::ReportLocationsResponse reported;
    grpc::ClientContext ctx;
    town::Prepare(ctx, courier, absl::Seconds(10));
    auto writer = api.couriers().ReportLocations(&ctx, &reported);
    pasar::dispatch::v1::ReportLocationsRequest fixes;
    auto* fix = fixes.add_fixes();
    fix->mutable_location()->set_lat(kCourierLat);
    fix->mutable_location()->set_lng(kCourierLng);
    fix->mutable_recorded_at()->set_seconds(absl::ToUnixSeconds(absl::Now()));
    writer->Write(fixes);
    writer->WritesDone();
    REQUIRE(writer->Finish().ok());
  }

  pasar::order::v1::Order Get(const std::string& customer, const std::string& id) {
    pasar::order::v1::GetOrderRequest req;
    req.set_order_id(id);
    pasar::order::v1::GetOrderResponse resp;
    Ok(
        api.Token(auth::Role::kCustomer, customer),
        [&](auto* c) { return api.orders().GetOrder(c, req, &resp); }, "GetOrder");
    return resp.order();
  }

  pasar::dispatch::v1::Job Job(const std::string& id) {
    pasar::dispatch::v1::GetJobRequest req;
    req.set_job_id(id);
    pasar::dispatch::v1::GetJobResponse resp;
    Ok(
        op, [&](auto* c) { return api.dispatch_ops().GetJob(c, req, &resp); }, "GetJob");
    return resp.job();
  }

  pasar::dispatch::v1::GetCurrentJobResponse Current() {
    pasar::dispatch::v1::GetCurrentJobResponse resp;
    Ok(
        courier,
        [&](auto* c) {
          return api.couriers().GetCurrentJob(c, pasar::dispatch::v1::GetCurrentJobRequest(),
                                              &resp);
        },
        "GetCurrentJob");
    return resp;
  }

  std::string PickupCode(const std::string& ticket_id) {
    pasar::order::v1::GetTicketRequest req;
    req.set_ticket_id(ticket_id);
    pasar::order::v1::GetTicketResponse resp;
    Ok(
        trader, [&](auto* c) { return api.tickets().GetTicket(c, req, &resp); }, "GetTicket");
    return resp.ticket().pickup_code();
  }

  // Two bunches of kangkung for `customer` to kDropLat/kDropLng, accepted by Bu Sri, the offer
  // taken by Andi: the order is COURIER_ASSIGNED in the order service. Returns it.
  pasar::order::v1::Order Assigned(const std::string& customer) {
    namespace ord = pasar::order::v1;
    namespace dsp = pasar::dispatch::v1;
    ord::PlaceOrderRequest place;
    place.set_request_id("place-" + customer);
    place.set_market_id(seeded.id("pasar-baru"));
    auto* line = place.add_lines();
    line->set_product_id(seeded.id("kangkung"));
    line->set_quantity(2);
    place.mutable_drop_off()->set_lat(kDropLat);
    place.mutable_drop_off()->set_lng(kDropLng);
    place.set_drop_off_address("Jl. Jogotrunan 5");
    ord::PlaceOrderResponse placed;
    Ok(
        api.Token(auth::Role::kCustomer, customer),
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
    REQUIRE(testkit::Eventually([&] {
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
    REQUIRE(testkit::Eventually(
        [&] { return Get(customer, id).status() == ord::ORDER_STATUS_COURIER_ASSIGNED; }));
    return Get(customer, id);
  }
};

}  // namespace pasar::e2e
