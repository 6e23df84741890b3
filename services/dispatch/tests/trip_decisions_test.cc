// The stacked-trip decisions on plain data (no PostgreSQL): a bundle offered, accepted, declined
// and expired as one; the courier riding off after the trip's last ticket and free after its last
// drop-off; one job leaving the trip.
#include <catch2/catch.hpp>

#include <string>
#include <variant>
#include <vector>

#include "decision_fixtures.h"
#include "domain/decisions.h"

namespace d = pasar::dispatch::domain;
using d::CourierState;
using d::JobState;
using d::OfferState;
using d::Refusal;
using namespace pasar::dispatch::testing;

namespace {

struct Trip {
  d::Job jobs[2] = {MakeJob(JobState::kPending), MakeJob(JobState::kPending)};
  d::Offer offers[2];
  Trip() {
    jobs[1].id = "order-2";
    jobs[1].correlation_id = "corr-2";
  }
  std::vector<d::TripLeg> legs() { return {{&jobs[0], &offers[0]}, {&jobs[1], &offers[1]}}; }
};

}  // namespace

TEST_CASE("a trip is offered to one courier whose cash covers every job, as one", "[decisions]") {
  {
    Trip t;
    d::Courier poor = MakeCourier(CourierState::kIdle, 99'999);  // two jobs: 100,000 of goods
    const d::Decision refused = d::MakeTripOffer(t.legs(), poor, {false, false});
    REQUIRE(refused.refusal == Refusal::kInsufficientCash);
    REQUIRE(t.jobs[0].state == JobState::kPending);
    REQUIRE(poor.state == CourierState::kIdle);
  }
  {
    Trip t;
    d::Courier c = MakeCourier(CourierState::kIdle);
    REQUIRE(d::MakeTripOffer(t.legs(), c, {false, true}).refusal == Refusal::kExcluded);
    REQUIRE(t.jobs[0].state == JobState::kPending);
  }
  Trip t;
  d::Courier c = MakeCourier(CourierState::kIdle);
  const d::Decision made = d::MakeTripOffer(t.legs(), c, {false, false});
  REQUIRE(made.ok());
  REQUIRE(c.state == CourierState::kOffered);
  REQUIRE(made.events.size() == 2);
  REQUIRE(t.jobs[0].bundle_id == "order-1/2");  // the first job's id and its count of offers
  REQUIRE(t.jobs[1].bundle_id == t.jobs[0].bundle_id);
  REQUIRE(t.offers[1].bundle_id == t.jobs[0].bundle_id);
  REQUIRE(t.jobs[0].bundle_position == 0);
  REQUIRE(t.jobs[1].bundle_position == 1);
  REQUIRE(t.jobs[1].state == JobState::kOffered);

  // Accepted as one: both assigned, the courier's current job the first drop-off.
  for (auto& o : t.offers)
    o.courier_id = c.id;
  const d::Decision accepted = d::AcceptTrip(t.legs(), c);
  REQUIRE(accepted.ok());
  REQUIRE(c.state == CourierState::kAssigned);
  REQUIRE(c.current_job_id == "order-1");
  REQUIRE(t.jobs[1].state == JobState::kAssigned);
  REQUIRE(t.jobs[1].courier_id == c.id);
  REQUIRE(accepted.events.size() == 4);  // CourierAssigned + OfferResolved per job
  // Each CourierAssigned names the trip and the job's drop-off place (the order service counts
  // the customer's stops before from them).
  int assigned = 0;
  for (const d::Event& e : accepted.events) {
    const auto* a = std::get_if<d::CourierAssigned>(&e);
    if (a == nullptr) continue;
    REQUIRE(a->bundle_id == t.jobs[0].bundle_id);
    REQUIRE(a->job_id == t.jobs[static_cast<size_t>(a->bundle_position)].id);
    ++assigned;
  }
  REQUIRE(assigned == 2);
}

TEST_CASE("a trip declined or expired goes back whole; one expired offer alone is not due",
          "[decisions]") {
  Trip t;
  d::Courier c = MakeCourier(CourierState::kIdle);
  REQUIRE(d::MakeTripOffer(t.legs(), c, {false, false}).ok());
  for (auto& o : t.offers)
    o.courier_id = c.id;
  t.offers[0].expired = true;  // only one due: the trip is not
  REQUIRE_FALSE(d::ExpireTrip(t.legs(), c, d::Limits{}).ok());
  t.offers[1].expired = true;
  const d::Decision expired = d::ExpireTrip(t.legs(), c, d::Limits{});
  REQUIRE(expired.ok());
  REQUIRE(c.state == CourierState::kIdle);
  REQUIRE(c.consecutive_timeouts == 1);  // counted once for the trip
  REQUIRE(expired.exclusions.size() == 2);
  REQUIRE(t.jobs[0].state == JobState::kPending);
  REQUIRE(t.jobs[1].state == JobState::kPending);
  REQUIRE(t.jobs[1].bundle_id.empty());

  Trip u;
  d::Courier k = MakeCourier(CourierState::kIdle);
  REQUIRE(d::MakeTripOffer(u.legs(), k, {false, false}).ok());
  const d::Decision declined = d::DeclineTrip(u.legs(), k, 1, "jauh");
  REQUIRE(declined.ok());
  REQUIRE(k.state == CourierState::kIdle);
  REQUIRE(declined.exclusions.size() == 2);
  REQUIRE(u.offers[1].state == OfferState::kDeclined);
}

TEST_CASE(
    "in a trip the courier rides off after the trip's last ticket and is free after the "
    "last drop-off; a cancelled job leaves the rest",
    "[decisions]") {
  d::Job job = MakeJob(JobState::kAssigned, "courier-1");
  job.stops = 1;
  d::Courier c = MakeCourier(CourierState::kAssigned, 100'000, "order-1");
  d::Stop stop = MakeStop("t-1", 20'000);
  // The job's last ticket, but another job of the trip has one left: still ASSIGNED.
  REQUIRE(d::ConfirmPickup(&job, &c, &stop, {"1111", 20'000}, d::Limits{}, 1).ok());
  REQUIRE(job.state == JobState::kDelivering);
  REQUIRE(c.state == CourierState::kAssigned);

  d::Job last = MakeJob(JobState::kDelivering, "courier-1");
  last.id = "order-2";
  d::Courier riding = MakeCourier(CourierState::kDelivering, 0, "order-2");
  // An earlier drop-off still open: refused before the PIN is even looked at.
  const d::Decision early =
      d::ConfirmDelivery(&last, &riding, {"0000", 62'000}, d::Limits{}, true, {});
  REQUIRE(early.refusal == Refusal::kInvalidTransition);
  REQUIRE(last.pin_attempts == 0);
  // More drop-offs after this one: still DELIVERING, on to the next.
  const d::Decision one = d::ConfirmDelivery(&last, &riding, {"1234", 62'000}, d::Limits{}, false,
                                             {.others = true, .next_job_id = "order-3"});
  REQUIRE(one.ok());
  REQUIRE(riding.state == CourierState::kDelivering);
  REQUIRE(riding.current_job_id == "order-3");
  REQUIRE(riding.cash_on_hand_idr == 62'000);

  // The first job of an assigned trip cancelled: the courier keeps the rest.
  d::Job first = MakeJob(JobState::kAssigned, "courier-1");
  d::Courier holder = MakeCourier(CourierState::kAssigned, 100'000, "order-1");
  d::Holders h = AssignedTo(&holder);
  h.rest = {.others = true, .next_job_id = "order-2"};
  REQUIRE(d::CancelJob(first, h).ok());
  REQUIRE(first.state == JobState::kCancelled);
  REQUIRE(holder.state == CourierState::kAssigned);
  REQUIRE(holder.current_job_id == "order-2");

  // The last job of a trip with tickets left cancelled while the rest is on the bike: the
  // courier rides off with it (DELIVERING), on their current job, and may hand it over.
  d::Job waiting = MakeJob(JobState::kAssigned, "courier-1");
  waiting.id = "order-2";
  d::Courier loaded = MakeCourier(CourierState::kAssigned, 80'000, "order-1");
  d::Holders lh = AssignedTo(&loaded);
  lh.rest = {.others = true, .next_job_id = "order-1", .on_board = true};
  REQUIRE(d::CancelJob(waiting, lh).ok());
  REQUIRE(waiting.state == JobState::kCancelled);
  REQUIRE(loaded.state == CourierState::kDelivering);
  REQUIRE(loaded.current_job_id == "order-1");
  d::Job carried = MakeJob(JobState::kDelivering, "courier-1");
  REQUIRE(d::ConfirmDelivery(&carried, &loaded, {"1234", 62'000}, d::Limits{}, false, {}).ok());
  REQUIRE(loaded.state == CourierState::kIdle);
}
