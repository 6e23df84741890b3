#include "pasar/town/town.h"

#include <cmath>
#include <fstream>
#include <set>
#include <sstream>
#include <stdexcept>

#include <nlohmann/json.hpp>

#include "absl/strings/ascii.h"
#include "pasar/common/v1/staples.pb.h"

namespace pasar::town {
namespace {

using nlohmann::json;

const std::set<std::string>& Categories() {
  static const std::set<std::string> kCategories = {"sayur", "buah",    "daging",     "ikan",
                                                    "bumbu", "sembako", "jajan_pasar"};
  return kCategories;
}

[[noreturn]] void Fail(const std::string& where, const std::string& why) {
  throw std::runtime_error(where + ": " + why);
}

geo::LatLng Point(const json& j, const std::string& where) {
  geo::LatLng p{j.at("lat").get<double>(), j.at("lng").get<double>()};
  if (!geo::Valid(p) || (p.lat == 0 && p.lng == 0)) Fail(where, "invalid coordinates");
  return p;
}

std::vector<OpeningInterval> Hours(const json& j, const std::string& where) {
  std::vector<OpeningInterval> hours;
  for (const json& i : j) {
    OpeningInterval o{i.at("weekday").get<int>(), i.at("open_minute").get<int>(),
                      i.at("close_minute").get<int>()};
    if (o.weekday < 1 || o.weekday > 7 || o.open_minute < 0 || o.open_minute >= o.close_minute ||
        o.close_minute > 1440) {
      Fail(where, "bad opening interval");
    }
    hours.push_back(o);
  }
  return hours;
}

FeeScheme Fee(const json& j, const std::string& where) {
  FeeScheme f;
  f.kind = j.at("kind").get<std::string>();
  if (f.kind != "FLAT" && f.kind != "PER_KM" && f.kind != "BASE_PLUS_PER_KM") {
    Fail(where, "unknown fee kind " + f.kind);
  }
  f.flat_fee_idr = j.value("flat_fee_idr", int64_t{0});
  f.base_fee_idr = j.value("base_fee_idr", int64_t{0});
  f.per_km_idr = j.value("per_km_idr", int64_t{0});
  f.base_meters = std::llround(j.value("base_km", 0.0) * 1000.0);
  f.road_factor_permille = static_cast<int>(std::lround(j.value("road_factor", 1.3) * 1000.0));
  return f;
}

template <class T>
const T& Find(const std::vector<T>& items, std::string_view id, const char* what) {
  for (const T& item : items) {
    if (item.id == id) return item;
  }
  throw std::out_of_range(std::string("unknown ") + what + " " + std::string(id));
}

}  // namespace

const Market& Town::market(std::string_view id) const {
  return Find(markets, id, "market");
}
const Stall& Town::stall(std::string_view id) const {
  return Find(stalls, id, "stall");
}
const Product& Town::product(std::string_view id) const {
  return Find(products, id, "product");
}

Town ParseTown(std::string_view json_text) {
  json doc;
  try {
    doc = json::parse(json_text);
  } catch (const json::exception& e) {
    Fail("town", std::string("not JSON: ") + e.what());
  }
  Town town;
  std::set<std::string> ids;
  auto claim = [&](const std::string& id, const std::string& where) {
    if (id.empty()) Fail(where, "empty id");
    if (!ids.insert(id).second) Fail(where, "duplicate id " + id);
  };
  try {
    if (doc.at("format").get<std::string>() != "pasar-town" ||
        doc.at("format_version").get<int>() != 1) {
      Fail("town", "not a pasar-town file of format_version 1");
    }
    const json& t = doc.at("town");
    town.name = t.at("name").get<std::string>();
    town.time_zone = t.value("time_zone", "Asia/Jakarta");
    for (const json& a : t.at("dropoff_areas")) {
      DropoffArea area;
      area.id = a.at("id").get<std::string>();
      const std::string where = "dropoff_areas[" + area.id + "]";
      claim(area.id, where);
      area.name = a.at("name").get<std::string>();
      area.center = Point(a.at("center"), where);
      area.radius_meters = a.at("radius_meters").get<double>();
      area.order_weight = a.at("order_weight").get<double>();
      if (area.radius_meters < 0 || area.order_weight <= 0) Fail(where, "bad radius or weight");
      town.areas.push_back(std::move(area));
    }
    for (const json& m : doc.at("markets")) {
      Market market;
      market.id = m.at("id").get<std::string>();
      const std::string where = "markets[" + market.id + "]";
      claim(market.id, where);
      market.name = m.at("name").get<std::string>();
      market.address = m.value("address", "");
      market.kecamatan = m.value("kecamatan", "");
      market.village = m.value("village", "");
      market.time_zone = m.value("time_zone", town.time_zone);
      market.location = Point(m.at("location"), where);
      market.demo_hours = Hours(m.at("demo_opening_hours"), where);
      market.real_hours = Hours(m.at("real_opening_hours"), where);
      market.fee = Fee(m.at("fee_scheme"), where);
      market.service_fee_idr = m.at("service_fee_idr").get<int64_t>();
      market.max_delivery_distance_meters = m.at("max_delivery_distance_meters").get<int64_t>();
      market.weighed_tolerance_percent = m.at("weighed_tolerance_percent").get<int>();
      market.trader_response_timeout_seconds = m.at("trader_response_timeout_seconds").get<int>();
      town.markets.push_back(std::move(market));
    }
    for (const json& s : doc.at("stalls")) {
      Stall stall;
      stall.id = s.at("id").get<std::string>();
      const std::string where = "stalls[" + stall.id + "]";
      claim(stall.id, where);
      stall.market = s.at("market").get<std::string>();
      town.market(stall.market);
      stall.name = s.at("name").get<std::string>();
      stall.category = s.at("category").get<std::string>();
      if (!Categories().count(stall.category)) Fail(where, "unknown category " + stall.category);
      stall.trader_subject = s.at("trader_subject").get<std::string>();
      stall.preparation_minutes = s.at("preparation_minutes").get<int>();
      town.stalls.push_back(std::move(stall));
    }
    for (const json& p : doc.at("products")) {
      Product product;
      product.id = p.at("id").get<std::string>();
      const std::string where = "products[" + product.id + "]";
      claim(product.id, where);
      product.stall = p.at("stall").get<std::string>();
      town.stall(product.stall);
      product.name = p.at("name").get<std::string>();
      product.category = p.at("category").get<std::string>();
      if (!Categories().count(product.category)) {
        Fail(where, "unknown category " + product.category);
      }
      product.unit = p.at("unit").get<std::string>();
      product.price_idr = p.at("price_idr").get<int64_t>();
      product.weighed = p.at("weighed").get<bool>();
      product.initial_stock = p.at("initial_stock").get<int64_t>();
      if (product.price_idr <= 0 || product.initial_stock < 0) Fail(where, "bad price or stock");
      product.commodity = p.value("commodity", "");
      product.standard_unit_milli = p.value("standard_unit_milli", 0);
      if (product.commodity.empty() != (product.standard_unit_milli == 0)) {
        Fail(where, "commodity and standard_unit_milli go together");
      }
      pasar::common::v1::Commodity commodity;
      if (!product.commodity.empty() &&
          !pasar::common::v1::Commodity_Parse(
              "COMMODITY_" + absl::AsciiStrToUpper(product.commodity), &commodity)) {
        Fail(where, "unknown commodity " + product.commodity);
      }
      town.products.push_back(std::move(product));
    }
    for (const json& c : doc.at("couriers")) {
      Courier courier;
      courier.id = c.at("id").get<std::string>();
      const std::string where = "couriers[" + courier.id + "]";
      claim(courier.id, where);
      courier.subject = c.at("subject").get<std::string>();
      courier.name = c.at("name").get<std::string>();
      courier.phone = c.value("phone", "");
      courier.vehicle_plate = c.at("vehicle_plate").get<std::string>();
      courier.vehicle_model = c.value("vehicle_model", "");
      courier.home_market = c.at("home_market").get<std::string>();
      town.market(courier.home_market);
      courier.start = Point(c.at("start_location"), where);
      courier.cash_on_hand_idr = c.at("cash_on_hand_idr").get<int64_t>();
      town.couriers.push_back(std::move(courier));
    }
  } catch (const json::exception& e) {
    Fail("town", std::string("bad shape: ") + e.what());
  } catch (const std::out_of_range& e) {
    Fail("town", e.what());
  }
  if (town.markets.empty() || town.stalls.empty() || town.products.empty() ||
      town.couriers.empty() || town.areas.empty()) {
    Fail("town", "needs markets, stalls, products, couriers and drop-off areas");
  }
  return town;
}

Town LoadTown(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw std::runtime_error(path + ": cannot open");
  std::stringstream text;
  text << in.rdbuf();
  try {
    return ParseTown(text.str());
  } catch (const std::runtime_error& e) {
    throw std::runtime_error(path + ": " + e.what());
  }
}

Town Subset(const Town& town, int stalls_per_market, int couriers_per_market) {
  Town out = town;
  out.stalls.clear();
  out.products.clear();
  out.couriers.clear();
  for (const Market& m : town.markets) {
    int stalls = 0;
    for (const Stall& s : town.stalls) {
      if (s.market != m.id || stalls >= stalls_per_market) continue;
      ++stalls;
      out.stalls.push_back(s);
      for (const Product& p : town.products) {
        if (p.stall == s.id) out.products.push_back(p);
      }
    }
    int couriers = 0;
    for (const Courier& c : town.couriers) {
      if (c.home_market != m.id || couriers >= couriers_per_market) continue;
      ++couriers;
      out.couriers.push_back(c);
    }
  }
  return out;
}

std::string E164Phone(std::string_view phone) {
  if (phone.size() > 1 && phone[0] == '0' && phone[1] == '8') {
    return "+62" + std::string(phone.substr(1));
  }
  return std::string(phone);
}

}  // namespace pasar::town
