// What the load scenarios need in the services, created through the public APIs as an operator
// and traders would (tools/town): a market open around the clock, stalls, products, couriers.
// Every request id carries the run's tag, so two runs never collide.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "pasar/geo/geo.h"
#include "pasar/town/api.h"

namespace pasar::bench {

inline constexpr geo::LatLng kMarketLocation{-8.1335, 113.2248};  // Pasar Baru Lumajang
inline constexpr geo::LatLng kDropOff{-8.1402, 113.2301};         // about 1 km away

struct Shop {
  std::string market_id;
  struct Stall {
    std::string id;
    std::string trader_subject;
    std::vector<std::string> product_ids;
  };
  std::vector<Stall> stalls;
};

class Fixtures final {
 public:
  Fixtures(town::Api& api, std::string tag);

  // A market open every day all day, with `products_per_stall[i]` products in stall i, each
  // holding `stock` units; the stalls are opened by their traders.
  Shop CreateShop(const std::vector<int>& products_per_stall, int64_t stock);
  // Registers `count` couriers of `market_id` (any UUID: dispatch does not look markets up);
  // returns their subjects.
  std::vector<std::string> CreateCouriers(const std::string& market_id, int count);
  // The product as the catalogue shows it now (stock, reserved).
  inventory::v1::Product GetProduct(const std::string& product_id);

  const std::string& tag() const { return tag_; }

 private:
  std::string Key(const std::string& what) const { return tag_ + ":" + what; }

  town::Api& api_;
  std::string tag_;
  std::string operator_token_;
};

}  // namespace pasar::bench
