#include "domain/placement.h"

namespace pasar::order::domain {

Order AssembleOrder(const NewOrder& facts, const std::vector<HeldLine>& held,
                    const std::function<std::string()>& ticket_id,
                    const std::function<std::string()>& pickup_code) {
  Order o;
  o.id = facts.id;
  o.customer = facts.customer;
  o.market_id = facts.market_id;
  o.market_name = facts.market_name;
  o.market_location = facts.market_location;
  o.drop_off = facts.drop_off;
  o.drop_off_address = facts.drop_off_address;
  o.drop_off_note = facts.drop_off_note;
  o.distance_meters = facts.distance_meters;
  o.delivery_pin = facts.delivery_pin;
  o.reservation_id = facts.reservation_id;
  o.weighed_tolerance_percent = facts.weighed_tolerance_percent;
  o.dispatch_timeout_seconds = facts.dispatch_timeout_seconds;
  o.created_at = o.updated_at = facts.now;
  std::vector<PricedLine> priced;
  for (const HeldLine& h : held) {
    Ticket* t = nullptr;
    for (Ticket& existing : o.tickets) {
      if (existing.stall_id == h.stall_id) t = &existing;
    }
    if (t == nullptr) {
      Ticket nt;
      nt.id = ticket_id();
      nt.position = static_cast<int>(o.tickets.size());
      nt.stall_id = h.stall_id;
      nt.stall_name = h.stall_name;
      nt.pickup_code = pickup_code();
      nt.decide_by = facts.now + facts.trader_timeout;
      nt.created_at = facts.now;
      o.tickets.push_back(std::move(nt));
      t = &o.tickets.back();
    }
    Line l;
    l.product_id = h.product_id;
    l.name = h.name;
    l.unit = h.unit;
    l.weighed = h.weighed;
    l.ordered_quantity = h.quantity;
    l.price_idr = h.price_idr;
    l.final_quantity = h.quantity;
    l.line_total_idr = h.quantity * h.price_idr;
    t->total_idr += l.line_total_idr;
    t->lines.push_back(std::move(l));
    priced.push_back({h.product_id, h.stall_id, h.quantity, h.price_idr});
  }
  o.totals = PriceCart(facts.fee_scheme, priced, o.market_location, o.drop_off).totals;
  o.totals.delivery_fee_idr = facts.delivery_fee_idr;
  return o;
}

}  // namespace pasar::order::domain
