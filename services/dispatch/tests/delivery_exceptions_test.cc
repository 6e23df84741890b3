// The failed-delivery decisions on plain data (no PostgreSQL): attempts, the market's waiting
// rule, the return stop by stop, the operator's resolutions, and the money each carries.
#include <catch2/catch.hpp>

#include <string>
#include <variant>
#include <vector>

#include "domain/delivery_exceptions.h"

namespace d = pasar::dispatch::domain;
using d::CourierState;
using d::JobState;
using d::Refusal;

namespace {

d::Job Delivering(int stops = 2) {
  d::Job job;
  job.id = "order-1";
  job.market_id = "m-1";
  job.state = JobState::kDelivering;
  job.courier_id = "courier-1";
  job.goods_total_idr = 50'000;
  job.cash_to_collect_idr = 61'000;
  job.delivery_fee_idr = 9'000;
  job.delivery_pin = "1234";
  job.stops = stops;
  job.stops_picked = stops;
  return job;
}

d::Courier Carrying(int64_t cash = 50'000) {
  d::Courier c;
  c.id = "courier-1";
  c.state = CourierState::kDelivering;
  c.cash_on_hand_idr = cash;
  c.current_job_id = "order-1";
  return c;
}

d::Stop Picked(std::string ticket, int64_t amount, std::string code) {
  d::Stop s;
  s.ticket_id = std::move(ticket);
  s.stall_id = "stall-" + s.ticket_id;
  s.amount_idr = amount;
  s.pickup_code = std::move(code);
  s.picked_up = true;
  return s;
}

const d::FailurePolicy kPolicy{
    .wait_minutes = 10, .min_attempts = 3, .arrival_radius_meters = 300, .failure_fee_idr = 4'000};
const d::Limits kLimits{.max_consecutive_timeouts = 3, .max_code_attempts = 2};

template <class E>
const E& Only(const d::Decision& decision) {
  REQUIRE(decision.events.size() == 1);
  REQUIRE(std::holds_alternative<E>(decision.events[0]));
  return std::get<E>(decision.events[0]);
}

}  // namespace

TEST_CASE("the failure's money: the fee capped at the delivery fee, the platform owes the rest") {
  const d::Job job = Delivering();
  CHECK(d::MoneyOfFailure(job, kPolicy).failure_fee_idr == 4'000);
  CHECK(d::MoneyOfFailure(job, kPolicy).compensation_idr == 5'000);
  d::FailurePolicy dear = kPolicy;
  dear.failure_fee_idr = 20'000;
  CHECK(d::MoneyOfFailure(job, dear).failure_fee_idr == 9'000);
  CHECK(d::MoneyOfFailure(job, dear).compensation_idr == 0);
  d::FailurePolicy free = kPolicy;
  free.failure_fee_idr = 0;
  CHECK(d::MoneyOfFailure(job, free).compensation_idr == 9'000);
}

TEST_CASE("an attempt is reported only at the drop-off of the courier's own delivering job") {
  d::Job job = Delivering();
  d::Courier courier = Carrying();
  const d::AttemptsSoFar none{};
  SECTION("within the radius: DeliveryAttempted numbered, no state changes") {
    const d::Decision ok = d::ReportAttempt(&job, &courier, 1, 120, {.attempts = 2}, kPolicy);
    REQUIRE(ok.ok());
    const auto& e = Only<d::DeliveryAttempted>(ok);
    CHECK(e.attempt == 3);
    CHECK(e.outcome == 1);
    CHECK(job.state == JobState::kDelivering);
    CHECK_FALSE(job.transition.has_value());
    CHECK_FALSE(courier.changed);
  }
  SECTION("farther than the radius: NOT_ARRIVED") {
    const d::Decision far = d::ReportAttempt(&job, &courier, 1, 301, none, kPolicy);
    CHECK(far.refusal == Refusal::kNotArrived);
    CHECK(far.events.empty());
  }
  SECTION("before the last pickup: INVALID_TRANSITION") {
    job.state = JobState::kPickingUp;
    CHECK(d::ReportAttempt(&job, &courier, 1, 0, none, kPolicy).refusal ==
          Refusal::kInvalidTransition);
  }
  SECTION("another courier's job, or none: NOT_FOUND") {
    d::Courier other = Carrying();
    other.id = "courier-2";
    CHECK(d::ReportAttempt(&job, &other, 1, 0, none, kPolicy).refusal == Refusal::kNotFound);
    CHECK(d::ReportAttempt(nullptr, &courier, 1, 0, none, kPolicy).refusal == Refusal::kNotFound);
  }
}

TEST_CASE("the courier declares failure only once the market's waiting rule is met") {
  d::Job job = Delivering();
  d::Courier courier = Carrying();
  CHECK(d::DeclareFailed(&job, &courier, {.attempts = 2, .waited = true}, kPolicy).refusal ==
        Refusal::kWaitingRuleNotMet);
  CHECK(d::DeclareFailed(&job, &courier, {.attempts = 3, .waited = false}, kPolicy).refusal ==
        Refusal::kWaitingRuleNotMet);
  CHECK(job.state == JobState::kDelivering);
  const d::Decision failed =
      d::DeclareFailed(&job, &courier, {.attempts = 3, .waited = true}, kPolicy);
  REQUIRE(failed.ok());
  CHECK(job.state == JobState::kReturning);
  CHECK(courier.state == CourierState::kDelivering);
  CHECK(courier.current_job_id == "order-1");
  const auto& e = Only<d::DeliveryFailed>(failed);
  CHECK(e.failure_fee_idr == 4'000);
  CHECK(e.compensation_idr == 5'000);
  CHECK(e.attempts == 3);
  CHECK(e.operator_subject.empty());
  // Declared once.
  CHECK(d::DeclareFailed(&job, &courier, {.attempts = 3, .waited = true}, kPolicy).refusal ==
        Refusal::kInvalidTransition);
  // A market without a wait: the attempts alone.
  d::Job quick = Delivering();
  d::Courier c2 = Carrying();
  d::FailurePolicy no_wait = kPolicy;
  no_wait.wait_minutes = 0;
  CHECK(d::DeclareFailed(&quick, &c2, {.attempts = 3, .waited = false}, no_wait).ok());
}

TEST_CASE("goods go back stop by stop with the stall's code and the trader's refund") {
  d::Job job = Delivering(2);
  job.state = JobState::kReturning;
  d::Courier courier = Carrying(10'000);
  d::Stop a = Picked("t-a", 30'000, "A1");
  d::Stop b = Picked("t-b", 20'000, "B2");

  const d::Decision wrong = d::ConfirmReturn(&job, &courier, &a, {"XX", 30'000}, kLimits, {});
  CHECK(wrong.refusal == Refusal::kWrongPickupCode);
  CHECK(wrong.keep_attempt);
  CHECK(a.attempts == 1);
  CHECK(d::ConfirmReturn(&job, &courier, &a, {"A1", 29'000}, kLimits, {}).refusal ==
        Refusal::kCashMismatch);
  CHECK_FALSE(a.returned_to.has_value());

  const d::Decision first = d::ConfirmReturn(&job, &courier, &a, {"A1", 30'000}, kLimits, {});
  REQUIRE(first.ok());
  CHECK(job.state == JobState::kReturning);
  CHECK(courier.state == CourierState::kDelivering);
  CHECK(courier.cash_on_hand_idr == 40'000);
  CHECK(a.returned_to == d::ReturnDestination::kStall);
  CHECK_FALSE(Only<d::GoodsReturned>(first).all_returned);
  CHECK(d::ConfirmReturn(&job, &courier, &a, {"A1", 30'000}, kLimits, {}).refusal ==
        Refusal::kInvalidTransition);

  const d::Decision last = d::ConfirmReturn(&job, &courier, &b, {"B2", 20'000}, kLimits, {});
  REQUIRE(last.ok());
  CHECK(job.state == JobState::kReturned);
  CHECK(courier.state == CourierState::kIdle);
  CHECK(courier.current_job_id.empty());
  CHECK(courier.cash_on_hand_idr == 60'000);
  const auto& e = Only<d::GoodsReturned>(last);
  CHECK(e.all_returned);
  CHECK(e.amount_idr == 20'000);
  CHECK(e.destination == d::ReturnDestination::kStall);
}

TEST_CASE("a return before the failure, or with codes exhausted, is refused") {
  d::Job job = Delivering(1);
  d::Courier courier = Carrying();
  d::Stop a = Picked("t-a", 50'000, "A1");
  CHECK(d::ConfirmReturn(&job, &courier, &a, {"A1", 50'000}, kLimits, {}).refusal ==
        Refusal::kInvalidTransition);
  job.state = JobState::kReturning;
  a.attempts = 2;
  CHECK(d::ConfirmReturn(&job, &courier, &a, {"A1", 50'000}, kLimits, {}).refusal ==
        Refusal::kTooManyAttempts);
  d::Stop unpicked = Picked("t-b", 1, "B");
  unpicked.picked_up = false;
  CHECK(d::ConfirmReturn(&job, &courier, &unpicked, {"B", 1}, kLimits, {}).refusal ==
        Refusal::kNotFound);
}

TEST_CASE("operators: declare failed without the wait, receive at the office, mark delivered") {
  SECTION("declare failed, then the office receives what is left") {
    d::Job job = Delivering(2);
    d::Courier courier = Carrying(0);
    const d::Decision failed =
        d::OperatorDeclareFailed(job, &courier, 0, kPolicy, "op-1", "customer moved away");
    REQUIRE(failed.ok());
    CHECK(job.state == JobState::kReturning);
    const auto& f = Only<d::DeliveryFailed>(failed);
    CHECK(f.operator_subject == "op-1");
    CHECK(f.reason == "customer moved away");
    std::vector<d::Stop> open = {Picked("t-a", 30'000, "A"), Picked("t-b", 20'000, "B")};
    const d::Decision office = d::ReceiveAtOffice(job, &courier, open, "op-1", {});
    REQUIRE(office.ok());
    CHECK(job.state == JobState::kReturned);
    CHECK(courier.state == CourierState::kIdle);
    CHECK(courier.cash_on_hand_idr == 0);
    REQUIRE(office.events.size() == 2);
    const auto& last = std::get<d::GoodsReturned>(office.events[1]);
    CHECK(last.all_returned);
    CHECK(last.destination == d::ReturnDestination::kMarketOffice);
    CHECK_FALSE(std::get<d::GoodsReturned>(office.events[0]).all_returned);
  }
  SECTION("the office receives nothing from a delivering job") {
    d::Job job = Delivering(1);
    d::Courier courier = Carrying();
    std::vector<d::Stop> open = {Picked("t-a", 50'000, "A")};
    CHECK(d::ReceiveAtOffice(job, &courier, open, "op", {}).refusal == Refusal::kInvalidTransition);
  }
  SECTION("mark delivered on evidence: the cash due is collected") {
    d::Job job = Delivering(1);
    d::Courier courier = Carrying(0);
    const d::Decision done = d::MarkDelivered(job, &courier, {});
    REQUIRE(done.ok());
    CHECK(job.state == JobState::kDelivered);
    CHECK(courier.state == CourierState::kIdle);
    CHECK(courier.cash_on_hand_idr == 61'000);
    CHECK(Only<d::DeliveryConfirmed>(done).cash_collected_idr == 61'000);
    CHECK(d::MarkDelivered(job, &courier, {}).refusal == Refusal::kInvalidTransition);
  }
}

TEST_CASE("a failed drop-off of a stacked trip: the courier keeps the rest of the trip") {
  // order-1 failed at the door; order-2 of the same bundle is still to deliver (`rest`).
  const d::BundleRest rest{.others = true, .next_job_id = "order-2"};
  SECTION("its goods back at the stall: the job RETURNED, the courier on to order-2") {
    d::Job job = Delivering(1);
    d::Courier courier = Carrying(0);
    REQUIRE(d::OperatorDeclareFailed(job, &courier, 0, kPolicy, "op", "refused").ok());
    d::Stop a = Picked("t-a", 50'000, "A1");
    const d::Decision back = d::ConfirmReturn(&job, &courier, &a, {"A1", 50'000}, kLimits, rest);
    REQUIRE(back.ok());
    CHECK(job.state == JobState::kReturned);
    CHECK(Only<d::GoodsReturned>(back).all_returned);
    CHECK(courier.state == CourierState::kDelivering);
    CHECK(courier.current_job_id == "order-2");
    CHECK(courier.cash_on_hand_idr == 50'000);
  }
  SECTION("received at the office: the courier on to order-2") {
    d::Job job = Delivering(1);
    d::Courier courier = Carrying(0);
    REQUIRE(d::OperatorDeclareFailed(job, &courier, 0, kPolicy, "op", "refused").ok());
    std::vector<d::Stop> open = {Picked("t-a", 50'000, "A")};
    REQUIRE(d::ReceiveAtOffice(job, &courier, open, "op", rest).ok());
    CHECK(job.state == JobState::kReturned);
    CHECK(courier.state == CourierState::kDelivering);
    CHECK(courier.current_job_id == "order-2");
  }
  SECTION("marked delivered: the cash collected, the courier on to order-2") {
    d::Job job = Delivering(1);
    d::Courier courier = Carrying(0);
    REQUIRE(d::MarkDelivered(job, &courier, rest).ok());
    CHECK(job.state == JobState::kDelivered);
    CHECK(courier.state == CourierState::kDelivering);
    CHECK(courier.current_job_id == "order-2");
    CHECK(courier.cash_on_hand_idr == 61'000);
  }
  SECTION("a job the courier is not on leaves their current job alone") {
    d::Job job = Delivering(1);
    d::Courier courier = Carrying(0);
    courier.current_job_id = "order-3";
    REQUIRE(d::MarkDelivered(job, &courier, rest).ok());
    CHECK(courier.current_job_id == "order-3");
    CHECK(courier.state == CourierState::kDelivering);
  }
}
