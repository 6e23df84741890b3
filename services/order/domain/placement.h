// The order a PlaceOrder creates from the stock inventory holds for it: pure. The use case
// (app/place_order.cc) gathers the facts (the market, the delivery pricing, the held lines with
// their price snapshot, fresh ids and codes); this assembles the aggregate.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "absl/time/time.h"
#include "domain/order.h"
#include "domain/pricing.h"
#include "pasar/geo/geo.h"

namespace pasar::order::domain {

// One line of the stock hold, as inventory snapshot it (prices at the time of the hold).
struct HeldLine {
  std::string product_id;
  std::string stall_id;
  std::string stall_name;
  std::string name;
  std::string unit;
  bool weighed = false;
  int64_t quantity = 0;
  int64_t price_idr = 0;
};

// The facts of a placement other than its lines.
struct NewOrder {
  std::string id;
  std::string customer;
  std::string market_id;
  std::string market_name;
  geo::LatLng market_location;
  geo::LatLng drop_off;
  std::string drop_off_address;
  std::string drop_off_note;
  int64_t distance_meters = 0;
  int64_t delivery_fee_idr = 0;  // as quoted to the drop-off
  FeeScheme fee_scheme;          // the service fee and the pricing of the lines
  std::string delivery_pin;
  std::string reservation_id;
  int32_t weighed_tolerance_percent = 0;
  int32_t dispatch_timeout_seconds = 0;
  absl::Duration trader_timeout;  // each ticket's decide_by is now + this
  absl::Time now;
};

// A PLACED order (version 1): one PENDING ticket per stall in order of first appearance among
// `held`, each with a pickup code from `pickup_code()` and an id from `ticket_id()`; every line
// PENDING at its ordered quantity and snapshot price; totals priced by `fee_scheme` with the
// quoted delivery fee.
Order AssembleOrder(const NewOrder& facts, const std::vector<HeldLine>& held,
                    const std::function<std::string()>& ticket_id,
                    const std::function<std::string()>& pickup_code);

}  // namespace pasar::order::domain
