#include "consumers/order_events.h"

#include <stdexcept>

#include "pasar/events/v1/events.pb.h"
#include "pasar/rpc/log.h"

namespace pasar::dispatch::consumers {

events::Handler OrderEventsHandler(store::Store& store) {
  return [&store](pg::Transaction& tx, const events::Delivery& d) {
    pasar::events::v1::Envelope env;
    if (!env.ParseFromString(d.payload)) {
      // Never valid however often it is delivered: it ends in the dead-letter stream.
      throw std::runtime_error("undecodable Envelope " + d.event_id);
    }
    switch (env.payload_case()) {
      case pasar::events::v1::Envelope::kOrderConfirmed:
        store.ApplyOrderConfirmed(tx, env);
        rpc::Log("info", "job created",
                 {{"correlation_id", env.correlation_id()},
                  {"job_id", env.order_confirmed().order_id()}});
        break;
      case pasar::events::v1::Envelope::kOrderCancelled:
        store.ApplyOrderCancelled(tx, env);
        rpc::Log("info", "job withdrawn",
                 {{"correlation_id", env.correlation_id()},
                  {"job_id", env.order_cancelled().order_id()}});
        break;
      default:
        break;  // not for dispatch
    }
  };
}

}  // namespace pasar::dispatch::consumers
