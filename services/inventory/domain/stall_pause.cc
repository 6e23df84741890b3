#include "domain/stall_pause.h"

#include <utility>

namespace pasar::inventory {

StallDecision ApplyStallUpdate(pb::Stall stall, const pb::UpdateStallRequest& r) {
  const pb::Stall before = stall;
  if (r.has_open()) {
    stall.set_open(r.open());
    if (r.open()) {
      stall.set_pause(pb::STALL_PAUSE_UNSPECIFIED);
      stall.set_expired_in_a_row(0);
    }
  }
  if (r.has_preparation_minutes()) stall.set_preparation_minutes(r.preparation_minutes());
  if (r.has_name()) stall.set_name(r.name());
  const bool changed = stall.open() != before.open() || stall.pause() != before.pause() ||
                       stall.expired_in_a_row() != before.expired_in_a_row() ||
                       stall.preparation_minutes() != before.preparation_minutes() ||
                       stall.name() != before.name();
  return {std::move(stall), changed};
}

StallDecision PauseByOffice(pb::Stall stall) {
  if (stall.pause() != pb::STALL_PAUSE_UNSPECIFIED) return {std::move(stall), false};
  stall.set_open(false);
  stall.set_pause(pb::STALL_PAUSE_OFFICE);
  return {std::move(stall), true};
}

StallDecision OnTicketExpired(pb::Stall stall, int auto_pause_after) {
  stall.set_expired_in_a_row(stall.expired_in_a_row() + 1);
  if (auto_pause_after > 0 && stall.open() && stall.expired_in_a_row() >= auto_pause_after) {
    stall.set_open(false);
    stall.set_pause(pb::STALL_PAUSE_EXPIRED_TICKETS);
  }
  return {std::move(stall), true};
}

StallDecision OnTicketAnswered(pb::Stall stall) {
  if (stall.expired_in_a_row() == 0) return {std::move(stall), false};
  stall.set_expired_in_a_row(0);
  return {std::move(stall), true};
}

}  // namespace pasar::inventory
