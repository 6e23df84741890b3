#include "consumers/order_events.h"

#include <stdexcept>

#include "domain/stall_pause.h"
#include "pasar/events/v1/events.pb.h"
#include "pasar/log/log.h"

namespace pasar::inventory {
namespace {

void LogOutcome(const events::Delivery& d, const std::string& reservation_id,
                const absl::Status& s) {
  if (s.ok()) return;
  log::Warn("order event did not settle the reservation", {{"event_id", d.event_id},
                                                           {"type", d.type},
                                                           {"reservation_id", reservation_id},
                                                           {"correlation_id", d.aggregate_id},
                                                           {"status", std::string(s.message())}});
}

// The stall of a ticket event, locked, after `decide` (nothing when the stall is unknown here).
template <class Decide>
void UpdateStall(Store& store, pg::Transaction& tx, const std::string& stall_id, Decide&& decide) {
  std::optional<pb::Stall> stall = store.GetStallForUpdate(tx, stall_id);
  if (!stall) return;
  const bool was_open = stall->open();
  StallDecision d = decide(std::move(*stall));
  if (!d.changed) return;
  const pb::Stall saved = store.SaveStall(tx, d.stall);
  if (was_open && !saved.open() && saved.pause() == pb::STALL_PAUSE_EXPIRED_TICKETS) {
    log::Info(
        "stall paused after tickets expired in a row",
        {{"stall_id", saved.id()}, {"expired_in_a_row", std::to_string(saved.expired_in_a_row())}});
  }
}

}  // namespace

events::Handler OrderEventHandler(Store& store) {
  return [&store](pg::Transaction& tx, const events::Delivery& d) {
    // Before the consumer's commit: a page read meanwhile may miss this event's change for up
    // to the page cache's max age (app/page_cache.h), as a write of another instance.
    store.NoteCatalogWrite();
    events::v1::Envelope envelope;
    if (!envelope.ParseFromString(d.payload)) {
      throw std::runtime_error("unreadable envelope of event " + d.event_id);
    }
    // The cases here are the types of kOrderEventTypes.
    if (envelope.has_order_confirmed()) {
      const events::v1::OrderConfirmed& e = envelope.order_confirmed();
      if (e.reservation_id().empty()) return;
      std::vector<FinalQuantity> finals;
      for (const events::v1::ProductQuantity& q : e.final_quantities()) {
        finals.push_back({q.product_id(), q.quantity()});
      }
      absl::StatusOr<pb::Reservation> v = store.Commit(
          tx, e.reservation_id(), finals, "final_quantities", "quantity", "event:OrderConfirmed");
      LogOutcome(d, e.reservation_id(), v.status());
    } else if (envelope.has_order_cancelled()) {
      const events::v1::OrderCancelled& e = envelope.order_cancelled();
      if (e.reservation_id().empty()) return;
      const std::string reason = "order cancelled" + (e.note().empty() ? "" : ": " + e.note());
      absl::StatusOr<pb::Reservation> v =
          store.Release(tx, e.reservation_id(), reason, "event:OrderCancelled");
      LogOutcome(d, e.reservation_id(), v.status());
    } else if (envelope.has_ticket_expired()) {
      UpdateStall(store, tx, envelope.ticket_expired().stall_id(), [&](pb::Stall stall) {
        const std::optional<pb::Market> market = store.GetMarket(tx, stall.market_id());
        return OnTicketExpired(std::move(stall),
                               market ? market->auto_pause_after_expired_tickets() : 0);
      });
    } else if (envelope.has_ticket_accepted() || envelope.has_ticket_rejected()) {
      const std::string& stall_id = envelope.has_ticket_accepted()
                                        ? envelope.ticket_accepted().stall_id()
                                        : envelope.ticket_rejected().stall_id();
      UpdateStall(store, tx, stall_id,
                  [](pb::Stall stall) { return OnTicketAnswered(std::move(stall)); });
    }
  };
}

}  // namespace pasar::inventory
