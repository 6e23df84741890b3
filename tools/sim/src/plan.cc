#include "plan.h"

#include <algorithm>
#include <cmath>
#include <numbers>

#include "absl/strings/str_cat.h"
#include "rng.h"

namespace pasar::sim {
namespace {

// `count` distinct indices of [0, n) in random order (partial Fisher–Yates).
std::vector<size_t> Pick(Rng& rng, size_t n, size_t count) {
  std::vector<size_t> idx(n);
  for (size_t i = 0; i < n; ++i)
    idx[i] = i;
  count = std::min(count, n);
  for (size_t i = 0; i < count; ++i) {
    const size_t j = i + static_cast<size_t>(rng.Int(0, static_cast<int64_t>(n - i - 1)));
    std::swap(idx[i], idx[j]);
  }
  idx.resize(count);
  return idx;
}

int64_t Quantity(Rng& rng, const town::Product& p) {
  int64_t q = 1;
  if (p.unit == "kg" || p.unit == "liter") {
    q = rng.Int(1, 2);
  } else if (p.unit == "ons") {
    q = rng.Int(1, 5);
  } else {
    q = rng.Int(1, 4);
  }
  // Nobody buys out a stall: at most a fifth of the day's stock.
  return std::max<int64_t>(1, std::min(q, p.initial_stock / 5));
}

// A point uniformly inside the circle (center, radius).
geo::LatLng InCircle(Rng& rng, geo::LatLng center, double radius) {
  const double r = radius * std::sqrt(rng.Uniform());
  const double theta = 2 * std::numbers::pi * rng.Uniform();
  const double meters_per_degree = geo::kEarthRadiusMeters * std::numbers::pi / 180.0;
  const double dlat = r * std::cos(theta) / meters_per_degree;
  const double dlng =
      r * std::sin(theta) / (meters_per_degree * std::cos(center.lat * std::numbers::pi / 180.0));
  return {center.lat + dlat, center.lng + dlng};
}

}  // namespace

std::vector<double> Arrivals(uint64_t seed, double minutes, double per_minute) {
  std::vector<double> out;
  if (per_minute <= 0) return out;
  Rng rng(seed, "arrivals", 0);
  for (double t = rng.Exponential(60.0 / per_minute); t < minutes * 60.0;
       t += rng.Exponential(60.0 / per_minute)) {
    out.push_back(t);
  }
  return out;
}

CustomerPlan PlanCustomer(const town::Town& town, const SimConfig& config, int index) {
  Rng rng(config.seed, "customer", index);
  CustomerPlan plan;
  plan.index = index;

  std::vector<std::vector<const town::Stall*>> stalls(town.markets.size());
  std::vector<double> weights(town.markets.size(), 0);
  for (size_t m = 0; m < town.markets.size(); ++m) {
    for (const town::Stall& s : town.stalls) {
      if (s.market == town.markets[m].id) stalls[m].push_back(&s);
    }
    weights[m] = static_cast<double>(stalls[m].size());
  }
  const size_t m = rng.Weighted(weights);
  plan.market = town.markets[m].id;

  const double u = rng.Uniform();
  const size_t wanted_stalls = u < 0.5 ? 1 : (u < 0.85 ? 2 : 3);
  const std::vector<size_t> chosen = Pick(rng, stalls[m].size(), wanted_stalls);
  std::vector<std::vector<const town::Product*>> products(chosen.size());
  for (size_t j = 0; j < chosen.size(); ++j) {
    for (const town::Product& p : town.products) {
      if (p.stall == stalls[m][chosen[j]]->id) products[j].push_back(&p);
    }
  }
  // Lines per stall: one each, the rest (up to 5 in all) spread at random.
  const int64_t k = static_cast<int64_t>(chosen.size());
  std::vector<size_t> lines(chosen.size(), 1);
  int64_t extra = rng.Int(k, 5) - k;
  for (int attempts = 0; extra > 0 && attempts < 50; ++attempts) {
    const size_t j = static_cast<size_t>(rng.Int(0, k - 1));
    if (lines[j] < products[j].size()) {
      ++lines[j];
      --extra;
    }
  }
  for (size_t j = 0; j < chosen.size(); ++j) {
    for (size_t i : Pick(rng, products[j].size(), lines[j])) {
      const town::Product& p = *products[j][i];
      plan.cart.push_back({p.id, Quantity(rng, p)});
    }
  }
  // Keep within budget: fewer units of the dearest line first, then drop dear lines.
  auto line_total = [&](const CartItem& c) {
    return town.product(c.product).price_idr * c.quantity;
  };
  for (;;) {
    int64_t total = 0;
    for (const CartItem& c : plan.cart)
      total += line_total(c);
    if (total <= config.max_cart_idr) break;
    auto dearest = std::max_element(
        plan.cart.begin(), plan.cart.end(),
        [&](const CartItem& a, const CartItem& b) { return line_total(a) < line_total(b); });
    if (dearest->quantity > 1) {
      --dearest->quantity;
    } else if (plan.cart.size() > 1) {
      plan.cart.erase(dearest);
    } else {
      break;
    }
  }

  std::vector<double> area_weights;
  for (const town::DropoffArea& a : town.areas)
    area_weights.push_back(a.order_weight);
  const town::DropoffArea& area = town.areas[rng.Weighted(area_weights)];
  plan.drop_off = InCircle(rng, area.center, area.radius_meters);
  plan.address = absl::StrCat(area.name, ", ", town.name);
  plan.note = absl::StrCat("rumah no. ", rng.Int(1, 120));
  plan.cancels = rng.Chance(config.cancel_probability);
  plan.cancel_after_sim_seconds = rng.Uniform(60, 15 * 60);
  return plan;
}

TicketPlan PlanTicket(const SimConfig& config, const town::Stall& stall, int tolerance_percent,
                      int order_index, const order::v1::Ticket& ticket) {
  Rng rng(config.seed, "trader:" + stall.id, order_index);
  TicketPlan plan;
  plan.decide_after_sim_seconds = rng.Uniform(15, 150);
  plan.reject_all = rng.Chance(config.reject_ticket_probability);
  // Strictly inside the tolerance, in permille, so rounding can never cross it.
  const int64_t spread = std::max<int64_t>(0, tolerance_percent * 10 - 10);
  bool any_kept = false;
  for (const order::v1::TicketLine& line : ticket.lines()) {
    const bool reject = ticket.lines_size() > 1 && rng.Chance(config.reject_line_probability);
    const bool adjust = line.weighed() && rng.Chance(config.adjust_weighed_probability);
    const int64_t permille = rng.Int(-spread, spread);
    LinePlan lp;
    if (reject) {
      lp.kind = LinePlan::Kind::kRejected;
    } else if (adjust && spread > 0) {
      const int64_t base = line.ordered_quantity() * line.price_idr();
      lp.kind = LinePlan::Kind::kAdjusted;
      lp.line_total_idr = std::max<int64_t>(1, base + base * permille / 1000);
    }
    any_kept = any_kept || !reject;
    plan.lines.push_back(lp);
  }
  if (!any_kept && !plan.lines.empty()) plan.lines.front() = LinePlan{};
  plan.prepare_sim_seconds = stall.preparation_minutes * 60.0 * rng.Uniform(0.5, 1.0);
  // Drawn last, so that adding it left every other choice of a seeded day as it was.
  plan.silent = rng.Chance(config.silent_ticket_probability);
  return plan;
}

OfferPlan PlanOffer(const SimConfig& config, const std::string& courier, int order_index) {
  Rng rng(config.seed, "courier:" + courier, order_index);
  OfferPlan plan;
  plan.think_sim_seconds = rng.Uniform(3, 20);
  plan.decline = rng.Chance(config.decline_probability);
  static const dispatch::v1::DeclineReason kReasons[] = {
      dispatch::v1::DECLINE_REASON_TOO_FAR, dispatch::v1::DECLINE_REASON_BREAK,
      dispatch::v1::DECLINE_REASON_VEHICLE_PROBLEM, dispatch::v1::DECLINE_REASON_OTHER};
  plan.reason = kReasons[rng.Weighted({5, 3, 1, 1})];
  return plan;
}

bool PlanAbsent(const SimConfig& config, int order_index) {
  if (config.absent_probability <= 0) return false;
  Rng rng(config.seed, "absent", order_index);
  return rng.Chance(config.absent_probability);
}

geo::LatLng Toward(geo::LatLng from, geo::LatLng to, double meters) {
  const double d = geo::DistanceMeters(from, to);
  if (d <= meters || d <= 0) return to;
  const double f = meters / d;
  return {from.lat + (to.lat - from.lat) * f, from.lng + (to.lng - from.lng) * f};
}

}  // namespace pasar::sim
