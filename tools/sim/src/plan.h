// What the simulated people decide, as pure functions of (seed, person, order index) and what
// they see. The actors (actors.h) carry these plans out against the services.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "pasar/dispatch/v1/dispatch.pb.h"
#include "pasar/geo/geo.h"
#include "pasar/order/v1/order.pb.h"
#include "pasar/town/town.h"
#include "sim.h"

namespace pasar::sim {

// Real seconds after the start at which each customer arrives: a Poisson process of
// `per_minute` arrivals per real minute during `minutes`.
std::vector<double> Arrivals(uint64_t seed, double minutes, double per_minute);

struct CartItem {
  std::string product;  // slug
  int64_t quantity = 0;
};

struct CustomerPlan {
  int index = 0;
  std::string market;  // slug
  std::vector<CartItem> cart;
  geo::LatLng drop_off;
  std::string address;
  std::string note;
  bool cancels = false;
  double cancel_after_sim_seconds = 0;  // after placing
};

// Customer `index`: one market (in proportion to its stalls), 1–3 of its stalls, 1–5 lines in
// all with quantities that suit the unit, within config.max_cart_idr, delivered to a point of a
// drop-off area (picked by order_weight, uniform inside its circle).
CustomerPlan PlanCustomer(const town::Town& town, const SimConfig& config, int index);

struct LinePlan {
  enum class Kind { kAsOrdered, kAdjusted, kRejected };
  Kind kind = Kind::kAsOrdered;
  int64_t line_total_idr = 0;  // kAdjusted: the weighed total charged
};

struct TicketPlan {
  double decide_after_sim_seconds = 0;
  bool reject_all = false;
  std::vector<LinePlan> lines;  // one per ticket line, in order; at least one not rejected
  double prepare_sim_seconds = 0;
  bool silent = false;  // the trader never answers: the ticket expires at the market's timeout
};

// The trader of `stall` deciding ticket `ticket` of customer `order_index`'s order. Weighed
// totals stay strictly inside ±tolerance_percent of final_quantity × price.
TicketPlan PlanTicket(const SimConfig& config, const town::Stall& stall, int tolerance_percent,
                      int order_index, const order::v1::Ticket& ticket);

struct OfferPlan {
  double think_sim_seconds = 0;
  bool decline = false;
  dispatch::v1::DeclineReason reason = dispatch::v1::DECLINE_REASON_UNSPECIFIED;
};

// Courier `courier` (slug) offered the job of customer `order_index`'s order.
OfferPlan PlanOffer(const SimConfig& config, const std::string& courier, int order_index);

// The attempts a simulated courier makes at an absent customer's door before declaring the
// delivery failed (the markets' policy for such a day: SetFailurePolicy, no wait).
inline constexpr int kSimFailureAttempts = 2;

// Whether customer `order_index` is absent (or refuses the goods) when the courier rings
// (config.absent_probability; its own stream, so the rest of a seeded day is unchanged).
bool PlanAbsent(const SimConfig& config, int order_index);

// A point `meters` away from `from` towards `to` (straight line; `to` when closer than that).
geo::LatLng Toward(geo::LatLng from, geo::LatLng to, double meters);

}  // namespace pasar::sim
