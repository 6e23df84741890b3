// A customer's cancellation racing a courier's pickup, through the three real services: the
// order service accepts the request while it still sees COURIER_ASSIGNED, but pickup is decided
// in dispatch, which settles the request. With the request held back (the order relay paused, as
// a lagging consumer would hold it) while the courier confirms pickup, dispatch refuses, the
// order goes on to delivery and every party's money is on the ledger; without the lag, dispatch
// accepts, the courier is released before paying anyone, and the pickup is refused.
#include <catch2/catch.hpp>

#include <string>

#include "one_market.h"
#include "pasar/dispatch/v1/dispatch.grpc.pb.h"
#include "pasar/inventory/v1/inventory.grpc.pb.h"
#include "pasar/order/v1/order.grpc.pb.h"
#include "pasar/pg/pg.h"
#include "pasar/testkit/eventually.h"
#include "pasar/testkit/testkit.h"
#include "pasar/town/api.h"

namespace {

namespace testkit = pasar::testkit;
namespace town = pasar::town;
namespace inv = pasar::inventory::v1;
namespace ord = pasar::order::v1;
namespace dsp = pasar::dispatch::v1;
using pasar::auth::Role;
using testkit::Eventually;

constexpr char kSecret[] = "cancellation-e2e-secret";

// The order service's relay ships a batch only under this advisory lock of its schema
// (libs/events): while the test holds it, nothing the order service writes reaches Redis, as if
// every consumer of its stream lagged.
constexpr pasar::pg::Query kHoldOrderRelay{
    "t_hold_order_relay", "SELECT pg_advisory_lock(1885434977, hashtext('orders'))"};
constexpr pasar::pg::Query kReleaseOrderRelay{
    "t_release_order_relay", "SELECT pg_advisory_unlock(1885434977, hashtext('orders'))"};

struct Stack : pasar::e2e::OneMarketStack {
  Stack() : OneMarketStack(kSecret, pasar::e2e::OneMarketTown(50, false), "dinas") {}

  // Andi on shift with 300,000 in cash.
  void StartShift() { OneMarketStack::StartShift("shift", 300000); }

  inv::ReservationState Reservation(const std::string& id) {
    inv::GetReservationRequest req;
    req.set_reservation_id(id);
    inv::GetReservationResponse resp;
    Ok(
        api.Token(Role::kService, "order"),
        [&](auto* c) { return api.stock().GetReservation(c, req, &resp); }, "GetReservation");
    return resp.reservation().state();
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
