// Stacked trips as the customer sees them (README, "Exact matching against nearest first"): a
// courier may carry two or three orders of one market in one trip. Dispatch's CourierAssigned
// names the trip (bundle id) and the order's place in its drop-off order; the order service
// keeps both with the courier record and shows the customer only how many drop-offs of the trip
// come before theirs, never which orders, where or whose.
#pragma once

#include <optional>
#include <span>
#include <string>
#include <vector>

#include "domain/state_machine.h"

namespace pasar::order::domain {

// One order's drop-off in a courier's stacked trip: what the order service holds of it, and
// nothing else (no order id, address or customer of another order reaches the count).
struct TripStop {
  std::string bundle_id;   // dispatch's bundle id, shared by the trip's orders
  int position = 0;        // place in the drop-off order, 0 first
  std::string courier_id;  // the courier carrying it
  OrderState status = OrderState::kCourierAssigned;
};

// Still to be dropped off by its courier: COURIER_ASSIGNED or PICKED_UP. Not any more once
// delivered, failed at the door (DELIVERY_FAILED, then RETURNED: the courier goes on to the
// next drop-off with the goods still on the bike, as dispatch does), cancelled, or unassigned
// (back to CONFIRMED; the courier record and its bundle are cleared then).
bool ToBeDroppedOff(OrderState status);

// How many drop-offs of the trip come before `self`: the `mates` (the other orders recorded
// with the same bundle id) carried by the same courier, at an earlier position, still to be
// dropped off. 0 when `self` is no longer to be dropped off itself.
int StopsBefore(const TripStop& self, std::span<const TripStop> mates);

// Whether a change of one order's stop from `before` to `after` (nullopt: not in a trip) changes
// the count of any other drop-off: it entered or left the drop-offs still to be made, or moved.
bool MovesInTrip(const std::optional<TripStop>& before, const std::optional<TripStop>& after);

// One order's stop changed from `before` to `after` (nullopt: not in a trip, e.g. no courier,
// or a solo order). Returns the indexes of `mates` whose StopsBefore changes with it: when the
// order entered or left the drop-offs still to be made (or moved within them), the mates carried
// by the same courier at a later position of that trip, still to be dropped off themselves.
std::vector<size_t> MatesAffected(const std::optional<TripStop>& before,
                                  const std::optional<TripStop>& after,
                                  std::span<const TripStop> mates);

}  // namespace pasar::order::domain
