#include "fixtures.h"

#include "absl/strings/str_cat.h"
#include "pasar/town/seed.h"

namespace pasar::bench {

namespace inv = inventory::v1;

Fixtures::Fixtures(town::Api& api, std::string tag)
    : api_(api),
      tag_(std::move(tag)),
      operator_token_(api.Token(auth::Role::kOperator, "bench-operator")) {}

Shop Fixtures::CreateShop(const std::vector<int>& products_per_stall, int64_t stock) {
  Shop shop;
  inv::CreateMarketRequest market_req;
  market_req.set_request_id(Key("market"));
  inv::Market* m = market_req.mutable_market();
  m->set_name(absl::StrCat("Bench market ", tag_));
  m->mutable_location()->set_lat(kMarketLocation.lat);
  m->mutable_location()->set_lng(kMarketLocation.lng);
  m->set_address("Jl. Benchmark 1, Lumajang");
  m->set_time_zone("Asia/Jakarta");
  for (int day = 1; day <= 7; ++day) {
    inv::OpeningInterval* open = m->mutable_opening_hours()->add_intervals();
    open->set_weekday(static_cast<inv::Weekday>(day));
    open->set_open_minute(0);
    open->set_close_minute(1440);
  }
  m->mutable_fee_scheme()->set_kind(inv::FEE_KIND_FLAT);
  m->mutable_fee_scheme()->set_flat_fee_idr(8000);
  m->set_service_fee_idr(1000);
  m->set_max_delivery_distance_meters(20000);
  m->set_weighed_tolerance_percent(10);
  // Long timers: no ticket expires and no job times out while the benchmark runs.
  m->set_trader_response_timeout_seconds(3600);
  m->set_dispatch_timeout_seconds(7200);
  inv::CreateMarketResponse market_resp;
  town::Check(town::Call(operator_token_,
                         [&](grpc::ClientContext* c) {
                           return api_.market_admin().CreateMarket(c, market_req, &market_resp);
                         }),
              "CreateMarket");
  shop.market_id = market_resp.market().id();

  for (size_t s = 0; s < products_per_stall.size(); ++s) {
    Shop::Stall stall;
    stall.trader_subject = absl::StrCat("bench-trader-", tag_, "-", s);
    inv::CreateStallRequest stall_req;
    stall_req.set_request_id(Key(absl::StrCat("stall-", s)));
    stall_req.set_market_id(shop.market_id);
    stall_req.set_trader_subject(stall.trader_subject);
    stall_req.set_name(absl::StrCat("Bench stall ", s));
    stall_req.set_category(inv::CATEGORY_SAYUR);
    stall_req.set_preparation_minutes(10);
    inv::CreateStallResponse stall_resp;
    town::Check(town::Call(operator_token_,
                           [&](grpc::ClientContext* c) {
                             return api_.market_admin().CreateStall(c, stall_req, &stall_resp);
                           }),
                "CreateStall");
    stall.id = stall_resp.stall().id();
    const std::string trader = town::TraderToken(api_, stall.trader_subject, stall.id);

    for (int p = 0; p < products_per_stall[s]; ++p) {
      inv::CreateProductRequest product_req;
      product_req.set_request_id(Key(absl::StrCat("product-", s, "-", p)));
      product_req.set_stall_id(stall.id);
      product_req.set_name(absl::StrCat("Sayur ", s, "-", p));
      product_req.set_category(inv::CATEGORY_SAYUR);
      product_req.set_unit("ikat");
      product_req.set_price_idr(3000 + 500 * p);
      product_req.set_stock(stock);
      inv::CreateProductResponse product_resp;
      town::Check(town::Call(trader,
                             [&](grpc::ClientContext* c) {
                               return api_.stalls().CreateProduct(c, product_req, &product_resp);
                             }),
                  "CreateProduct");
      stall.product_ids.push_back(product_resp.product().id());
    }

    inv::UpdateStallRequest open_req;
    open_req.set_request_id(Key(absl::StrCat("open-", s)));
    open_req.set_stall_id(stall.id);
    open_req.set_open(true);
    inv::UpdateStallResponse open_resp;
    town::Check(town::Call(trader,
                           [&](grpc::ClientContext* c) {
                             return api_.stalls().UpdateStall(c, open_req, &open_resp);
                           }),
                "UpdateStall");
    shop.stalls.push_back(std::move(stall));
  }
  return shop;
}

std::vector<std::string> Fixtures::CreateCouriers(const std::string& market_id, int count) {
  std::vector<std::string> subjects;
  for (int i = 0; i < count; ++i) {
    dispatch::v1::CreateCourierRequest req;
    req.set_request_id(Key(absl::StrCat("courier-", i)));
    req.set_subject(absl::StrCat("bench-courier-", tag_, "-", i));
    req.set_name(absl::StrCat("Ojek ", i));
    req.set_phone(absl::StrCat("+62812", 1000000 + i));
    req.set_vehicle_plate(absl::StrCat("N ", 1000 + i, " BC"));
    req.set_home_market_id(market_id);
    dispatch::v1::CreateCourierResponse resp;
    town::Check(town::Call(operator_token_,
                           [&](grpc::ClientContext* c) {
                             return api_.dispatch_ops().CreateCourier(c, req, &resp);
                           }),
                "CreateCourier");
    subjects.push_back(req.subject());
  }
  return subjects;
}

inv::Product Fixtures::GetProduct(const std::string& product_id) {
  inv::GetProductRequest req;
  req.set_product_id(product_id);
  inv::GetProductResponse resp;
  town::Check(
      town::Call(operator_token_,
                 [&](grpc::ClientContext* c) { return api_.catalog().GetProduct(c, req, &resp); }),
      "GetProduct");
  return resp.product();
}

}  // namespace pasar::bench
