#include "consumers/event_handler.h"

#include <stdexcept>

#include "pasar/events/v1/events.pb.h"

namespace pasar::reporting {
namespace {

namespace ev = ::pasar::events::v1;

absl::Time At(const google::protobuf::Timestamp& t) {
  return absl::FromUnixSeconds(t.seconds()) + absl::Nanoseconds(t.nanos());
}

class Apply {
 public:
  Apply(OrderStore& orders, CatalogStore& catalog, pg::Transaction& tx, const ev::Envelope& e)
      : orders_(orders), catalog_(catalog), tx_(tx), e_(e), at_(At(e.occurred_at())) {}

  void Run() {
    switch (e_.payload_case()) {
      case ev::Envelope::kOrderPlaced:
        return Placed(e_.order_placed());
      case ev::Envelope::kTicketAccepted:
        return Accepted(e_.ticket_accepted());
      case ev::Envelope::kTicketRejected:
        return Unanswered(FactKind::kTicketRejected, e_.ticket_rejected().order_id(),
                          e_.ticket_rejected().ticket_id(), e_.ticket_rejected().stall_id());
      case ev::Envelope::kTicketExpired:
        return Unanswered(FactKind::kTicketExpired, e_.ticket_expired().order_id(),
                          e_.ticket_expired().ticket_id(), e_.ticket_expired().stall_id());
      case ev::Envelope::kOrderConfirmed: {
        const ev::OrderConfirmed& o = e_.order_confirmed();
        return AddFact(o.order_id(), o.market_id(),
                       Fact{.kind = FactKind::kConfirmed, .amount_idr = o.goods_total_idr()});
      }
      case ev::Envelope::kOrderCancelled: {
        const ev::OrderCancelled& o = e_.order_cancelled();
        return AddFact(o.order_id(), o.market_id(),
                       Fact{.kind = FactKind::kCancelled, .reason = o.reason()});
      }
      case ev::Envelope::kCourierAssigned: {
        const ev::CourierAssigned& c = e_.courier_assigned();
        return AddFact(c.order_id(), "",
                       Fact{.kind = FactKind::kAssigned, .courier_id = c.courier_id()});
      }
      case ev::Envelope::kCourierUnassigned: {
        const ev::CourierUnassigned& c = e_.courier_unassigned();
        return AddFact(c.order_id(), "",
                       Fact{.kind = FactKind::kUnassigned, .courier_id = c.courier_id()});
      }
      case ev::Envelope::kPickupConfirmed: {
        const ev::PickupConfirmed& p = e_.pickup_confirmed();
        return AddFact(p.order_id(), "",
                       Fact{.kind = FactKind::kPickedUp,
                            .ticket_id = p.ticket_id(),
                            .stall_id = p.stall_id(),
                            .courier_id = p.courier_id(),
                            .amount_idr = p.paid_to_trader_idr(),
                            .all_picked_up = p.all_picked_up()});
      }
      case ev::Envelope::kDeliveryConfirmed: {
        const ev::DeliveryConfirmed& d = e_.delivery_confirmed();
        return AddFact(d.order_id(), "",
                       Fact{.kind = FactKind::kDelivered,
                            .courier_id = d.courier_id(),
                            .amount_idr = d.courier_earning_idr()});
      }
      case ev::Envelope::kDeliveryFailed:
        return Failed(e_.delivery_failed());
      case ev::Envelope::kGoodsReturned:
        return Returned(e_.goods_returned());
      case ev::Envelope::kMarketChanged: {
        const inventory::v1::Market& m = e_.market_changed().market();
        return catalog_.SaveMarket(
            tx_, {m.id(), m.name(), m.kecamatan(), m.village(), m.time_zone()}, at_, e_.event_id());
      }
      case ev::Envelope::kStallChanged: {
        const inventory::v1::Stall& s = e_.stall_changed().stall();
        return catalog_.SaveStall(
            tx_, {s.id(), s.market_id(), s.name(), s.open(), static_cast<int>(s.pause())}, at_,
            e_.event_id());
      }
      case ev::Envelope::kProductChanged: {
        const ev::ProductChanged& p = e_.product_changed();
        return catalog_.AddProductVersion(
            tx_, {p.product_id(), at_, p.commodity(), p.standard_unit_milli()}, e_.event_id(),
            p.market_id(), p.stall_id(), p.name(), p.unit(), p.price_idr());
      }
      default:  // a type not in kEventTypes
        return;
    }
  }

 private:
  void AddFact(const std::string& order_id, const std::string& market_id, Fact f) {
    if (order_id.empty()) return;
    f.event_id = e_.event_id();
    f.at = at_;
    orders_.Touch(tx_, order_id, market_id, std::nullopt, at_);
    orders_.AddFact(tx_, order_id, f);
  }

  // A ticket rejected or expired.
  void Unanswered(FactKind kind, const std::string& order_id, const std::string& ticket_id,
                  const std::string& stall_id) {
    AddFact(order_id, "", Fact{.kind = kind, .ticket_id = ticket_id, .stall_id = stall_id});
  }

  void Failed(const ev::DeliveryFailed& d) {
    AddFact(d.order_id(), "",
            Fact{.kind = FactKind::kDeliveryFailed,
                 .courier_id = d.courier_id(),
                 .amount_idr = d.failure_fee_idr()});
  }

  // reason: the destination; all_picked_up: the last stop's goods (every ticket's) are back.
  void Returned(const ev::GoodsReturned& g) {
    AddFact(g.order_id(), "",
            Fact{.kind = FactKind::kReturned,
                 .ticket_id = g.ticket_id(),
                 .stall_id = g.stall_id(),
                 .courier_id = g.courier_id(),
                 .amount_idr = g.amount_idr(),
                 .reason = static_cast<int>(g.destination()),
                 .all_picked_up = g.all_returned()});
  }

  void Placed(const ev::OrderPlaced& o) {
    std::vector<TicketPlan> tickets;
    std::vector<Line> lines;
    for (const ev::PlacedTicket& t : o.tickets()) {
      tickets.push_back({t.ticket_id(), t.stall_id(), At(t.decide_by())});
      for (const ev::PlacedLine& l : t.lines()) {
        lines.push_back(Line{.ticket_id = t.ticket_id(),
                             .product_id = l.product_id(),
                             .quantity = l.quantity(),
                             .price_idr = l.price_idr()});
      }
    }
    orders_.Touch(tx_, o.order_id(), o.market_id(), at_, at_);
    orders_.AddPlacement(tx_, o.order_id(), tickets, lines);
    AddFact(o.order_id(), o.market_id(),
            Fact{.kind = FactKind::kPlaced, .amount_idr = o.goods_total_idr()});
  }

  void Accepted(const ev::TicketAccepted& t) {
    std::vector<Line> lines;
    for (const ev::FinalLine& l : t.lines()) {
      lines.push_back(Line{.ticket_id = t.ticket_id(),
                           .product_id = l.product_id(),
                           .decided = true,
                           .accepted = l.accepted(),
                           .final_quantity = l.final_quantity(),
                           .line_total_idr = l.line_total_idr()});
    }
    AddFact(t.order_id(), "",
            Fact{.kind = FactKind::kTicketAccepted,
                 .ticket_id = t.ticket_id(),
                 .stall_id = t.stall_id(),
                 .amount_idr = t.total_idr()});
    orders_.Decide(tx_, t.order_id(), lines);
  }

  OrderStore& orders_;
  CatalogStore& catalog_;
  pg::Transaction& tx_;
  const ev::Envelope& e_;
  const absl::Time at_;
};

}  // namespace

events::Handler EventHandler(OrderStore& orders, CatalogStore& catalog) {
  return [&orders, &catalog](pg::Transaction& tx, const events::Delivery& d) {
    ev::Envelope envelope;
    if (!envelope.ParseFromString(d.payload)) {
      throw std::runtime_error("unreadable envelope of event " + d.event_id);
    }
    Apply(orders, catalog, tx, envelope).Run();
  };
}

}  // namespace pasar::reporting
