#include "pasar/town/seed.h"

#include <atomic>
#include <exception>
#include <mutex>
#include <thread>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"

namespace pasar::town {
namespace {

namespace inv = pasar::inventory::v1;
namespace dsp = pasar::dispatch::v1;

// Runs fn(0..n-1) on up to `threads` threads; rethrows the first exception after all stopped.
template <class F>
void ParallelFor(size_t n, int threads, F&& fn) {
  std::atomic<size_t> next{0};
  std::atomic<bool> failed{false};
  std::exception_ptr error;
  std::mutex mu;
  auto worker = [&] {
    for (size_t i = next++; i < n && !failed; i = next++) {
      try {
        fn(i);
      } catch (...) {
        std::lock_guard<std::mutex> lock(mu);
        if (!error) error = std::current_exception();
        failed = true;
      }
    }
  };
  std::vector<std::thread> pool;
  const size_t count = std::min<size_t>(n, static_cast<size_t>(std::max(1, threads)));
  for (size_t i = 0; i < count; ++i)
    pool.emplace_back(worker);
  for (std::thread& t : pool)
    t.join();
  if (error) std::rethrow_exception(error);
}

inv::FeeKind FeeKindOf(const std::string& kind) {
  if (kind == "FLAT") return inv::FEE_KIND_FLAT;
  if (kind == "PER_KM") return inv::FEE_KIND_PER_KM;
  return inv::FEE_KIND_BASE_PLUS_PER_KM;
}

// The courier with `subject`, found by listing (when it was created under another key).
std::string FindCourier(Api& api, const std::string& token, const std::string& subject) {
  std::string page_token;
  do {
    dsp::ListCouriersRequest req;
    req.set_page_size(100);
    req.set_page_token(page_token);
    dsp::ListCouriersResponse resp;
    Check(Call(token,
               [&](grpc::ClientContext* c) {
                 return api.dispatch_ops().ListCouriers(c, req, &resp);
               }),
          "ListCouriers");
    for (const dsp::Courier& c : resp.couriers()) {
      if (c.subject() == subject) return c.id();
    }
    page_token = resp.next_page_token();
  } while (!page_token.empty());
  return "";
}

}  // namespace

const std::string& Seeded::id(std::string_view slug) const {
  auto it = ids.find(std::string(slug));
  if (it == ids.end()) throw std::out_of_range(absl::StrCat("not seeded: ", std::string(slug)));
  return it->second;
}

inv::Category CategoryOf(std::string_view slug) {
  inv::Category category = inv::CATEGORY_UNSPECIFIED;
  inv::Category_Parse(absl::StrCat("CATEGORY_", absl::AsciiStrToUpper(std::string(slug))),
                      &category);
  return category;
}

pasar::common::v1::Commodity CommodityOf(std::string_view slug) {
  pasar::common::v1::Commodity commodity = pasar::common::v1::COMMODITY_UNSPECIFIED;
  if (slug.empty()) return commodity;
  if (!pasar::common::v1::Commodity_Parse(
          absl::StrCat("COMMODITY_", absl::AsciiStrToUpper(std::string(slug))), &commodity)) {
    throw std::runtime_error(absl::StrCat("unknown commodity \"", std::string(slug), "\""));
  }
  return commodity;
}

std::string CategorySlug(inv::Category category) {
  std::string name = inv::Category_Name(category);
  if (absl::StartsWith(name, "CATEGORY_")) name = name.substr(9);
  return absl::AsciiStrToLower(name);
}

inv::Market MarketProto(const Market& m, const SeedOptions& options) {
  inv::Market out;
  out.set_name(m.name);
  out.set_address(m.address);
  out.set_kecamatan(m.kecamatan);
  out.set_village(m.village);
  out.set_time_zone(m.time_zone);
  out.mutable_location()->set_lat(m.location.lat);
  out.mutable_location()->set_lng(m.location.lng);
  for (const OpeningInterval& i : options.real_hours ? m.real_hours : m.demo_hours) {
    inv::OpeningInterval* o = out.mutable_opening_hours()->add_intervals();
    o->set_weekday(static_cast<inv::Weekday>(i.weekday));
    o->set_open_minute(i.open_minute);
    o->set_close_minute(i.close_minute);
  }
  inv::FeeScheme* fee = out.mutable_fee_scheme();
  fee->set_kind(FeeKindOf(m.fee.kind));
  fee->set_flat_fee_idr(m.fee.flat_fee_idr);
  fee->set_base_fee_idr(m.fee.base_fee_idr);
  fee->set_base_meters(m.fee.base_meters);
  fee->set_per_km_idr(m.fee.per_km_idr);
  fee->set_road_factor_permille(m.fee.road_factor_permille);
  out.set_service_fee_idr(m.service_fee_idr);
  out.set_max_delivery_distance_meters(m.max_delivery_distance_meters);
  out.set_weighed_tolerance_percent(m.weighed_tolerance_percent);
  out.set_trader_response_timeout_seconds(options.trader_response_timeout_seconds > 0
                                              ? options.trader_response_timeout_seconds
                                              : m.trader_response_timeout_seconds);
  out.set_dispatch_timeout_seconds(options.dispatch_timeout_seconds);
  return out;
}

std::string TraderToken(const Api& api, const std::string& subject, const std::string& stall_id) {
  return api.Token(auth::Principal{subject, auth::Role::kTrader, {stall_id}});
}

Seeded SeedTown(Api& api, const Town& town, const SeedOptions& options) {
  const std::string op = api.Token(auth::Role::kOperator, options.operator_subject);
  auto key = [&](std::string_view kind, std::string_view slug) {
    return absl::StrCat(options.tag, ":", std::string(kind), ":", std::string(slug));
  };
  auto say = [&](std::string_view msg) {
    if (options.progress) options.progress(msg);
  };
  Seeded seeded;
  std::mutex mu;  // guards seeded.ids while stalls and couriers are created in parallel
  auto remember = [&](const std::string& slug, const std::string& id) {
    std::lock_guard<std::mutex> lock(mu);
    seeded.ids[slug] = id;
  };

  for (const Market& m : town.markets) {
    inv::CreateMarketRequest req;
    req.set_request_id(key("market", m.id));
    *req.mutable_market() = MarketProto(m, options);
    inv::CreateMarketResponse resp;
    Check(Call(op,
               [&](grpc::ClientContext* c) {
                 return api.market_admin().CreateMarket(c, req, &resp);
               }),
          absl::StrCat("CreateMarket ", m.id));
    remember(m.id, resp.market().id());
    // A replayed CreateMarket returns the market as first created: apply the timers asked now.
    if (options.trader_response_timeout_seconds > 0 || options.dispatch_timeout_seconds > 0) {
      inv::UpdateMarketRequest up;
      up.set_market_id(resp.market().id());
      if (options.trader_response_timeout_seconds > 0) {
        up.set_trader_response_timeout_seconds(options.trader_response_timeout_seconds);
      }
      if (options.dispatch_timeout_seconds > 0) {
        up.set_dispatch_timeout_seconds(options.dispatch_timeout_seconds);
      }
      up.set_request_id(key(absl::StrCat("market-timers-", options.trader_response_timeout_seconds,
                                         "-", options.dispatch_timeout_seconds),
                            m.id));
      inv::UpdateMarketResponse up_resp;
      Check(Call(op,
                 [&](grpc::ClientContext* c) {
                   return api.market_admin().UpdateMarket(c, up, &up_resp);
                 }),
            absl::StrCat("UpdateMarket ", m.id));
    }
    say(absl::StrCat("market ", m.id, " = ", resp.market().id()));
  }

  std::atomic<int> products_done{0};
  ParallelFor(town.stalls.size(), options.parallelism, [&](size_t i) {
    const Stall& s = town.stalls[i];
    inv::CreateStallRequest req;
    req.set_request_id(key("stall", s.id));
    req.set_market_id(seeded.id(s.market));
    req.set_trader_subject(s.trader_subject);
    req.set_name(s.name);
    req.set_category(CategoryOf(s.category));
    req.set_preparation_minutes(s.preparation_minutes);
    inv::CreateStallResponse resp;
    Check(
        Call(op,
             [&](grpc::ClientContext* c) { return api.market_admin().CreateStall(c, req, &resp); }),
        absl::StrCat("CreateStall ", s.id));
    const std::string stall_id = resp.stall().id();
    remember(s.id, stall_id);

    const std::string trader = TraderToken(api, s.trader_subject, stall_id);
    for (const Product& p : town.products) {
      if (p.stall != s.id) continue;
      inv::CreateProductRequest preq;
      preq.set_request_id(key("product", p.id));
      preq.set_stall_id(stall_id);
      preq.set_name(p.name);
      preq.set_category(CategoryOf(p.category));
      preq.set_unit(p.unit);
      preq.set_price_idr(p.price_idr);
      preq.set_weighed(p.weighed);
      preq.set_stock(p.initial_stock);
      preq.set_commodity(CommodityOf(p.commodity));
      preq.set_standard_unit_milli(p.standard_unit_milli);
      inv::CreateProductResponse presp;
      Check(
          Call(trader,
               [&](grpc::ClientContext* c) { return api.stalls().CreateProduct(c, preq, &presp); }),
          absl::StrCat("CreateProduct ", p.id));
      remember(p.id, presp.product().id());
      if (!options.restock_key.empty()) {
        inv::SetStockRequest sreq;
        sreq.set_request_id(key("restock", absl::StrCat(options.restock_key, ":", p.id)));
        sreq.set_product_id(presp.product().id());
        sreq.set_stock(p.initial_stock);
        sreq.set_note("morning restock");
        inv::SetStockResponse sresp;
        Check(Call(trader,
                   [&](grpc::ClientContext* c) { return api.stalls().SetStock(c, sreq, &sresp); }),
              absl::StrCat("SetStock ", p.id));
      }
      ++products_done;
    }
    inv::UpdateStallRequest open;
    open.set_request_id(key("open", s.id));
    open.set_stall_id(stall_id);
    open.set_open(true);
    inv::UpdateStallResponse open_resp;
    Check(
        Call(trader,
             [&](grpc::ClientContext* c) { return api.stalls().UpdateStall(c, open, &open_resp); }),
        absl::StrCat("UpdateStall ", s.id));
  });
  say(absl::StrCat(town.stalls.size(), " stalls, ", products_done.load(), " products"));

  ParallelFor(town.couriers.size(), options.parallelism, [&](size_t i) {
    const Courier& c = town.couriers[i];
    dsp::CreateCourierRequest req;
    req.set_request_id(key("courier", c.id));
    req.set_subject(c.subject);
    req.set_name(c.name);
    req.set_phone(E164Phone(c.phone));
    req.set_vehicle_plate(c.vehicle_plate);
    req.set_home_market_id(seeded.id(c.home_market));
    dsp::CreateCourierResponse resp;
    const Outcome out = Call(op, [&](grpc::ClientContext* ctx) {
      return api.dispatch_ops().CreateCourier(ctx, req, &resp);
    });
    if (out.code() == grpc::ALREADY_EXISTS) {
      // Registered before under another key (e.g. by hand): the courier is the same person.
      const std::string id = FindCourier(api, op, c.subject);
      if (id.empty()) Check(out, absl::StrCat("CreateCourier ", c.id));
      remember(c.id, id);
      return;
    }
    Check(out, absl::StrCat("CreateCourier ", c.id));
    remember(c.id, resp.courier().id());
  });
  say(absl::StrCat(town.couriers.size(), " couriers"));
  return seeded;
}

}  // namespace pasar::town
