// A delivery that fails at the door, through the three real services (README, "Failed
// deliveries and returns"): the courier's attempts (the customer sees them), the failure after
// the market's waiting rule, the goods back at the stall with the stall's code or handed to the
// market office by an operator, an operator's resolutions, each case's ledger, and the courier's
// statement. Each TEST_CASE starts its own services (ctest runs each case alone).
#include <catch2/catch.hpp>

#include <string>

#include "one_market.h"
#include "pasar/dispatch/v1/dispatch.grpc.pb.h"
#include "pasar/inventory/v1/inventory.grpc.pb.h"
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
using testkit::Eventually;

constexpr char kSecret[] = "failed-delivery-e2e-secret";

// Every order's drop-off (pasar::e2e::kDropLat/kDropLng), and a point 1 km away (the market).
using pasar::e2e::kDropLat;
using pasar::e2e::kDropLng;
constexpr double kFarLat = -8.1335, kFarLng = 113.2248;
constexpr int64_t kCash = 300000;
constexpr int64_t kFailureFee = 4000;

struct Stack : pasar::e2e::OneMarketStack {
  Stack() : OneMarketStack(kSecret, pasar::e2e::OneMarketTown(200, true), "petugas-pasar") {}

  int requests = 0;
  std::string Rid(const std::string& what) { return what + "-" + std::to_string(++requests); }

  // The courier on shift with kCash, 300 m from the market; the market's policy: two attempts,
  // no wait, a 4,000 failure fee.
  void Start() {
    StartShift(Rid("shift"), kCash);
    dsp::SetFailurePolicyRequest policy;
    policy.set_request_id(Rid("policy"));
    policy.mutable_policy()->set_market_id(seeded.id("pasar-baru"));
    policy.mutable_policy()->set_wait_minutes(0);
    policy.mutable_policy()->set_min_attempts(2);
    policy.mutable_policy()->set_arrival_radius_meters(300);
    policy.mutable_policy()->set_failure_fee_idr(kFailureFee);
    dsp::SetFailurePolicyResponse set;
    Ok(
        op, [&](auto* c) { return api.dispatch_ops().SetFailurePolicy(c, policy, &set); },
        "SetFailurePolicy");
  }

  // ... and picked up (the courier paid the trader): PICKED_UP, the job DELIVERING.
  ord::Order PickedUp(const std::string& customer) {
    const ord::Order o = Assigned(customer);
    dsp::ConfirmPickupRequest req;
    req.set_request_id(Rid("pickup"));
    req.set_job_id(o.id());
    req.set_ticket_id(o.tickets(0).id());
    req.set_pickup_code(PickupCode(o.tickets(0).id()));
    req.set_paid_to_trader_idr(o.goods_total_idr());
    dsp::ConfirmPickupResponse resp;
    Ok(
        courier, [&](auto* c) { return api.couriers().ConfirmPickup(c, req, &resp); },
        "ConfirmPickup");
    REQUIRE(
        Eventually([&] { return Get(customer, o.id()).status() == ord::ORDER_STATUS_PICKED_UP; }));
    return Get(customer, o.id());
  }

  town::Outcome Attempt(const std::string& job_id, dsp::DeliveryAttemptOutcome outcome,
                        double lat = kDropLat, double lng = kDropLng,
                        dsp::ReportDeliveryAttemptResponse* resp = nullptr) {
    dsp::ReportDeliveryAttemptRequest req;
    req.set_request_id(Rid("attempt"));
    req.set_job_id(job_id);
    req.set_outcome(outcome);
    req.mutable_location()->set_lat(lat);
    req.mutable_location()->set_lng(lng);
    dsp::ReportDeliveryAttemptResponse local;
    dsp::ReportDeliveryAttemptResponse* out = resp ? resp : &local;
    return town::Call(courier,
                      [&](auto* c) { return api.couriers().ReportDeliveryAttempt(c, req, out); });
  }

  town::Outcome Declare(const std::string& job_id) {
    dsp::DeclareDeliveryFailedRequest req;
    req.set_request_id(Rid("declare"));
    req.set_job_id(job_id);
    dsp::DeclareDeliveryFailedResponse resp;
    return town::Call(courier,
                      [&](auto* c) { return api.couriers().DeclareDeliveryFailed(c, req, &resp); });
  }

  town::Outcome Return(const ord::Order& o, const std::string& code, int64_t refunded,
                       dsp::ConfirmReturnResponse* resp = nullptr) {
    dsp::ConfirmReturnRequest req;
    req.set_request_id(Rid("return"));
    req.set_job_id(o.id());
    req.set_ticket_id(o.tickets(0).id());
    req.set_stall_code(code);
    req.set_refunded_idr(refunded);
    dsp::ConfirmReturnResponse local;
    dsp::ConfirmReturnResponse* out = resp ? resp : &local;
    return town::Call(courier, [&](auto* c) { return api.couriers().ConfirmReturn(c, req, out); });
  }

  town::Outcome Resolve(const std::string& job_id, dsp::ResolveAction action,
                        const std::string& reason, dsp::ResolveDeliveryResponse* resp = nullptr) {
    dsp::ResolveDeliveryRequest req;
    req.set_request_id(Rid("resolve"));
    req.set_job_id(job_id);
    req.set_action(action);
    req.set_reason(reason);
    dsp::ResolveDeliveryResponse local;
    dsp::ResolveDeliveryResponse* out = resp ? resp : &local;
    return town::Call(op, [&](auto* c) { return api.dispatch_ops().ResolveDelivery(c, req, out); });
  }
};

// The services of a TEST_CASE (started once per process, stopped at exit).
Stack& S() {
  static Stack stack;
  static const bool started = (stack.Start(), true);
  (void)started;
  return stack;
}

int64_t Net(const ord::Order& o, ord::LedgerParty party) {
  int64_t net = 0;
  for (const auto& b : o.ledger().balances()) {
    if (b.party() == party) net += b.net_idr();
  }
  return net;
}

int Count(const ord::Order& o, ord::LedgerEntryKind kind) {
  int n = 0;
  for (const auto& e : o.ledger().entries())
    n += e.kind() == kind ? 1 : 0;
  return n;
}

}  // namespace

TEST_CASE(
    "the customer is absent: attempts seen live, failure after the rule, goods to the stall") {
  Stack& s = S();
  const ord::Order o = s.PickedUp("siti");

  // Not at the door yet: refused with the reason, nothing recorded.
  const town::Outcome far =
      s.Attempt(o.id(), dsp::DELIVERY_ATTEMPT_OUTCOME_NO_ANSWER, kFarLat, kFarLng);
  CHECK(far.code() == grpc::StatusCode::FAILED_PRECONDITION);
  CHECK(far.reason == "NOT_ARRIVED");
  const town::Outcome early = s.Declare(o.id());
  CHECK(early.code() == grpc::StatusCode::FAILED_PRECONDITION);
  CHECK(early.reason == "WAITING_RULE_NOT_MET");

  dsp::ReportDeliveryAttemptResponse first;
  REQUIRE(
      s.Attempt(o.id(), dsp::DELIVERY_ATTEMPT_OUTCOME_NO_ANSWER, kDropLat, kDropLng, &first).ok());
  CHECK(first.attempts() == 1);
  CHECK_FALSE(first.may_declare_failed());
  // The customer sees the attempt and could still hand over the PIN.
  REQUIRE(Eventually([&] { return s.Get("siti", o.id()).delivery_attempts() == 1; }));
  CHECK(s.Get("siti", o.id()).last_attempt_outcome() == "NO_ANSWER");
  CHECK(s.Get("siti", o.id()).status() == ord::ORDER_STATUS_PICKED_UP);
  CHECK(s.Declare(o.id()).reason == "WAITING_RULE_NOT_MET");

  dsp::ReportDeliveryAttemptResponse second;
  REQUIRE(
      s.Attempt(o.id(), dsp::DELIVERY_ATTEMPT_OUTCOME_NO_ANSWER, kDropLat, kDropLng, &second).ok());
  CHECK(second.may_declare_failed());
  const town::Outcome declared = s.Declare(o.id());
  INFO(declared.Describe());
  REQUIRE(declared.ok());
  CHECK(s.Job(o.id()).status() == dsp::JOB_STATUS_RETURNING);
  CHECK(s.Job(o.id()).delivery_attempts() == 2);
  REQUIRE(Eventually(
      [&] { return s.Get("siti", o.id()).status() == ord::ORDER_STATUS_DELIVERY_FAILED; }));

  // Back at the stall: the stall's code and the trader's refund, exactly.
  const std::string code = s.PickupCode(o.tickets(0).id());
  const std::string wrong = code == "0000" ? "1111" : "0000";
  const town::Outcome bad_code = s.Return(o, wrong, o.goods_total_idr());
  CHECK(bad_code.code() == grpc::StatusCode::FAILED_PRECONDITION);
  CHECK(bad_code.reason == "WRONG_PICKUP_CODE");
  const town::Outcome negative = s.Return(o, code, -1);
  CHECK(negative.code() == grpc::StatusCode::INVALID_ARGUMENT);
  CHECK_THAT(negative.status.error_message(), Catch::Contains("refunded_idr"));
  CHECK(s.Return(o, code, o.goods_total_idr() - 1).reason == "CASH_MISMATCH");
  dsp::ConfirmReturnResponse returned;
  const town::Outcome back = s.Return(o, code, o.goods_total_idr(), &returned);
  INFO(back.Describe());
  REQUIRE(back.ok());
  CHECK(returned.job().status() == dsp::JOB_STATUS_RETURNED);
  CHECK(returned.job().stops(0).returned_to() == dsp::RETURN_DESTINATION_STALL);
  CHECK(returned.courier().state() == dsp::COURIER_STATE_IDLE);
  CHECK(returned.courier().cash_on_hand_idr() == kCash);

  REQUIRE(Eventually([&] { return s.Get("siti", o.id()).status() == ord::ORDER_STATUS_RETURNED; }));
  const ord::Order done = s.Get("siti", o.id());
  CHECK(done.tickets(0).status() == ord::TICKET_STATUS_RETURNED);
  CHECK(done.ledger().balanced());
  CHECK(Count(done, ord::LEDGER_ENTRY_KIND_FAILURE_FEE) == 2);
  CHECK(Count(done, ord::LEDGER_ENTRY_KIND_FAILURE_COMPENSATION) == 2);
  CHECK(Count(done, ord::LEDGER_ENTRY_KIND_GOODS_RETURNED) == 2);
  CHECK(Net(done, ord::LEDGER_PARTY_COURIER) == done.delivery_fee_idr());
  CHECK(Net(done, ord::LEDGER_PARTY_TRADER) == 0);
  CHECK(Net(done, ord::LEDGER_PARTY_CUSTOMER) == -kFailureFee);
  CHECK(Net(done, ord::LEDGER_PARTY_PLATFORM) == -(done.delivery_fee_idr() - kFailureFee));
}

TEST_CASE("the customer refuses: the office receives the goods, the platform bears them") {
  Stack& s = S();
  const ord::Order o = s.PickedUp("budi");
  REQUIRE(s.Attempt(o.id(), dsp::DELIVERY_ATTEMPT_OUTCOME_REFUSED).ok());
  REQUIRE(s.Attempt(o.id(), dsp::DELIVERY_ATTEMPT_OUTCOME_REFUSED).ok());
  REQUIRE(s.Declare(o.id()).ok());
  // The office's reason is required; a delivering job has nothing to receive.
  const town::Outcome no_reason = s.Resolve(o.id(), dsp::RESOLVE_ACTION_RECEIVE_AT_OFFICE, "");
  CHECK(no_reason.code() == grpc::StatusCode::INVALID_ARGUMENT);
  CHECK_THAT(no_reason.status.error_message(), Catch::Contains("reason"));
  dsp::ResolveDeliveryResponse received;
  const town::Outcome office = s.Resolve(o.id(), dsp::RESOLVE_ACTION_RECEIVE_AT_OFFICE,
                                         "sayur layu, diterima kantor pasar", &received);
  INFO(office.Describe());
  REQUIRE(office.ok());
  CHECK(received.job().status() == dsp::JOB_STATUS_RETURNED);
  CHECK(received.job().stops(0).returned_to() == dsp::RETURN_DESTINATION_MARKET_OFFICE);
  const auto cur = s.Current();
  CHECK(cur.courier().state() == dsp::COURIER_STATE_IDLE);
  CHECK(cur.courier().cash_on_hand_idr() == kCash - o.goods_total_idr());

  REQUIRE(Eventually([&] { return s.Get("budi", o.id()).status() == ord::ORDER_STATUS_RETURNED; }));
  const ord::Order done = s.Get("budi", o.id());
  CHECK(done.tickets(0).status() == ord::TICKET_STATUS_AT_MARKET_OFFICE);
  CHECK(done.last_attempt_outcome() == "REFUSED");
  CHECK(done.ledger().balanced());
  CHECK(Count(done, ord::LEDGER_ENTRY_KIND_GOODS_AT_OFFICE) == 2);
  // The courier is owed what they advanced: the ledger says by whom.
  CHECK(Net(done, ord::LEDGER_PARTY_COURIER) == done.delivery_fee_idr());
  CHECK(Net(done, ord::LEDGER_PARTY_TRADER) == done.goods_total_idr());
  CHECK(Net(done, ord::LEDGER_PARTY_PLATFORM) ==
        -(done.delivery_fee_idr() - kFailureFee + done.goods_total_idr()));
}

TEST_CASE("operators resolve: failed without the wait, and delivered on evidence") {
  Stack& s = S();
  {
    const ord::Order o = s.PickedUp("rini");
    // The courier may not skip the rule; the operator may, with a reason.
    CHECK(s.Declare(o.id()).reason == "WAITING_RULE_NOT_MET");
    REQUIRE(s.Resolve(o.id(), dsp::RESOLVE_ACTION_DECLARE_FAILED, "alamat salah, pelanggan pindah")
                .ok());
    CHECK(s.Resolve(o.id(), dsp::RESOLVE_ACTION_MARK_DELIVERED, "too late").reason ==
          "INVALID_TRANSITION");
    REQUIRE(Eventually(
        [&] { return s.Get("rini", o.id()).status() == ord::ORDER_STATUS_DELIVERY_FAILED; }));
    REQUIRE(s.Return(o, s.PickupCode(o.tickets(0).id()), o.goods_total_idr()).ok());
    REQUIRE(
        Eventually([&] { return s.Get("rini", o.id()).status() == ord::ORDER_STATUS_RETURNED; }));
    const ord::Order done = s.Get("rini", o.id());
    CHECK(done.ledger().balanced());
    CHECK(Net(done, ord::LEDGER_PARTY_COURIER) == done.delivery_fee_idr());
    CHECK(Net(done, ord::LEDGER_PARTY_CUSTOMER) == -kFailureFee);
  }
  {
    const ord::Order o = s.PickedUp("agus");
    REQUIRE(s.Attempt(o.id(), dsp::DELIVERY_ATTEMPT_OUTCOME_NO_ANSWER).ok());
    dsp::ResolveDeliveryResponse resolved;
    REQUIRE(s.Resolve(o.id(), dsp::RESOLVE_ACTION_MARK_DELIVERED,
                      "pelanggan menelepon kantor: barang diterima, dibayar", &resolved)
                .ok());
    CHECK(resolved.job().status() == dsp::JOB_STATUS_DELIVERED);
    REQUIRE(
        Eventually([&] { return s.Get("agus", o.id()).status() == ord::ORDER_STATUS_DELIVERED; }));
    const ord::Order done = s.Get("agus", o.id());
    CHECK(done.ledger().balanced());
    CHECK(Count(done, ord::LEDGER_ENTRY_KIND_FAILURE_FEE) == 0);
    CHECK(Net(done, ord::LEDGER_PARTY_COURIER) == done.delivery_fee_idr());
    CHECK(Net(done, ord::LEDGER_PARTY_CUSTOMER) == -done.total_idr());
    CHECK(s.Current().courier().state() == dsp::COURIER_STATE_IDLE);
  }
}

TEST_CASE("the courier's statement of the shift: cash expected, counted, owed - their own only") {
  Stack& s = S();
  // The shift: one delivery (17,000 collected) and one failure whose kangkung went back to the
  // stall (refunded); two pickups of 6,000.
  const ord::Order failed = s.PickedUp("sinta");
  REQUIRE(s.Attempt(failed.id(), dsp::DELIVERY_ATTEMPT_OUTCOME_CANNOT_PAY).ok());
  REQUIRE(s.Attempt(failed.id(), dsp::DELIVERY_ATTEMPT_OUTCOME_CANNOT_PAY).ok());
  REQUIRE(s.Declare(failed.id()).ok());
  REQUIRE(s.Return(failed, s.PickupCode(failed.tickets(0).id()), failed.goods_total_idr()).ok());
  const ord::Order paid = s.PickedUp("dewi");
  dsp::ConfirmDeliveryRequest deliver;
  deliver.set_request_id("deliver-dewi");
  deliver.set_job_id(paid.id());
  deliver.set_delivery_pin(paid.delivery_pin());
  deliver.set_cash_collected_idr(paid.total_idr());
  dsp::ConfirmDeliveryResponse delivered;
  s.Ok(
      s.courier, [&](auto* c) { return s.api.couriers().ConfirmDelivery(c, deliver, &delivered); },
      "ConfirmDelivery");

  dsp::GetMyStatementResponse mine;
  s.Ok(
      s.courier,
      [&](auto* c) {
        return s.api.couriers().GetMyStatement(c, dsp::GetMyStatementRequest(), &mine);
      },
      "GetMyStatement");
  const dsp::CourierStatement& st = mine.statement();
  INFO(st.DebugString());
  const int64_t goods = 6000;
  CHECK(st.cash_at_start_idr() == kCash);
  CHECK(st.paid_to_traders_idr() == 2 * goods);
  CHECK(st.collected_from_customers_idr() == goods + 9000 + 2000);
  CHECK(st.refunded_by_traders_idr() == goods);
  CHECK(st.goods_at_office_idr() == 0);
  CHECK(st.deliveries() == 1);
  CHECK(st.failed_deliveries() == 1);
  CHECK(st.earnings_idr() == 9000);
  CHECK(st.service_fees_owed_idr() == 2000);
  CHECK(st.failure_fees_idr() == kFailureFee);
  CHECK(st.failure_compensation_idr() == 9000 - kFailureFee);
  CHECK(st.owed_by_programmes_idr() == 0);
  CHECK(st.expected_cash_end_idr() == kCash - 2 * goods + (goods + 9000 + 2000) + goods);
  // The cash in hand agrees with the statement.
  CHECK(s.Current().courier().cash_on_hand_idr() == st.expected_cash_end_idr());
  CHECK_FALSE(st.cash_counted());

  // The end of the shift with 1,000 missing: flagged for the office.
  dsp::EndShiftRequest end;
  end.set_request_id("end-counted");
  end.set_counted_cash_idr(st.expected_cash_end_idr() - 1000);
  dsp::EndShiftResponse ended;
  s.Ok(
      s.courier, [&](auto* c) { return s.api.couriers().EndShift(c, end, &ended); }, "EndShift");
  dsp::GetCourierStatementRequest by_op;
  by_op.set_courier_id(st.courier_id());
  by_op.set_shift_id(st.shift_id());
  dsp::GetCourierStatementResponse seen;
  s.Ok(
      s.op, [&](auto* c) { return s.api.dispatch_ops().GetCourierStatement(c, by_op, &seen); },
      "GetCourierStatement");
  CHECK(seen.statement().cash_counted());
  CHECK(seen.statement().difference_idr() == -1000);
  CHECK(seen.statement().difference_flagged());
  CHECK(seen.statement().paid_to_traders_idr() == st.paid_to_traders_idr());

  // Another courier asking for this shift is answered as for a shift that does not exist.
  const std::string sari = s.api.Token(Role::kCourier, "courier-sari");
  auto ask = [&](int64_t shift_id) {
    dsp::GetMyStatementRequest req;
    req.set_shift_id(shift_id);
    dsp::GetMyStatementResponse resp;
    return town::Call(sari,
                      [&](auto* c) { return s.api.couriers().GetMyStatement(c, req, &resp); });
  };
  const town::Outcome foreign = ask(st.shift_id());
  const town::Outcome missing = ask(st.shift_id() + 100000);
  CHECK(foreign.code() == grpc::StatusCode::NOT_FOUND);
  CHECK(missing.code() == grpc::StatusCode::NOT_FOUND);
  CHECK(foreign.status.error_message() == missing.status.error_message());
  // A negative count is refused, naming the field.
  dsp::EndShiftRequest negative;
  negative.set_request_id("end-negative");
  negative.set_counted_cash_idr(-1);
  const town::Outcome bad = town::Call(
      s.courier, [&](auto* c) { return s.api.couriers().EndShift(c, negative, &ended); });
  CHECK(bad.code() == grpc::StatusCode::INVALID_ARGUMENT);
  CHECK_THAT(bad.status.error_message(), Catch::Contains("counted_cash_idr"));
}

TEST_CASE("bad input names the field or reason and writes nothing") {
  Stack& s = S();
  if (s.Current().courier().state() == dsp::COURIER_STATE_OFF_DUTY) s.Start();
  const ord::Order o = s.Assigned("wati");
  // Before the pickup there is no door to stand at.
  const town::Outcome before = s.Attempt(o.id(), dsp::DELIVERY_ATTEMPT_OUTCOME_NO_ANSWER);
  CHECK(before.reason == "INVALID_TRANSITION");
  const town::Outcome no_outcome = s.Attempt(o.id(), dsp::DELIVERY_ATTEMPT_OUTCOME_UNSPECIFIED);
  CHECK(no_outcome.code() == grpc::StatusCode::INVALID_ARGUMENT);
  CHECK_THAT(no_outcome.status.error_message(), Catch::Contains("outcome"));
  CHECK(s.Job(o.id()).delivery_attempts() == 0);
  // A job that is not the caller's answers like a missing one.
  CHECK(s.Attempt("00000000-0000-4000-8000-000000000000", dsp::DELIVERY_ATTEMPT_OUTCOME_NO_ANSWER)
            .code() == grpc::StatusCode::NOT_FOUND);
  dsp::SetFailurePolicyRequest policy;
  policy.set_request_id("policy-negative");
  policy.mutable_policy()->set_market_id(s.seeded.id("pasar-baru"));
  policy.mutable_policy()->set_min_attempts(2);
  policy.mutable_policy()->set_arrival_radius_meters(300);
  policy.mutable_policy()->set_failure_fee_idr(-1);
  dsp::SetFailurePolicyResponse set;
  const town::Outcome negative = town::Call(
      s.op, [&](auto* c) { return s.api.dispatch_ops().SetFailurePolicy(c, policy, &set); });
  CHECK(negative.code() == grpc::StatusCode::INVALID_ARGUMENT);
  CHECK_THAT(negative.status.error_message(), Catch::Contains("policy.failure_fee_idr"));
  // Only operators resolve.
  CHECK(town::Call(s.courier, [&](auto* c) {
          dsp::ResolveDeliveryRequest req;
          req.set_request_id("courier-resolve");
          req.set_job_id(o.id());
          req.set_action(dsp::RESOLVE_ACTION_MARK_DELIVERED);
          req.set_reason("saya sendiri");
          dsp::ResolveDeliveryResponse resp;
          return s.api.dispatch_ops().ResolveDelivery(c, req, &resp);
        }).code() == grpc::StatusCode::PERMISSION_DENIED);
}
