// Pausing stalls (README, "The office's side"): the office pauses a stall that stopped answering,
// and a stall that lets Market.auto_pause_after_expired_tickets of its tickets in a row expire is
// paused automatically; either way it stays closed until its trader opens it again. Pure: each
// decision returns the stall as it must be saved, and whether anything changed.
#pragma once

#include "pasar/inventory/v1/inventory.pb.h"

namespace pasar::inventory {

namespace pb = ::pasar::inventory::v1;

struct StallDecision {
  pb::Stall stall;       // the stall as it must be (saved only when `changed`)
  bool changed = false;  // anything to write (and announce)
};

// The trader's UpdateStall: the fields present in `r` replaced; opening the stall clears its
// pause and its count of tickets expired in a row.
StallDecision ApplyStallUpdate(pb::Stall stall, const pb::UpdateStallRequest& r);

// The office's PauseStall: closed with STALL_PAUSE_OFFICE. A stall already paused keeps its
// first reason and is not changed; a stall its trader closed is marked paused by the office.
StallDecision PauseByOffice(pb::Stall stall);

// One of the stall's tickets expired unanswered: the count of tickets expired in a row grows,
// and reaching `auto_pause_after` (> 0) closes an open stall with STALL_PAUSE_EXPIRED_TICKETS.
// `auto_pause_after` 0 never pauses (the count still grows).
StallDecision OnTicketExpired(pb::Stall stall, int auto_pause_after);

// The trader answered one of the stall's tickets (accepted or rejected): the count starts again.
StallDecision OnTicketAnswered(pb::Stall stall);

}  // namespace pasar::inventory
