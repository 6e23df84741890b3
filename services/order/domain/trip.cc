#include "domain/trip.h"

namespace pasar::order::domain {
namespace {

// A stop that counts for the later drop-offs of its trip.
bool Counts(const std::optional<TripStop>& s) {
  return s && !s->bundle_id.empty() && !s->courier_id.empty() && ToBeDroppedOff(s->status);
}

bool Before(const TripStop& earlier, const TripStop& later) {
  return earlier.bundle_id == later.bundle_id && earlier.courier_id == later.courier_id &&
         earlier.position < later.position;
}

}  // namespace

bool ToBeDroppedOff(OrderState status) {
  return status == OrderState::kCourierAssigned || status == OrderState::kPickedUp;
}

int StopsBefore(const TripStop& self, std::span<const TripStop> mates) {
  if (!Counts(self)) return 0;
  int n = 0;
  for (const TripStop& m : mates) {
    if (Counts(m) && Before(m, self)) ++n;
  }
  return n;
}

bool MovesInTrip(const std::optional<TripStop>& before, const std::optional<TripStop>& after) {
  const bool was = Counts(before);
  const bool is = Counts(after);
  if (was != is) return true;
  return was && (before->bundle_id != after->bundle_id || before->courier_id != after->courier_id ||
                 before->position != after->position);
}

std::vector<size_t> MatesAffected(const std::optional<TripStop>& before,
                                  const std::optional<TripStop>& after,
                                  std::span<const TripStop> mates) {
  std::vector<size_t> out;
  if (!MovesInTrip(before, after)) return out;  // counted by the same mates as before
  const bool was = Counts(before);
  const bool is = Counts(after);
  for (size_t i = 0; i < mates.size(); ++i) {
    if (!Counts(mates[i])) continue;
    if ((was && Before(*before, mates[i])) || (is && Before(*after, mates[i]))) out.push_back(i);
  }
  return out;
}

}  // namespace pasar::order::domain
