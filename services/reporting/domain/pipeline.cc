#include "domain/pipeline.h"

#include <algorithm>
#include <map>
#include <set>
#include <tuple>

namespace pasar::reporting {
namespace {

using order::v1::OrderStatus;

bool Decided(const OrderRecord& order, const std::string& ticket_id) {
  for (const Fact& f : order.facts) {
    if (f.ticket_id == ticket_id &&
        (f.kind == FactKind::kTicketAccepted || f.kind == FactKind::kTicketRejected ||
         f.kind == FactKind::kTicketExpired)) {
      return true;
    }
  }
  return false;
}

struct StallDay {
  int64_t expired = 0;
  // Today's decisions, by time: true = expired.
  std::vector<std::pair<absl::Time, bool>> decisions;
};

}  // namespace

OrderStatus StatusOf(const OrderRecord& order) {
  bool confirmed = false, picked_up = false, delivered = false, cancelled = false;
  bool failed = false, returned = false;
  for (const Fact& f : order.facts) {
    confirmed = confirmed || f.kind == FactKind::kConfirmed;
    picked_up = picked_up || (f.kind == FactKind::kPickedUp && f.all_picked_up);
    delivered = delivered || f.kind == FactKind::kDelivered;
    cancelled = cancelled || f.kind == FactKind::kCancelled;
    failed = failed || f.kind == FactKind::kDeliveryFailed;
    returned = returned || (f.kind == FactKind::kReturned && f.all_picked_up);
  }
  if (cancelled) return order::v1::ORDER_STATUS_CANCELLED;
  if (delivered) return order::v1::ORDER_STATUS_DELIVERED;
  if (returned) return order::v1::ORDER_STATUS_RETURNED;
  if (failed) return order::v1::ORDER_STATUS_DELIVERY_FAILED;
  if (picked_up) return order::v1::ORDER_STATUS_PICKED_UP;
  if (!CourierHolding(order).empty()) return order::v1::ORDER_STATUS_COURIER_ASSIGNED;
  if (confirmed) return order::v1::ORDER_STATUS_CONFIRMED;
  return order::v1::ORDER_STATUS_PLACED;
}

std::string CourierHolding(const OrderRecord& order) {
  std::string courier;
  for (const Fact& f : order.facts) {
    if (f.kind == FactKind::kAssigned) courier = f.courier_id;
    if (f.kind == FactKind::kUnassigned && f.courier_id == courier) courier.clear();
    if (f.kind == FactKind::kDelivered || f.kind == FactKind::kCancelled) return "";
    // A failed delivery still holds its courier until every ticket's goods are back.
    if (f.kind == FactKind::kReturned && f.all_picked_up) return "";
  }
  return courier;
}

// The stalls of `market` that let tickets expire today, and its paused stalls, most expired
// first.
std::vector<v1::StallWatch> StallWatches(const MarketInfo& market,
                                         const std::vector<StallInfo>& stalls,
                                         const std::map<std::string, const StallInfo*>& stall_by_id,
                                         std::map<std::string, StallDay>& stall_days) {
  for (const StallInfo& s : stalls) {
    if (s.market_id == market.id && s.pause != 0) stall_days[s.id];
  }
  std::vector<v1::StallWatch> watch;
  for (auto& [stall_id, day] : stall_days) {
    const auto it = stall_by_id.find(stall_id);
    const bool paused = it != stall_by_id.end() && it->second->pause != 0;
    if (day.expired == 0 && !paused) continue;
    std::sort(day.decisions.begin(), day.decisions.end());
    int64_t in_a_row = 0;
    for (auto d = day.decisions.rbegin(); d != day.decisions.rend() && d->second; ++d) {
      ++in_a_row;
    }
    v1::StallWatch w;
    w.set_stall_id(stall_id);
    w.set_stall_name(it != stall_by_id.end() ? it->second->name : stall_id);
    w.set_expired_today(day.expired);
    w.set_expired_in_a_row(in_a_row);
    w.set_open(it != stall_by_id.end() && it->second->open);
    w.set_pause(static_cast<inventory::v1::StallPause>(paused ? it->second->pause : 0));
    watch.push_back(std::move(w));
  }
  std::sort(watch.begin(), watch.end(), [](const v1::StallWatch& a, const v1::StallWatch& b) {
    return std::tuple(-a.expired_today(), a.stall_name(), a.stall_id()) <
           std::tuple(-b.expired_today(), b.stall_name(), b.stall_id());
  });
  return watch;
}

v1::GetPipelineResponse ComputePipeline(absl::Time now, const std::string& market_id,
                                        const Markets& markets,
                                        const std::vector<StallInfo>& stalls,
                                        const std::vector<OrderRecord>& orders) {
  // The markets to show: every known one, and any other that orders name.
  std::map<std::tuple<std::string, std::string, std::string>, const MarketInfo*> shown;
  auto show = [&](const MarketInfo& m) {
    if (market_id.empty() || m.id == market_id) shown[{m.kecamatan, m.name, m.id}] = &m;
  };
  for (const MarketInfo& m : markets.all())
    show(m);
  for (const OrderRecord& o : orders) {
    if (!o.market_id.empty()) show(markets.Of(o.market_id));
  }
  std::map<std::string, const StallInfo*> stall_by_id;
  for (const StallInfo& s : stalls)
    stall_by_id[s.id] = &s;

  v1::GetPipelineResponse out;
  for (const auto& [key, market] : shown) {
    const absl::CivilDay today = LocalDay(now, market->zone);
    std::map<int, int64_t> by_status;
    int64_t waiting = 0, late = 0, placed = 0;
    std::set<std::string> busy;
    std::map<std::string, StallDay> stall_days;
    for (const OrderRecord& o : orders) {
      if (o.market_id != market->id) continue;
      if (const std::string courier = CourierHolding(o); !courier.empty()) busy.insert(courier);
      for (const Fact& f : o.facts) {
        if (f.stall_id.empty() || LocalDay(f.at, market->zone) != today) continue;
        if (f.kind == FactKind::kTicketExpired) {
          ++stall_days[f.stall_id].expired;
          stall_days[f.stall_id].decisions.push_back({f.at, true});
        } else if (f.kind == FactKind::kTicketAccepted || f.kind == FactKind::kTicketRejected) {
          stall_days[f.stall_id].decisions.push_back({f.at, false});
        }
      }
      if (!o.placed_at || LocalDay(*o.placed_at, market->zone) != today) continue;
      ++placed;
      const OrderStatus status = StatusOf(o);
      ++by_status[status];
      if (status == order::v1::ORDER_STATUS_CANCELLED) continue;
      for (const TicketPlan& t : o.tickets) {
        if (Decided(o, t.ticket_id)) continue;
        ++waiting;
        // Late: waiting longer than half of the time the trader had to answer.
        if ((now - *o.placed_at) * 2 > (t.decide_by - *o.placed_at)) ++late;
      }
    }
    v1::MarketPipeline* p = out.add_markets();
    p->set_market_id(market->id);
    p->set_market_name(market->name);
    p->set_kecamatan(market->kecamatan);
    p->set_date(FormatDate(today));
    for (int s = order::v1::ORDER_STATUS_PLACED; s <= order::v1::ORDER_STATUS_RETURNED; ++s) {
      v1::StatusCount* c = p->add_orders_by_status();
      c->set_status(static_cast<OrderStatus>(s));
      c->set_count(by_status[s]);
    }
    p->set_tickets_waiting(waiting);
    p->set_tickets_late(late);
    p->set_couriers_busy(static_cast<int64_t>(busy.size()));
    p->set_orders_placed(placed);

    std::vector<v1::StallWatch> watch = StallWatches(*market, stalls, stall_by_id, stall_days);
    for (v1::StallWatch& w : watch)
      *p->add_stalls() = std::move(w);
  }
  return out;
}

}  // namespace pasar::reporting
