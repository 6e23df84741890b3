// Every state x event pair of the job, offer and courier lifecycles, against an independent
// statement of SPEC section 5 (no PostgreSQL).
#include <catch2/catch.hpp>

#include <map>
#include <optional>
#include <set>
#include <string_view>
#include <utility>
#include <vector>

#include "domain/lifecycle.h"

namespace d = pasar::dispatch::domain;
using d::CourierEvent;
using d::CourierState;
using d::JobEvent;
using d::JobState;
using d::OfferEvent;
using d::OfferState;

TEST_CASE("job: every state x event pair is either the SPEC transition or refused") {
  const std::map<std::pair<JobState, JobEvent>, JobState> allowed = {
      // Waiting for a courier: offered, cancelled, or failed at its dispatch deadline.
      {{JobState::kPending, JobEvent::kOfferMade}, JobState::kOffered},
      {{JobState::kPending, JobEvent::kCancelled}, JobState::kCancelled},
      {{JobState::kPending, JobEvent::kDispatchFailed}, JobState::kFailed},
      // Offered: the offer ends one way or another.
      {{JobState::kOffered, JobEvent::kOfferAccepted}, JobState::kAssigned},
      {{JobState::kOffered, JobEvent::kOfferDeclined}, JobState::kPending},
      {{JobState::kOffered, JobEvent::kOfferExpired}, JobState::kPending},
      {{JobState::kOffered, JobEvent::kOfferWithdrawn}, JobState::kPending},
      {{JobState::kOffered, JobEvent::kCancelled}, JobState::kCancelled},
      {{JobState::kOffered, JobEvent::kDispatchFailed}, JobState::kFailed},
      // Assigned, nothing picked up yet: the courier may still lose it.
      {{JobState::kAssigned, JobEvent::kCourierReleased}, JobState::kPending},
      {{JobState::kAssigned, JobEvent::kTicketPickedUp}, JobState::kPickingUp},
      {{JobState::kAssigned, JobEvent::kLastTicketPickedUp}, JobState::kDelivering},
      {{JobState::kAssigned, JobEvent::kCancelled}, JobState::kCancelled},
      // Goods on board: pickups, then delivery, nothing else.
      {{JobState::kPickingUp, JobEvent::kTicketPickedUp}, JobState::kPickingUp},
      {{JobState::kPickingUp, JobEvent::kLastTicketPickedUp}, JobState::kDelivering},
      {{JobState::kDelivering, JobEvent::kDelivered}, JobState::kDelivered},
      // The door stayed shut: the goods go back stop by stop.
      {{JobState::kDelivering, JobEvent::kDeliveryFailed}, JobState::kReturning},
      {{JobState::kReturning, JobEvent::kGoodsReturned}, JobState::kReturning},
      {{JobState::kReturning, JobEvent::kLastGoodsReturned}, JobState::kReturned},
  };
  int pairs = 0;
  for (JobState s : d::kAllJobStates) {
    for (JobEvent e : d::kAllJobEvents) {
      ++pairs;
      INFO(d::Name(s) << " + " << d::Name(e));
      const auto it = allowed.find({s, e});
      const std::optional<JobState> next = d::NextJobState(s, e);
      if (it == allowed.end()) {
        CHECK_FALSE(next.has_value());
      } else {
        REQUIRE(next.has_value());
        CHECK(*next == it->second);
      }
    }
  }
  CHECK(pairs == 10 * 14);
}

TEST_CASE("offer: every state x event pair is either the SPEC transition or refused") {
  const std::map<std::pair<OfferState, OfferEvent>, OfferState> allowed = {
      {{OfferState::kPending, OfferEvent::kAccept}, OfferState::kAccepted},
      {{OfferState::kPending, OfferEvent::kDecline}, OfferState::kDeclined},
      {{OfferState::kPending, OfferEvent::kExpire}, OfferState::kExpired},
      {{OfferState::kPending, OfferEvent::kWithdraw}, OfferState::kWithdrawn},
  };
  int pairs = 0;
  for (OfferState s : d::kAllOfferStates) {
    for (OfferEvent e : d::kAllOfferEvents) {
      ++pairs;
      INFO(d::Name(s) << " + " << d::Name(e));
      const auto it = allowed.find({s, e});
      const std::optional<OfferState> next = d::NextOfferState(s, e);
      if (it == allowed.end()) {
        CHECK_FALSE(next.has_value());
      } else {
        REQUIRE(next.has_value());
        CHECK(*next == it->second);
      }
    }
  }
  CHECK(pairs == 5 * 4);
}

TEST_CASE("courier: every state x event pair is either the SPEC transition or refused") {
  const std::map<std::pair<CourierState, CourierEvent>, CourierState> allowed = {
      {{CourierState::kOffDuty, CourierEvent::kStartShift}, CourierState::kIdle},
      // On shift, StartShift declares the cash carried now and keeps the state.
      {{CourierState::kIdle, CourierEvent::kStartShift}, CourierState::kIdle},
      {{CourierState::kOffered, CourierEvent::kStartShift}, CourierState::kOffered},
      {{CourierState::kAssigned, CourierEvent::kStartShift}, CourierState::kAssigned},
      {{CourierState::kDelivering, CourierEvent::kStartShift}, CourierState::kDelivering},
      // Only an idle courier ends a shift or gets an offer.
      {{CourierState::kIdle, CourierEvent::kEndShift}, CourierState::kOffDuty},
      {{CourierState::kIdle, CourierEvent::kOffered}, CourierState::kOffered},
      {{CourierState::kOffered, CourierEvent::kAccepted}, CourierState::kAssigned},
      {{CourierState::kOffered, CourierEvent::kDeclined}, CourierState::kIdle},
      {{CourierState::kOffered, CourierEvent::kTimedOut}, CourierState::kIdle},
      {{CourierState::kOffered, CourierEvent::kTimedOutOffDuty}, CourierState::kOffDuty},
      {{CourierState::kOffered, CourierEvent::kOfferWithdrawn}, CourierState::kIdle},
      // Assigned while tickets remain; delivering once the last one is paid.
      {{CourierState::kAssigned, CourierEvent::kTicketPickedUp}, CourierState::kAssigned},
      {{CourierState::kAssigned, CourierEvent::kLastTicketPickedUp}, CourierState::kDelivering},
      {{CourierState::kAssigned, CourierEvent::kReleased}, CourierState::kIdle},
      {{CourierState::kDelivering, CourierEvent::kDelivered}, CourierState::kIdle},
      // A failed delivery: still carrying the goods until the last stop's are back.
      {{CourierState::kDelivering, CourierEvent::kDeliveryFailed}, CourierState::kDelivering},
      {{CourierState::kDelivering, CourierEvent::kGoodsReturned}, CourierState::kDelivering},
      {{CourierState::kDelivering, CourierEvent::kLastGoodsReturned}, CourierState::kIdle},
  };
  int pairs = 0;
  for (CourierState s : d::kAllCourierStates) {
    for (CourierEvent e : d::kAllCourierEvents) {
      ++pairs;
      INFO(d::Name(s) << " + " << d::Name(e));
      const auto it = allowed.find({s, e});
      const std::optional<CourierState> next = d::NextCourierState(s, e);
      if (it == allowed.end()) {
        CHECK_FALSE(next.has_value());
      } else {
        REQUIRE(next.has_value());
        CHECK(*next == it->second);
      }
    }
  }
  CHECK(pairs == 5 * 15);
}

TEST_CASE("job: final states take nothing, goods on board are never taken back") {
  for (JobEvent e : d::kAllJobEvents) {
    for (JobState s :
         {JobState::kDelivered, JobState::kCancelled, JobState::kFailed, JobState::kReturned}) {
      CHECK_FALSE(d::NextJobState(s, e).has_value());
      CHECK(d::IsFinal(s));
    }
    for (JobState s : {JobState::kPickingUp, JobState::kDelivering, JobState::kReturning}) {
      if (e == JobEvent::kCancelled || e == JobEvent::kCourierReleased ||
          e == JobEvent::kOfferWithdrawn || e == JobEvent::kDispatchFailed) {
        CHECK_FALSE(d::NextJobState(s, e).has_value());
      }
    }
  }
  std::set<JobState> goods, before;
  for (JobState s : d::kAllJobStates) {
    if (d::GoodsOnBoard(s)) goods.insert(s);
    if (d::BeforePickup(s)) before.insert(s);
    // A job can be cancelled exactly before pickup.
    CHECK(d::NextJobState(s, JobEvent::kCancelled).has_value() == d::BeforePickup(s));
  }
  CHECK(goods == std::set<JobState>{JobState::kPickingUp, JobState::kDelivering,
                                    JobState::kDelivered, JobState::kReturning,
                                    JobState::kReturned});
  CHECK(before == std::set<JobState>{JobState::kPending, JobState::kOffered, JobState::kAssigned});
}

TEST_CASE("job: every state is reachable from PENDING and every non-final one can end") {
  std::set<JobState> reached = {JobState::kPending};
  for (bool grew = true; grew;) {
    grew = false;
    for (JobState s : std::set<JobState>(reached)) {
      for (JobEvent e : d::kAllJobEvents) {
        if (auto next = d::NextJobState(s, e)) grew |= reached.insert(*next).second;
      }
    }
  }
  CHECK(reached.size() == std::size(d::kAllJobStates));
  for (JobState s : d::kAllJobStates) {
    bool exits = false;
    for (JobEvent e : d::kAllJobEvents)
      exits |= d::NextJobState(s, e).has_value();
    CHECK(exits == !d::IsFinal(s));
  }
}

TEST_CASE("names are the protos' and the database's, and parse back") {
  // The values the migrations' CHECK constraints allow (and the store's WHERE clauses use).
  std::vector<std::string_view> jobs, offers, couriers;
  for (JobState s : d::kAllJobStates)
    jobs.push_back(d::Name(s));
  for (OfferState s : d::kAllOfferStates)
    offers.push_back(d::Name(s));
  for (CourierState s : d::kAllCourierStates)
    couriers.push_back(d::Name(s));
  CHECK(jobs == std::vector<std::string_view>{"PENDING", "OFFERED", "ASSIGNED", "PICKING_UP",
                                              "DELIVERING", "DELIVERED", "CANCELLED", "FAILED",
                                              "RETURNING", "RETURNED"});
  CHECK(offers ==
        std::vector<std::string_view>{"PENDING", "ACCEPTED", "DECLINED", "EXPIRED", "WITHDRAWN"});
  CHECK(couriers ==
        std::vector<std::string_view>{"OFF_DUTY", "IDLE", "OFFERED", "ASSIGNED", "DELIVERING"});
  CHECK(d::Name(JobState::kPickingUp) == "PICKING_UP");
  CHECK(d::Name(JobState::kFailed) == "FAILED");
  CHECK(d::Name(OfferState::kWithdrawn) == "WITHDRAWN");
  CHECK(d::Name(CourierState::kOffDuty) == "OFF_DUTY");
  CHECK(d::Name(d::WithdrawReason::kCourierOffDuty) == "COURIER_OFF_DUTY");
  CHECK(d::Name(d::WithdrawReason::kCourierSilent) == "COURIER_SILENT");
  CHECK(d::Name(d::ExclusionReason::kSilent) == "SILENT");
  CHECK(d::Name(d::ExclusionReason::kDeclined) == "DECLINED");
  for (JobState s : d::kAllJobStates)
    CHECK(d::ParseJobState(d::Name(s)) == s);
  for (OfferState s : d::kAllOfferStates)
    CHECK(d::ParseOfferState(d::Name(s)) == s);
  for (CourierState s : d::kAllCourierStates)
    CHECK(d::ParseCourierState(d::Name(s)) == s);
  for (d::WithdrawReason r : d::kAllWithdrawReasons)
    CHECK(d::ParseWithdrawReason(d::Name(r)) == r);
  CHECK_FALSE(d::ParseJobState("pending").has_value());
  CHECK_FALSE(d::ParseCourierState("").has_value());
  CHECK_FALSE(d::ParseWithdrawReason("UNSPECIFIED").has_value());
}
