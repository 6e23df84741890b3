#include "consumers/order_events.h"

#include <stdexcept>
#include <string>

#include "pasar/events/v1/events.pb.h"
#include "pasar/geo/geo.h"
#include "pasar/log/log.h"

namespace pasar::dispatch::consumers {
namespace {

namespace ev = ::pasar::events::v1;

// Why an OrderConfirmed cannot become a job, or "" when it can.
std::string Problem(const ev::OrderConfirmed& oc) {
  if (oc.order_id().empty()) return "order_id missing";
  if (oc.market_id().empty()) return "market_id missing";
  if (!geo::Valid({oc.pickup().lat(), oc.pickup().lng()}) ||
      !geo::Valid({oc.drop_off().lat(), oc.drop_off().lng()})) {
    return "pickup or drop_off invalid";
  }
  if (oc.tickets_size() == 0) return "no tickets";
  if (oc.delivery_pin().empty()) return "delivery_pin missing";
  for (const ev::ConfirmedTicket& t : oc.tickets()) {
    if (t.ticket_id().empty() || t.total_idr() < 0) return "ticket invalid";
  }
  if (oc.goods_total_idr() < 0 || oc.cash_to_collect_idr() < 0) return "negative amount";
  return "";
}

}  // namespace

events::Handler OrderEventsHandler(app::OrderEventCases& cases) {
  return [&cases](pg::Transaction& tx, const events::Delivery& d) {
    pasar::events::v1::Envelope env;
    if (!env.ParseFromString(d.payload)) {
      // Never valid however often it is delivered: it ends in the dead-letter stream.
      throw std::runtime_error("undecodable Envelope " + d.event_id);
    }
    switch (env.payload_case()) {  // the cases are the types of kOrderEventTypes
      case pasar::events::v1::Envelope::kOrderConfirmed:
        if (const std::string problem = Problem(env.order_confirmed()); !problem.empty()) {
          // Never valid either: dead-lettered after the redeliveries, nothing written.
          throw std::invalid_argument("OrderConfirmed " + d.event_id + ": " + problem);
        }
        cases.ApplyOrderConfirmed(tx, env);
        log::Log("info", "job created",
                 {{"correlation_id", env.correlation_id()},
                  {"job_id", env.order_confirmed().order_id()}});
        break;
      case pasar::events::v1::Envelope::kOrderCancelled:
        cases.ApplyOrderCancelled(tx, env);
        log::Log("info", "job withdrawn",
                 {{"correlation_id", env.correlation_id()},
                  {"job_id", env.order_cancelled().order_id()}});
        break;
      case pasar::events::v1::Envelope::kOrderCancellationRequested:
        cases.ApplyCancellationRequested(tx, env);
        log::Log("info", "cancellation settled",
                 {{"correlation_id", env.correlation_id()},
                  {"job_id", env.order_cancellation_requested().order_id()}});
        break;
      case pasar::events::v1::Envelope::kTicketReady:
        if (env.ticket_ready().ticket_id().empty()) {
          throw std::invalid_argument("TicketReady " + d.event_id + ": ticket_id missing");
        }
        cases.ApplyTicketReady(tx, env);
        break;
      default:
        break;  // not for dispatch
    }
  };
}

}  // namespace pasar::dispatch::consumers
