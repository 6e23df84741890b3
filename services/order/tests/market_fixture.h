// A market set up in the REAL pasar-inventory through its public gRPC API, for tests that run
// pasar-order against it.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <grpcpp/channel.h>
#include <catch2/catch.hpp>

#include "e2e.h"
#include "pasar/inventory/v1/inventory.grpc.pb.h"

namespace pasar::order::testing {

// Pasar Baru, Lumajang.
inline constexpr double kMarketLat = -8.1335, kMarketLng = 113.2248;

struct SeededProduct {
  std::string id;
  std::string stall_id;
  int64_t price_idr = 0;
  int64_t stock = 0;
};

struct SeededMarket {
  std::string market_id;
  std::vector<std::string> stall_ids;
  // Per stall in order: its counted product, then its weighed one when there are weighed ones.
  std::vector<SeededProduct> products;

  // The token of stall `stall_index`'s trader (subject "trader-<index>").
  std::string TraderToken(int stall_index) const {
    return Token(auth::Role::kTrader, "trader-" + std::to_string(stall_index),
                 {stall_ids.at(static_cast<size_t>(stall_index))});
  }
};

// As an operator: a market at kMarket{Lat,Lng} open all week (Asia/Jakarta; 2,500 a km by road
// at a road factor of 1.3, service fee 1,000, 10 km at most, weighed lines within 10 %, traders
// answer within 300 s) and `stalls` stalls; as each stall's trader: the stall opened and its
// products, each with `stock` units — "Bayam" at 3,000 an ikat and, when `weighed`, "Cabai
// rawit" at 6,000 an ons, weighed. Stall 0 sells sayur, the others bumbu.
inline SeededMarket SeedMarket(const std::shared_ptr<grpc::Channel>& inventory, int stalls,
                               bool weighed, int64_t stock) {
  namespace inv = ::pasar::inventory::v1;
  auto admin = inv::MarketAdminService::NewStub(inventory);
  auto stall_api = inv::StallService::NewStub(inventory);
  const std::string op = Token(auth::Role::kOperator, "dinas");
  SeededMarket out;

  inv::CreateMarketRequest cm;
  cm.set_request_id("market");
  inv::Market* m = cm.mutable_market();
  m->set_name("Pasar Baru Lumajang");
  m->mutable_location()->set_lat(kMarketLat);
  m->mutable_location()->set_lng(kMarketLng);
  m->set_time_zone("Asia/Jakarta");
  for (int day = inv::WEEKDAY_MONDAY; day <= inv::WEEKDAY_SUNDAY; ++day) {
    inv::OpeningInterval* in = m->mutable_opening_hours()->add_intervals();
    in->set_weekday(static_cast<inv::Weekday>(day));
    in->set_open_minute(0);
    in->set_close_minute(1440);
  }
  m->mutable_fee_scheme()->set_kind(inv::FEE_KIND_PER_KM);
  m->mutable_fee_scheme()->set_per_km_idr(2500);
  m->mutable_fee_scheme()->set_road_factor_permille(1300);
  m->set_service_fee_idr(1000);
  m->set_max_delivery_distance_meters(10000);
  m->set_weighed_tolerance_percent(10);
  m->set_trader_response_timeout_seconds(300);
  m->set_dispatch_timeout_seconds(900);
  inv::CreateMarketResponse cmr;
  REQUIRE(admin->CreateMarket(Ctx(op).get(), cm, &cmr).error_message() == "");
  out.market_id = cmr.market().id();

  for (int i = 0; i < stalls; ++i) {
    const inv::Category category = i == 0 ? inv::CATEGORY_SAYUR : inv::CATEGORY_BUMBU;
    inv::CreateStallRequest cs;
    cs.set_request_id("stall-" + std::to_string(i));
    cs.set_market_id(out.market_id);
    cs.set_trader_subject("trader-" + std::to_string(i));
    cs.set_name(i == 0 ? "Sayur Bu Sri" : "Bumbu Pak Man");
    cs.set_category(category);
    cs.set_preparation_minutes(10);
    inv::CreateStallResponse csr;
    REQUIRE(admin->CreateStall(Ctx(op).get(), cs, &csr).error_message() == "");
    const std::string stall = csr.stall().id();
    out.stall_ids.push_back(stall);
    const std::string trader = out.TraderToken(i);

    inv::UpdateStallRequest us;
    us.set_request_id("open");
    us.set_stall_id(stall);
    us.set_open(true);
    inv::UpdateStallResponse usr;
    REQUIRE(stall_api->UpdateStall(Ctx(trader).get(), us, &usr).error_message() == "");
    for (int w = 0; w < (weighed ? 2 : 1); ++w) {
      inv::CreateProductRequest cp;
      cp.set_request_id("p" + std::to_string(w));
      cp.set_stall_id(stall);
      cp.set_name(w == 0 ? "Bayam" : "Cabai rawit");
      cp.set_category(category);
      cp.set_unit(w == 0 ? "ikat" : "ons");
      cp.set_price_idr(w == 0 ? 3000 : 6000);
      cp.set_weighed(w == 1);
      cp.set_stock(stock);
      inv::CreateProductResponse cpr;
      REQUIRE(stall_api->CreateProduct(Ctx(trader).get(), cp, &cpr).error_message() == "");
      out.products.push_back({cpr.product().id(), stall, cp.price_idr(), stock});
    }
  }
  return out;
}

}  // namespace pasar::order::testing
