#include "consumers/order_events.h"

#include <stdexcept>

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

}  // namespace

events::Handler OrderEventHandler(Store& store) {
  return [&store](pg::Transaction& tx, const events::Delivery& d) {
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
    }
  };
}

}  // namespace pasar::inventory
