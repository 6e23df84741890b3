// A stacked trip as its customers see it, through the three real services (README, "Exact
// matching against nearest first"; "Failed deliveries and returns"): a market with stacking on,
// two orders to one neighbourhood confirmed before the courier comes on shift, offered and taken
// as one trip. The customer of the second drop-off sees "1 stop before yours" (GetOrder and
// WatchOrder, counted by the order service from dispatch's CourierAssigned), and 0 once the first
// drop-off is no longer to be made: delivered, or failed at the door (the courier goes on with
// the rest of the trip and brings the goods back after). Each TEST_CASE starts its own services
// (ctest runs each case alone).
#include <catch2/catch.hpp>

#include <chrono>
#include <map>
#include <string>
#include <vector>

#include "one_market.h"
#include "pasar/dispatch/v1/dispatch.grpc.pb.h"
#include "pasar/order/v1/order.grpc.pb.h"
#include "pasar/testkit/eventually.h"
#include "pasar/testkit/testkit.h"
#include "pasar/town/api.h"

namespace {

namespace testkit = pasar::testkit;
namespace town = pasar::town;
namespace ord = pasar::order::v1;
namespace dsp = pasar::dispatch::v1;
using pasar::auth::Role;
using pasar::e2e::kDropLat;
using pasar::e2e::kDropLng;
using testkit::Eventually;

constexpr char kSecret[] = "stacked-delivery-e2e-secret";
constexpr int64_t kCash = 300000;
constexpr int64_t kFailureFee = 4000;

// One drop-off of the trip: its customer and their order as placed.
struct Drop {
  std::string customer;
  ord::Order order;
};

struct Stack : pasar::e2e::OneMarketStack {
  Stack() : OneMarketStack(kSecret, pasar::e2e::OneMarketTown(200, false), "petugas-pasar") {}

  int requests = 0;
  std::string Rid(const std::string& what) { return what + "-" + std::to_string(++requests); }

  // Stacking on (10 minutes, exact matching); the failure policy: one attempt, no wait.
  void Settings() {
    dsp::SetMarketDispatchRequest set;
    set.set_request_id(Rid("stacking"));
    set.mutable_settings()->set_market_id(seeded.id("pasar-baru"));
    set.mutable_settings()->set_policy(dsp::MATCHING_POLICY_EXACT);
    set.mutable_settings()->set_stacking_minutes(10);
    dsp::SetMarketDispatchResponse stacked;
    Ok(
        op, [&](auto* c) { return api.dispatch_ops().SetMarketDispatch(c, set, &stacked); },
        "SetMarketDispatch");
    REQUIRE(stacked.settings().stacking_minutes() == 10);
    dsp::SetFailurePolicyRequest policy;
    policy.set_request_id(Rid("policy"));
    policy.mutable_policy()->set_market_id(seeded.id("pasar-baru"));
    policy.mutable_policy()->set_wait_minutes(0);
    policy.mutable_policy()->set_min_attempts(1);
    policy.mutable_policy()->set_arrival_radius_meters(300);
    policy.mutable_policy()->set_failure_fee_idr(kFailureFee);
    dsp::SetFailurePolicyResponse set_policy;
    Ok(
        op, [&](auto* c) { return api.dispatch_ops().SetFailurePolicy(c, policy, &set_policy); },
        "SetFailurePolicy");
  }

  // `bunches` of kangkung for `customer` to the neighbourhood, accepted and packed by Bu Sri:
  // CONFIRMED, and a PENDING job in dispatch with its ticket packed (stacked trips carry packed
  // orders only).
  ord::Order Confirmed(const std::string& customer, int bunches, const std::string& address) {
    ord::PlaceOrderRequest place;
    place.set_request_id(Rid("place"));
    place.set_market_id(seeded.id("pasar-baru"));
    auto* line = place.add_lines();
    line->set_product_id(seeded.id("kangkung"));
    line->set_quantity(bunches);
    place.mutable_drop_off()->set_lat(kDropLat);
    place.mutable_drop_off()->set_lng(kDropLng);
    place.set_drop_off_address(address);
    ord::PlaceOrderResponse placed;
    Ok(
        api.Token(Role::kCustomer, customer),
        [&](auto* c) { return api.orders().PlaceOrder(c, place, &placed); }, "PlaceOrder");
    const std::string id = placed.order().id();
    ord::AcceptTicketRequest accept;
    accept.set_request_id(Rid("accept"));
    accept.set_ticket_id(placed.order().tickets(0).id());
    ord::AcceptTicketResponse accepted;
    Ok(
        trader, [&](auto* c) { return api.tickets().AcceptTicket(c, accept, &accepted); },
        "AcceptTicket");
    REQUIRE(Eventually([&] { return Get(customer, id).status() == ord::ORDER_STATUS_CONFIRMED; }));
    ord::MarkTicketReadyRequest ready;
    ready.set_request_id(Rid("ready"));
    ready.set_ticket_id(placed.order().tickets(0).id());
    ord::MarkTicketReadyResponse packed;
    Ok(
        trader, [&](auto* c) { return api.tickets().MarkTicketReady(c, ready, &packed); },
        "MarkTicketReady");
    REQUIRE(Eventually([&] {
      dsp::GetJobResponse resp;
      const bool found = town::Call(op, [&](auto* c) {
                           dsp::GetJobRequest req;
                           req.set_job_id(id);
                           return api.dispatch_ops().GetJob(c, req, &resp);
                         }).ok();
      return found && resp.job().stops_size() == 1 && resp.job().stops(0).packed();
    }));
    return Get(customer, id);
  }

  // Two orders confirmed while no courier is on shift, then Andi comes on shift: the matcher
  // offers both as one trip, and Andi takes it. Returns the drop-offs in the trip's order, each
  // COURIER_ASSIGNED in the order service.
  std::vector<Drop> Trip(const std::vector<std::string>& customers) {
    Settings();
    std::map<std::string, Drop> by_id;
    int bunches = 2;
    for (const std::string& customer : customers) {
      ord::Order o = Confirmed(customer, bunches++, "Jl. Jogotrunan " + customer);
      by_id[o.id()] = {customer, o};
    }
    StartShift(Rid("shift"), kCash);
    dsp::Offer offer;
    REQUIRE(Eventually(
        [&] {
          const auto cur = Current();
          if (!cur.has_offer()) return false;
          offer = cur.offer();
          return true;
        },
        std::chrono::seconds(60)));
    INFO(offer.DebugString());
    REQUIRE(offer.trip_jobs_size() == static_cast<int>(customers.size()));
    std::vector<Drop> drops;
    for (int i = 0; i < offer.trip_jobs_size(); ++i) {
      REQUIRE(offer.trip_jobs(i).bundle_position() == i);
      REQUIRE(by_id.count(offer.trip_jobs(i).id()) == 1);
      drops.push_back(by_id[offer.trip_jobs(i).id()]);
    }
    dsp::AcceptOfferRequest take;
    take.set_request_id(Rid("take"));
    take.set_offer_id(offer.offer_id());
    dsp::AcceptOfferResponse taken;
    Ok(
        courier, [&](auto* c) { return api.couriers().AcceptOffer(c, take, &taken); },
        "AcceptOffer");
    for (const Drop& d : drops) {
      REQUIRE(Eventually([&] {
        return Get(d.customer, d.order.id()).status() == ord::ORDER_STATUS_COURIER_ASSIGNED;
      }));
    }
    return drops;
  }

  // The customer's stops before, once it reads `want` (the events travel asynchronously).
  bool StopsBeforeBecomes(const Drop& d, int want) {
    return Eventually([&] { return Get(d.customer, d.order.id()).stops_before() == want; });
  }

  void Pickup(const Drop& d) {
    dsp::ConfirmPickupRequest req;
    req.set_request_id(Rid("pickup"));
    req.set_job_id(d.order.id());
    req.set_ticket_id(d.order.tickets(0).id());
    req.set_pickup_code(PickupCode(d.order.tickets(0).id()));
    req.set_paid_to_trader_idr(d.order.goods_total_idr());
    dsp::ConfirmPickupResponse resp;
    Ok(
        courier, [&](auto* c) { return api.couriers().ConfirmPickup(c, req, &resp); },
        "ConfirmPickup");
  }

  town::Outcome Deliver(const Drop& d, dsp::ConfirmDeliveryResponse* resp) {
    dsp::ConfirmDeliveryRequest req;
    req.set_request_id(Rid("deliver"));
    req.set_job_id(d.order.id());
    req.set_delivery_pin(d.order.delivery_pin());
    req.set_cash_collected_idr(d.order.amount_due_idr());
    return town::Call(courier,
                      [&](auto* c) { return api.couriers().ConfirmDelivery(c, req, resp); });
  }
};

int64_t Net(const ord::Order& o, ord::LedgerParty party) {
  int64_t net = 0;
  for (const auto& b : o.ledger().balances()) {
    if (b.party() == party) net += b.net_idr();
  }
  return net;
}

// Only the count: the order of the first drop-off is not named in the second's view.
void ShowsNothingOf(const ord::Order& seen, const Drop& other) {
  const std::string bytes = seen.SerializeAsString();
  CHECK(bytes.find(other.order.id()) == std::string::npos);
  CHECK(bytes.find(other.order.drop_off_address()) == std::string::npos);
  CHECK(bytes.find(other.customer) == std::string::npos);
}

}  // namespace

TEST_CASE("a trip of two: the second customer sees one stop before theirs, then none") {
  Stack s;
  const std::vector<Drop> trip = s.Trip({"pelanggan-ani", "pelanggan-bayu"});
  const Drop& first = trip[0];
  const Drop& second = trip[1];
  REQUIRE(s.StopsBeforeBecomes(second, 1));
  CHECK(s.Get(first.customer, first.order.id()).stops_before() == 0);
  ShowsNothingOf(s.Get(second.customer, second.order.id()), first);

  // The second customer's live view: the current state, then a new version when the first
  // drop-off is made.
  grpc::ClientContext ctx;
  town::Prepare(ctx, s.api.Token(Role::kCustomer, second.customer), absl::Seconds(60));
  ord::WatchOrderRequest watch;
  watch.set_order_id(second.order.id());
  auto stream = s.api.orders().WatchOrder(&ctx, watch);
  ord::WatchOrderResponse msg;
  REQUIRE(stream->Read(&msg));
  CHECK(msg.order().stops_before() == 1);
  const int64_t watched_version = msg.order().version();

  s.Pickup(first);
  s.Pickup(second);
  REQUIRE(Eventually([&] {
    return s.Get(second.customer, second.order.id()).status() == ord::ORDER_STATUS_PICKED_UP;
  }));
  CHECK(s.Get(second.customer, second.order.id()).stops_before() == 1);

  dsp::ConfirmDeliveryResponse delivered;
  const town::Outcome out_of_order = s.Deliver(second, &delivered);
  CHECK(out_of_order.code() == grpc::StatusCode::FAILED_PRECONDITION);
  const town::Outcome dropped = s.Deliver(first, &delivered);
  INFO(dropped.Describe());
  REQUIRE(dropped.ok());
  REQUIRE(s.StopsBeforeBecomes(second, 0));
  CHECK(s.Get(first.customer, first.order.id()).status() == ord::ORDER_STATUS_DELIVERED);

  // The watcher is told: a later version reads 0, without a change of its own order's status.
  bool seen_zero = false;
  while (!seen_zero && stream->Read(&msg)) {
    CHECK(msg.order().version() > watched_version);
    seen_zero = msg.order().stops_before() == 0;
  }
  CHECK(seen_zero);
  CHECK(msg.order().status() == ord::ORDER_STATUS_PICKED_UP);
  ctx.TryCancel();
  stream->Finish();

  REQUIRE(s.Deliver(second, &delivered).ok());
  CHECK(delivered.courier().state() == dsp::COURIER_STATE_IDLE);
  REQUIRE(Eventually([&] {
    return s.Get(second.customer, second.order.id()).status() == ord::ORDER_STATUS_DELIVERED;
  }));
  CHECK(s.Get(second.customer, second.order.id()).stops_before() == 0);
}

TEST_CASE("a failed first drop-off: the rest of the trip is delivered, the goods go back") {
  Stack s;
  const std::vector<Drop> trip = s.Trip({"pelanggan-citra", "pelanggan-dodi"});
  const Drop& absent = trip[0];
  const Drop& home = trip[1];
  REQUIRE(s.StopsBeforeBecomes(home, 1));
  s.Pickup(absent);
  s.Pickup(home);

  // Nobody answers at the first door: declared failed, its job RETURNING and still the courier's.
  dsp::ReportDeliveryAttemptRequest attempt;
  attempt.set_request_id(s.Rid("attempt"));
  attempt.set_job_id(absent.order.id());
  attempt.set_outcome(dsp::DELIVERY_ATTEMPT_OUTCOME_NO_ANSWER);
  attempt.mutable_location()->set_lat(kDropLat);
  attempt.mutable_location()->set_lng(kDropLng);
  dsp::ReportDeliveryAttemptResponse attempted;
  s.Ok(
      s.courier,
      [&](auto* c) { return s.api.couriers().ReportDeliveryAttempt(c, attempt, &attempted); },
      "ReportDeliveryAttempt");
  dsp::DeclareDeliveryFailedRequest declare;
  declare.set_request_id(s.Rid("declare"));
  declare.set_job_id(absent.order.id());
  dsp::DeclareDeliveryFailedResponse declared;
  s.Ok(
      s.courier,
      [&](auto* c) { return s.api.couriers().DeclareDeliveryFailed(c, declare, &declared); },
      "DeclareDeliveryFailed");
  CHECK(s.Job(absent.order.id()).status() == dsp::JOB_STATUS_RETURNING);
  REQUIRE(Eventually([&] {
    return s.Get(absent.customer, absent.order.id()).status() == ord::ORDER_STATUS_DELIVERY_FAILED;
  }));
  // A drop-off failed at the door is no longer one to be made before theirs.
  REQUIRE(s.StopsBeforeBecomes(home, 0));
  CHECK(s.Get(absent.customer, absent.order.id()).stops_before() == 0);

  // The courier goes on: the second drop-off is delivered with its PIN and cash.
  dsp::ConfirmDeliveryResponse delivered;
  const town::Outcome handed = s.Deliver(home, &delivered);
  INFO(handed.Describe());
  REQUIRE(handed.ok());
  CHECK(delivered.job().status() == dsp::JOB_STATUS_DELIVERED);
  // ... and is left with the goods to bring back.
  CHECK(delivered.courier().current_job_id() == absent.order.id());
  REQUIRE(Eventually([&] {
    return s.Get(home.customer, home.order.id()).status() == ord::ORDER_STATUS_DELIVERED;
  }));

  // Back at Bu Sri's stall with her code and her refund: RETURNED, the courier free.
  dsp::ConfirmReturnRequest back;
  back.set_request_id(s.Rid("return"));
  back.set_job_id(absent.order.id());
  back.set_ticket_id(absent.order.tickets(0).id());
  back.set_stall_code(s.PickupCode(absent.order.tickets(0).id()));
  back.set_refunded_idr(absent.order.goods_total_idr());
  dsp::ConfirmReturnResponse returned;
  s.Ok(
      s.courier, [&](auto* c) { return s.api.couriers().ConfirmReturn(c, back, &returned); },
      "ConfirmReturn");
  CHECK(returned.job().status() == dsp::JOB_STATUS_RETURNED);
  CHECK(returned.courier().state() == dsp::COURIER_STATE_IDLE);
  REQUIRE(Eventually([&] {
    return s.Get(absent.customer, absent.order.id()).status() == ord::ORDER_STATUS_RETURNED;
  }));

  // Each order's ledger balances: the courier nets the delivery fee of both, the absent
  // customer bears the failure fee, the trader is refunded.
  const ord::Order failed = s.Get(absent.customer, absent.order.id());
  const ord::Order done = s.Get(home.customer, home.order.id());
  CHECK(failed.ledger().balanced());
  CHECK(done.ledger().balanced());
  CHECK(Net(failed, ord::LEDGER_PARTY_COURIER) == failed.delivery_fee_idr());
  CHECK(Net(failed, ord::LEDGER_PARTY_CUSTOMER) == -kFailureFee);
  CHECK(Net(failed, ord::LEDGER_PARTY_TRADER) == 0);
  CHECK(Net(done, ord::LEDGER_PARTY_COURIER) == done.delivery_fee_idr());
  CHECK(Net(done, ord::LEDGER_PARTY_CUSTOMER) == -done.total_idr());
  CHECK(done.stops_before() == 0);

  // The courier's cash agrees with the statement: both tickets paid, one collection, one refund.
  dsp::GetMyStatementResponse mine;
  s.Ok(
      s.courier,
      [&](auto* c) {
        return s.api.couriers().GetMyStatement(c, dsp::GetMyStatementRequest(), &mine);
      },
      "GetMyStatement");
  const dsp::CourierStatement& st = mine.statement();
  INFO(st.DebugString());
  const int64_t goods = absent.order.goods_total_idr() + home.order.goods_total_idr();
  CHECK(st.paid_to_traders_idr() == goods);
  CHECK(st.collected_from_customers_idr() == home.order.amount_due_idr());
  CHECK(st.refunded_by_traders_idr() == absent.order.goods_total_idr());
  CHECK(st.deliveries() == 1);
  CHECK(st.failed_deliveries() == 1);
  CHECK(st.failure_fees_idr() == kFailureFee);
  CHECK(st.expected_cash_end_idr() ==
        kCash - goods + home.order.amount_due_idr() + absent.order.goods_total_idr());
  CHECK(s.Current().courier().cash_on_hand_idr() == st.expected_cash_end_idr());
}
