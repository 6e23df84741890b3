// The demo-town model: markets, stalls, products, couriers and drop-off areas as described by
// tools/sim/data/README.md (format "pasar-town", version 1). Ids in the file are slugs, keys
// only inside the file; seeding (seed.h) maps them to the services' UUIDs.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "pasar/geo/geo.h"

namespace pasar::town {

// One opening interval: ISO weekday (1 = Monday … 7 = Sunday), minutes after local midnight.
struct OpeningInterval {
  int weekday = 0;
  int open_minute = 0;
  int close_minute = 0;
};

// The market's delivery-fee formula, already in the units of pasar.inventory.v1.FeeScheme.
struct FeeScheme {
  std::string kind;  // "FLAT", "PER_KM" or "BASE_PLUS_PER_KM"
  int64_t flat_fee_idr = 0;
  int64_t base_fee_idr = 0;
  int64_t base_meters = 0;
  int64_t per_km_idr = 0;
  int road_factor_permille = 1300;
};

struct Market {
  std::string id;  // slug
  std::string name;
  std::string address;
  std::string kecamatan;  // optional in the file
  std::string village;    // desa or kelurahan, optional in the file
  std::string time_zone;
  geo::LatLng location;
  std::vector<OpeningInterval> demo_hours;  // open all day, every day
  std::vector<OpeningInterval> real_hours;  // the market's real trading hours
  FeeScheme fee;
  int64_t service_fee_idr = 0;
  int64_t max_delivery_distance_meters = 0;
  int weighed_tolerance_percent = 0;
  int trader_response_timeout_seconds = 0;
};

struct Stall {
  std::string id;      // slug
  std::string market;  // market slug
  std::string name;
  std::string category;  // "sayur", "buah", "daging", "ikan", "bumbu", "sembako", "jajan_pasar"
  std::string trader_subject;
  int preparation_minutes = 0;
};

struct Product {
  std::string id;     // slug
  std::string stall;  // stall slug
  std::string name;
  std::string category;
  std::string unit;
  int64_t price_idr = 0;
  bool weighed = false;
  int64_t initial_stock = 0;
  // The staple it is, as pasar.common.v1.Commodity's value name without COMMODITY_ and in lower
  // case ("shallot"); empty for none. With it, the thousandths of the staple's standard unit in
  // one `unit` (1000 for kg of a kg staple, 100 for ons).
  std::string commodity;
  int standard_unit_milli = 0;
};

struct Courier {
  std::string id;  // slug
  std::string subject;
  std::string name;
  std::string phone;  // as in the file ("08…"); see E164Phone
  std::string vehicle_plate;
  std::string vehicle_model;
  std::string home_market;  // market slug
  geo::LatLng start;
  int64_t cash_on_hand_idr = 0;
};

// A residential area where customers get their orders: a circle, picked by order_weight.
struct DropoffArea {
  std::string id;
  std::string name;
  geo::LatLng center;
  double radius_meters = 0;
  double order_weight = 0;
};

struct Town {
  std::string name;
  std::string time_zone;
  std::vector<DropoffArea> areas;
  std::vector<Market> markets;
  std::vector<Stall> stalls;
  std::vector<Product> products;
  std::vector<Courier> couriers;

  // Lookups by slug; throw std::out_of_range for an unknown slug.
  const Market& market(std::string_view id) const;
  const Stall& stall(std::string_view id) const;
  const Product& product(std::string_view id) const;
};

// Parses and checks a town (unique slugs, references that resolve, values in range). Throws
// std::runtime_error saying what is wrong.
Town ParseTown(std::string_view json_text);
// Reads and parses `path`; the error names the file.
Town LoadTown(const std::string& path);

// A smaller town for tests and quick runs: the first `stalls_per_market` stalls of every market
// (with their products) and the first `couriers_per_market` couriers of every market.
Town Subset(const Town& town, int stalls_per_market, int couriers_per_market);

// "08123…" -> "+628123…" (Indonesian mobile numbers in E.164); other shapes are returned as is.
std::string E164Phone(std::string_view phone);

}  // namespace pasar::town
