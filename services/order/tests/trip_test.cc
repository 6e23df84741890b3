// The customer's count of drop-offs before theirs in a stacked trip (domain/trip.h; pure).
#include <catch2/catch.hpp>

#include <algorithm>
#include <vector>

#include "domain/order.h"
#include "domain/trip.h"

namespace d = pasar::order::domain;
using d::OrderState;
using d::TripStop;

namespace {

TripStop Stop(int position, OrderState status, std::string courier = "c1",
              std::string bundle = "b1") {
  return {.bundle_id = std::move(bundle),
          .position = position,
          .courier_id = std::move(courier),
          .status = status};
}

}  // namespace

TEST_CASE("only assigned and picked-up orders are still to be dropped off") {
  for (const OrderState s : d::kAllOrderStates) {
    CHECK(d::ToBeDroppedOff(s) ==
          (s == OrderState::kCourierAssigned || s == OrderState::kPickedUp));
  }
}

TEST_CASE("a trip of three: each order counts the open drop-offs before it") {
  const std::vector<TripStop> all = {Stop(0, OrderState::kPickedUp), Stop(1, OrderState::kPickedUp),
                                     Stop(2, OrderState::kCourierAssigned)};
  for (size_t i = 0; i < all.size(); ++i) {
    std::vector<TripStop> mates;
    for (size_t j = 0; j < all.size(); ++j)
      if (j != i) mates.push_back(all[j]);
    CHECK(d::StopsBefore(all[i], mates) == static_cast<int>(i));
  }
}

TEST_CASE("drop-offs done, failed, cancelled or unassigned no longer count") {
  const TripStop self = Stop(2, OrderState::kPickedUp);
  for (const OrderState s : {OrderState::kDelivered, OrderState::kDeliveryFailed,
                             OrderState::kReturned, OrderState::kCancelled}) {
    const std::vector<TripStop> mates = {Stop(0, s), Stop(1, OrderState::kPickedUp)};
    CHECK(d::StopsBefore(self, mates) == 1);
  }
  // Unassigned: back to CONFIRMED; the record of another courier's trip (stale) and another
  // bundle never count either.
  const std::vector<TripStop> others = {Stop(0, OrderState::kConfirmed, ""),
                                        Stop(1, OrderState::kPickedUp, "c2"),
                                        Stop(0, OrderState::kPickedUp, "c1", "b2")};
  CHECK(d::StopsBefore(self, others) == 0);
  // Later drop-offs never count.
  CHECK(d::StopsBefore(Stop(0, OrderState::kPickedUp), {{Stop(1, OrderState::kPickedUp)}}) == 0);
}

TEST_CASE("an order no longer to be dropped off itself shows 0") {
  const std::vector<TripStop> mates = {Stop(0, OrderState::kPickedUp)};
  for (const OrderState s : d::kAllOrderStates) {
    if (d::ToBeDroppedOff(s)) continue;
    CHECK(d::StopsBefore(Stop(1, s), mates) == 0);
  }
}

TEST_CASE("an order alone or without a courier shows 0") {
  d::Order o;
  o.status = OrderState::kCourierAssigned;
  o.trip_mates = {Stop(0, OrderState::kPickedUp)};
  CHECK_FALSE(d::TripStopOf(o));
  CHECK(d::StopsBefore(o) == 0);
  o.courier.emplace();  // a solo job
  o.courier->id = "c1";
  CHECK_FALSE(d::TripStopOf(o));
  CHECK(d::StopsBefore(o) == 0);
  o.courier->bundle_id = "b1";
  o.courier->bundle_position = 1;
  REQUIRE(d::TripStopOf(o));
  CHECK(d::TripStopOf(o)->courier_id == "c1");
  CHECK(d::StopsBefore(o) == 1);
}

TEST_CASE("the mates a change affects are exactly those whose count changes (every case)") {
  // Every status of a trip of three of one courier, every change of one order's status, and
  // the order joining (no stop before) or leaving (none after) the trip.
  const auto& states = d::kAllOrderStates;
  const size_t n = std::size(states);
  int checked = 0;
  for (size_t a = 0; a < n; ++a)
    for (size_t b = 0; b < n; ++b)
      for (size_t c = 0; c < n; ++c) {
        const std::vector<TripStop> trip = {Stop(0, states[a]), Stop(1, states[b]),
                                            Stop(2, states[c])};
        for (size_t who = 0; who < trip.size(); ++who) {
          std::vector<TripStop> mates;
          for (size_t j = 0; j < trip.size(); ++j)
            if (j != who) mates.push_back(trip[j]);
          std::vector<std::optional<TripStop>> afters = {std::nullopt};
          for (const OrderState s : states) {
            TripStop t = trip[who];
            t.status = s;
            afters.push_back(t);
          }
          for (const std::optional<TripStop>& before :
               {std::optional<TripStop>(trip[who]), std::optional<TripStop>()}) {
            for (const std::optional<TripStop>& after : afters) {
              // Brute force: each mate's count against the trip before and after the change.
              std::vector<size_t> changed;
              for (size_t m = 0; m < mates.size(); ++m) {
                std::vector<TripStop> seen_before, seen_after;
                for (size_t k = 0; k < mates.size(); ++k)
                  if (k != m) {
                    seen_before.push_back(mates[k]);
                    seen_after.push_back(mates[k]);
                  }
                if (before) seen_before.push_back(*before);
                if (after) seen_after.push_back(*after);
                if (d::StopsBefore(mates[m], seen_before) != d::StopsBefore(mates[m], seen_after))
                  changed.push_back(m);
              }
              std::vector<size_t> affected = d::MatesAffected(before, after, mates);
              std::sort(affected.begin(), affected.end());
              REQUIRE(affected == changed);
              const bool was = before && d::ToBeDroppedOff(before->status);
              const bool is = after && d::ToBeDroppedOff(after->status);
              CHECK(d::MovesInTrip(before, after) == (was != is));
              ++checked;
            }
          }
        }
      }
  CHECK(checked == static_cast<int>(n * n * n * 3 * 2 * (n + 1)));
}
