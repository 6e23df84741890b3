// pasar-load: load generator for the Pasar services over their public gRPC APIs.
//
//   pasar-load SCENARIO [options]
//   scenarios:
//     place-order    PlaceOrder of a 3-line cart from 2 stalls (reserve in inventory + order +
//                    outbox, durable commits); carts spread over 10 stalls x 20 products
//     list-products  ListProducts, one page of 50 products
//     get-order      GetOrder by its customer, of orders placed before the run (--customers
//                    customers placed --orders-per-customer orders each; drawn at random)
//     list-orders    ListOrders, a customer's first page of --page-size orders (newest first)
//     reserve-hot    one hot product, ReserveStock of 1 unit by concurrent buyers until
//                    --attempts calls were made; then checks that the stock sold out exactly
//                    (sold = initial stock, nothing oversold) and that every refusal was
//                    INSUFFICIENT_STOCK
//     locations      ReportLocations client streams of 100-fix messages into dispatch
//   options:
//     --mode closed|open     closed: --clients concurrent callers; open: --rate calls/s
//     --clients N (16)       --rate R (100)      --duration S (10)     --warmup S (2)
//     --attempts N (100000)  reserve-hot: calls in all; --stock = initial stock (attempts/2,
//                            at most that: the attempts must be able to sell it out)
//     --streams N (64)       locations: concurrent streams (one courier each)
//     --customers N (64)     get-order, list-orders: customers who place orders before the run
//     --orders-per-customer N (25)  and how many each (at least --page-size)
//     --page-size N (20)     list-orders: the page asked for (every page must be full)
//     --channels N (4)       client connections per service
//     --pids name=pid,...    server processes whose CPU time is measured
//     --inventory/--order/--dispatch host:port (else PASAR_*_ADDR, see tools/town)
//     --tls-ca-file PEM      TLS trusting this root (else PASAR_TLS_CA_FILE; unset: plaintext)
//     --tls-server-name N    the name on the certificates (else PASAR_TLS_SERVER_NAME)
//   JWT: PASAR_JWT_PRIVATE_KEY_FILE, or in development PASAR_JWT_SECRET (and _ISSUER/_AUDIENCE),
//   as the services accept them (the hot-product workload mints a `service` token, which needs
//   the service key, or the development secret).
// Prints one JSON object on stdout ("check_ok", and "problems": what failed); progress on
// stderr. Exit status 1 on a setup failure or when a check fails: any failed call (other than
// reserve-hot's INSUFFICIENT_STOCK refusals), a call that never completed, no successful call, a
// short page (of products or orders), an order other than the one asked for, a hot product not
// sold out exactly, a rejected fix.
// PASAR_BENCH_BREAK (breakage.h) breaks a scenario on purpose, for the test of these checks.
#include <atomic>
#include <chrono>
#include <iostream>
#include <memory>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include <google/protobuf/util/time_util.h>
#include <grpcpp/grpcpp.h>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "breakage.h"
#include "driver.h"
#include "fixtures.h"
#include "nlohmann/json.hpp"
#include "pasar/ids/ids.h"
#include "pasar/rpc/client.h"
#include "pasar/town/api.h"
#include "pasar/town/flags.h"
#include "proc.h"

namespace pasar::bench {
namespace {

namespace inv = inventory::v1;
using Clock = std::chrono::steady_clock;

constexpr absl::Duration kCallTimeout = absl::Seconds(10);

// `count` separate connections to `address` (the global subchannel pool would otherwise share
// one connection between identical channels), over TLS when `tls` has a root.
template <class Service>
std::vector<std::unique_ptr<typename Service::Stub>> Stubs(const std::string& address,
                                                           const rpc::ClientTls& tls, int count) {
  std::vector<std::unique_ptr<typename Service::Stub>> stubs;
  for (int i = 0; i < std::max(count, 1); ++i) {
    grpc::ChannelArguments args;
    args.SetInt(GRPC_ARG_USE_LOCAL_SUBCHANNEL_POOL, 1);
    args.SetInt("pasar.bench.channel", i);
    stubs.push_back(Service::NewStub(rpc::Dial(address, tls, args)));
  }
  return stubs;
}

// One call's context and messages, alive until its completion callback ran.
template <class Req, class Resp>
struct Call {
  grpc::ClientContext ctx;
  Req req;
  Resp resp;
};

// Completes `call` through `done`: a refusal reports its reason; `check` may turn a successful
// answer that is wrong into a failure (INTERNAL with the check's message as the reason).
// The call (its ClientContext, which holds a reference to the channel) is destroyed BEFORE
// `done` counts it out: once the driver sees no call in flight it destroys the stubs, and the
// last reference to a channel must then be the main thread's. Dropped on a callback thread it
// would run ~Channel there, racing the main thread's channel teardown in gRPC 1.51's
// callback-alternative completion queue (a double free ASan caught in CI).
template <class C, class Check>
auto Finish(std::shared_ptr<C> call, Workload::Done done, Check check) {
  return [call = std::move(call), done = std::move(done), check](grpc::Status status) mutable {
    std::string reason = status.ok() ? "" : town::ErrorReason(call->ctx, status);
    if (status.ok()) {
      if (std::string wrong = check(call->resp); !wrong.empty()) {
        status = grpc::Status(grpc::StatusCode::INTERNAL, wrong);
        reason = wrong;
      }
    }
    call.reset();
    done(status, reason);
  };
}

// A 64-bit mix (splitmix64's finaliser): spreads consecutive numbers over the shop.
uint64_t Mix(uint64_t x) {
  x += 0x9e3779b97f4a7c15ULL;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}

std::vector<std::string> CustomerTokens(const town::Api& api, const std::string& tag, int n) {
  std::vector<std::string> tokens;
  for (int i = 0; i < std::max(n, 1); ++i) {
    tokens.push_back(
        api.Token(auth::Role::kCustomer, absl::StrCat("bench-customer-", tag, "-", i)));
  }
  return tokens;
}

// The cart of call `seq`: 3 lines from 2 stalls, two products of one stall, one of another,
// spread over the shop like many customers' carts (a hot product is the reserve-hot scenario's
// business), delivered about 1 km from the market.
void FillCart(const Shop& shop, int64_t seq, order::v1::PlaceOrderRequest& req) {
  req.set_market_id(shop.market_id);
  const uint64_t h = Mix(static_cast<uint64_t>(seq));
  const size_t stalls = shop.stalls.size();
  const size_t a = h % stalls;
  const size_t b = (a + 1 + (h >> 8) % (stalls - 1)) % stalls;
  const std::vector<std::string>& pa = shop.stalls[a].product_ids;
  const std::vector<std::string>& pb = shop.stalls[b].product_ids;
  const size_t a1 = (h >> 16) % pa.size();
  const size_t a2 = (a1 + 1 + (h >> 24) % (pa.size() - 1)) % pa.size();
  const std::string* cart[] = {&pa[a1], &pa[a2], &pb[(h >> 32) % pb.size()]};
  for (const std::string* product : cart) {
    order::v1::CartLine* line = req.add_lines();
    line->set_product_id(*product);
    line->set_quantity(1 + static_cast<int64_t>((h >> 40) % 3));
  }
  req.mutable_drop_off()->set_lat(kDropOff.lat);
  req.mutable_drop_off()->set_lng(kDropOff.lng);
  req.set_drop_off_address("Jl. Kyai Muksin 12");
}

class PlaceOrderWorkload final : public Workload {
 public:
  PlaceOrderWorkload(const Shop& shop, std::vector<std::string> tokens, std::string tag,
                     const std::string& address, const rpc::ClientTls& tls, int channels)
      : shop_(shop),
        tokens_(std::move(tokens)),
        tag_(std::move(tag)),
        stubs_(Stubs<order::v1::OrderService>(address, tls, channels)),
        broken_(Broken("place-order-failed")) {}

  void Start(int client, int64_t seq, Done done) override {
    auto call =
        std::make_shared<Call<order::v1::PlaceOrderRequest, order::v1::PlaceOrderResponse>>();
    town::Prepare(call->ctx, tokens_[client % tokens_.size()], kCallTimeout);
    order::v1::PlaceOrderRequest& req = call->req;
    req.set_request_id(absl::StrCat(tag_, "-", seq));
    FillCart(shop_, seq, req);
    if (broken_ && seq % 10 == 0) req.mutable_lines(0)->set_quantity(0);  // INVALID_ARGUMENT
    auto* stub = stubs_[static_cast<size_t>(seq) % stubs_.size()].get();
    auto* raw = call.get();
    stub->async()->PlaceOrder(&raw->ctx, &raw->req, &raw->resp,
                              Finish(std::move(call), std::move(done),
                                     [](const order::v1::PlaceOrderResponse& r) -> std::string {
                                       return r.order().tickets_size() == 2 ? "" : "NOT_2_TICKETS";
                                     }));
  }

 private:
  const Shop& shop_;
  std::vector<std::string> tokens_;
  std::string tag_;
  std::vector<std::unique_ptr<order::v1::OrderService::Stub>> stubs_;
  const bool broken_;
};

// Orders placed before a reading scenario: customer i (its token tokens[i]) placed orders[i].
struct PlacedOrders {
  std::vector<std::string> tokens;
  std::vector<std::vector<std::string>> orders;
};

// Each of `customers` customers places `per_customer` orders (8 callers at a time), so that a
// customer's first page of ListOrders is full and GetOrder reads orders of many customers.
PlacedOrders PlaceOrdersToRead(town::Api& api, const Shop& shop, const std::string& tag,
                               int customers, int per_customer) {
  PlacedOrders placed{CustomerTokens(api, tag, customers), {}};
  placed.orders.resize(placed.tokens.size());
  std::vector<std::string> errors(8);
  std::vector<std::thread> threads;
  for (size_t t = 0; t < errors.size(); ++t) {
    threads.emplace_back([&, t] {
      try {
        for (size_t c = t; c < placed.tokens.size(); c += errors.size()) {
          for (int k = 0; k < per_customer; ++k) {
            order::v1::PlaceOrderRequest req;
            const int64_t seq = static_cast<int64_t>(c) * per_customer + k;
            req.set_request_id(absl::StrCat(tag, "-read-", seq));
            FillCart(shop, seq, req);
            order::v1::PlaceOrderResponse resp;
            town::Check(town::Call(placed.tokens[c],
                                   [&](grpc::ClientContext* ctx) {
                                     return api.orders().PlaceOrder(ctx, req, &resp);
                                   }),
                        "PlaceOrder");
            placed.orders[c].push_back(resp.order().id());
          }
        }
      } catch (const std::exception& e) {
        errors[t] = e.what();
      }
    });
  }
  for (auto& t : threads)
    t.join();
  for (const std::string& e : errors) {
    if (!e.empty()) throw std::runtime_error("placing the orders to read: " + e);
  }
  return placed;
}

// GetOrder by the customer who placed it, of an order drawn from every customer's orders.
class GetOrderWorkload final : public Workload {
 public:
  GetOrderWorkload(const PlacedOrders& placed, const std::string& address,
                   const rpc::ClientTls& tls, int channels)
      : placed_(placed),
        stubs_(Stubs<order::v1::OrderService>(address, tls, channels)),
        broken_(Broken("get-order-foreign")) {}

  void Start(int, int64_t seq, Done done) override {
    auto call = std::make_shared<Call<order::v1::GetOrderRequest, order::v1::GetOrderResponse>>();
    const uint64_t h = Mix(static_cast<uint64_t>(seq));
    const size_t c = h % placed_.tokens.size();
    const std::vector<std::string>& orders = placed_.orders[c];
    const std::string& order_id = orders[(h >> 20) % orders.size()];
    // Broken on purpose: every 10th call asks for another customer's order (NOT_FOUND).
    const size_t asker = broken_ && seq % 10 == 0 ? (c + 1) % placed_.tokens.size() : c;
    town::Prepare(call->ctx, placed_.tokens[asker], kCallTimeout);
    call->req.set_order_id(order_id);
    auto* stub = stubs_[static_cast<size_t>(seq) % stubs_.size()].get();
    auto* raw = call.get();
    stub->async()->GetOrder(
        &raw->ctx, &raw->req, &raw->resp,
        Finish(std::move(call), std::move(done),
               [order_id](const order::v1::GetOrderResponse& r) -> std::string {
                 return r.order().id() == order_id && r.order().tickets_size() == 2 ? ""
                                                                                    : "WRONG_ORDER";
               }));
  }

 private:
  const PlacedOrders& placed_;
  std::vector<std::unique_ptr<order::v1::OrderService::Stub>> stubs_;
  const bool broken_;
};

// ListOrders, the first page of `page_size` of a customer (newest first); the page must be full.
class ListOrdersWorkload final : public Workload {
 public:
  ListOrdersWorkload(const PlacedOrders& placed, int page_size, const std::string& address,
                     const rpc::ClientTls& tls, int channels)
      : placed_(placed),
        page_size_(page_size),
        stubs_(Stubs<order::v1::OrderService>(address, tls, channels)),
        broken_(Broken("list-orders-short")) {}

  void Start(int, int64_t seq, Done done) override {
    auto call =
        std::make_shared<Call<order::v1::ListOrdersRequest, order::v1::ListOrdersResponse>>();
    const size_t c = Mix(static_cast<uint64_t>(seq)) % placed_.tokens.size();
    town::Prepare(call->ctx, placed_.tokens[c], kCallTimeout);
    // Broken on purpose: every 10th call asks for a page one order shorter than it checks.
    call->req.set_page_size(broken_ && seq % 10 == 0 ? page_size_ - 1 : page_size_);
    auto* stub = stubs_[static_cast<size_t>(seq) % stubs_.size()].get();
    auto* raw = call.get();
    stub->async()->ListOrders(
        &raw->ctx, &raw->req, &raw->resp,
        Finish(std::move(call), std::move(done),
               [n = page_size_](const order::v1::ListOrdersResponse& r) -> std::string {
                 return r.orders_size() == n ? "" : "SHORT_PAGE";
               }));
  }

 private:
  const PlacedOrders& placed_;
  const int page_size_;
  std::vector<std::unique_ptr<order::v1::OrderService::Stub>> stubs_;
  const bool broken_;
};

class ListProductsWorkload final : public Workload {
 public:
  ListProductsWorkload(std::string market_id, std::vector<std::string> tokens,
                       const std::string& address, const rpc::ClientTls& tls, int channels)
      : market_id_(std::move(market_id)),
        tokens_(std::move(tokens)),
        stubs_(Stubs<inv::CatalogService>(address, tls, channels)),
        broken_error_(Broken("list-error")),
        broken_short_(Broken("list-short")) {}

  void Start(int client, int64_t seq, Done done) override {
    auto call = std::make_shared<Call<inv::ListProductsRequest, inv::ListProductsResponse>>();
    town::Prepare(call->ctx, tokens_[client % tokens_.size()], kCallTimeout);
    call->req.set_market_id(market_id_);
    call->req.set_page_size(50);
    if (seq % 10 == 0) {
      if (broken_error_) call->req.set_page_token("not-a-page-token");  // INVALID_ARGUMENT
      if (broken_short_) call->req.set_page_size(49);
    }
    auto* stub = stubs_[static_cast<size_t>(seq) % stubs_.size()].get();
    auto* raw = call.get();
    stub->async()->ListProducts(&raw->ctx, &raw->req, &raw->resp,
                                Finish(std::move(call), std::move(done),
                                       [](const inv::ListProductsResponse& r) -> std::string {
                                         return r.products_size() == 50 ? "" : "SHORT_PAGE";
                                       }));
  }

 private:
  std::string market_id_;
  std::vector<std::string> tokens_;
  std::vector<std::unique_ptr<inv::CatalogService::Stub>> stubs_;
  const bool broken_error_, broken_short_;
};

class ReserveHotWorkload final : public Workload {
 public:
  ReserveHotWorkload(std::string market_id, std::string product_id, std::string token,
                     std::string tag, const std::string& address, const rpc::ClientTls& tls,
                     int channels)
      : market_id_(std::move(market_id)),
        product_id_(std::move(product_id)),
        token_(std::move(token)),
        tag_(std::move(tag)),
        stubs_(Stubs<inv::StockService>(address, tls, channels)),
        missing_product_(Broken("hot-refused") ? ids::RandomUuid() : "") {}

  void Start(int, int64_t seq, Done done) override {
    auto call = std::make_shared<Call<inv::ReserveStockRequest, inv::ReserveStockResponse>>();
    town::Prepare(call->ctx, token_, kCallTimeout);
    call->req.set_request_id(absl::StrCat(tag_, "-hot-", seq));
    call->req.set_market_id(market_id_);
    call->req.set_ttl_seconds(86400);  // nothing expires (and returns stock) during the run
    inv::ReserveLine* line = call->req.add_lines();
    // Broken on purpose: every 10th call asks for a product that does not exist.
    line->set_product_id(!missing_product_.empty() && seq % 10 == 0 ? missing_product_
                                                                    : product_id_);
    line->set_quantity(1);
    auto* stub = stubs_[static_cast<size_t>(seq) % stubs_.size()].get();
    auto* raw = call.get();
    stub->async()->ReserveStock(&raw->ctx, &raw->req, &raw->resp,
                                Finish(std::move(call), std::move(done),
                                       [](const inv::ReserveStockResponse&) { return ""; }));
  }

 private:
  std::string market_id_, product_id_, token_, tag_;
  std::vector<std::unique_ptr<inv::StockService::Stub>> stubs_;
  const std::string missing_product_;
};

// What is wrong with the calls of a run: failed calls (except those whose "CODE/REASON" key is
// `allowed`), calls that never completed, no successful call at all.
std::vector<std::string> CallProblems(const LoadResult& r, const std::string& allowed = "",
                                      const std::string& failed_label = "failed calls") {
  std::vector<std::string> problems;
  int64_t completed = r.ok_total;
  std::vector<std::string> other;
  for (const auto& [key, count] : r.failures) {
    completed += count;
    if (key != allowed) other.push_back(absl::StrCat(key, " ", count));
  }
  if (!other.empty()) problems.push_back(failed_label + ": " + absl::StrJoin(other, ", "));
  if (completed != r.issued) {
    problems.push_back(
        absl::StrCat(r.issued - completed, " of ", r.issued, " calls never completed"));
  }
  if (r.ok_total == 0) problems.push_back("no call succeeded");
  return problems;
}

// Streams of 100 fixes per message from `streams` couriers for warm-up + duration seconds.
nlohmann::json RunLocations(town::Api& api, Fixtures& fixtures, const town::Flags& flags,
                            CpuMeter& cpu) {
  const int streams = static_cast<int>(flags.Int("streams", 64));
  const double warmup = flags.Double("warmup", 2);
  const double duration = flags.Double("duration", 10);
  const int channels = static_cast<int>(flags.Int("channels", 4));
  const std::vector<std::string> couriers = fixtures.CreateCouriers(ids::RandomUuid(), streams);
  auto stubs =
      Stubs<dispatch::v1::CourierService>(api.endpoints().dispatch, api.endpoints().tls, channels);

  // Fixes of a courier are 1 ms apart (they must be strictly newer) and start 55 s in the past,
  // so that they stay inside dispatch's accepted window (by default 60 s back, 60 s ahead): a
  // courier can send at most about 115,000 + 1,000/s fixes. Each stream is paced to that budget
  // over the run; when the server keeps up with every stream's budget, the figure is a lower
  // bound ("generator_bound"): add streams to measure more.
  const double run_seconds = warmup + duration;
  const double per_stream_cap = (110'000.0 + 1000.0 * run_seconds) / run_seconds;
  const auto wall_ms = [] {
    return std::chrono::duration_cast<std::chrono::milliseconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
  };
  const int64_t first_fix_ms = wall_ms() - 55'000;
  const Clock::time_point begin = Clock::now();
  const auto secs = [](double s) {
    return std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(s));
  };
  const Clock::time_point measure_from = begin + secs(warmup);
  const Clock::time_point stop_at = measure_from + secs(duration);
  std::vector<int64_t> sent(streams), sent_at_start(streams), accepted(streams), rejected(streams);
  std::vector<std::string> errors(streams);
  std::atomic<int> exhausted{0};
  const bool broken = Broken("locations-rejected");
  std::thread meter([&] {
    std::this_thread::sleep_until(measure_from);
    cpu.Start();
  });
  std::vector<std::thread> threads;
  for (int s = 0; s < streams; ++s) {
    threads.emplace_back([&, s] {
      grpc::ClientContext ctx;
      town::Prepare(ctx, api.Token(auth::Role::kCourier, couriers[s]),
                    absl::Seconds(warmup + duration + 60));
      dispatch::v1::ReportLocationsResponse resp;
      auto writer = stubs[s % stubs.size()]->ReportLocations(&ctx, &resp);
      dispatch::v1::ReportLocationsRequest msg;
      for (int i = 0; i < 100; ++i)
        msg.add_fixes();
      const double base_lat = kMarketLocation.lat + 0.001 * (s % 20);
      const double base_lng = kMarketLocation.lng + 0.001 * (s / 20);
      int64_t n = 0;
      bool measuring = false;
      while (true) {
        const Clock::time_point now = Clock::now();
        if (now >= stop_at) break;
        if (first_fix_ms + n + 100 > wall_ms() + 55'000) {
          exhausted.fetch_add(1);
          break;
        }
        const double allowed = per_stream_cap * std::chrono::duration<double>(now - begin).count();
        if (static_cast<double>(n) > allowed) {
          std::this_thread::sleep_for(std::chrono::microseconds(200));
          continue;
        }
        if (!measuring && now >= measure_from) {
          measuring = true;
          sent_at_start[s] = n;
        }
        for (auto& fix : *msg.mutable_fixes()) {
          // A courier standing at a stall, with a few metres of GPS jitter (at most 11 m).
          fix.mutable_location()->set_lat(base_lat + 1e-6 * static_cast<double>(n % 97));
          fix.mutable_location()->set_lng(base_lng + 1e-6 * static_cast<double>(n % 89));
          *fix.mutable_recorded_at() =
              google::protobuf::util::TimeUtil::MillisecondsToTimestamp(first_fix_ms + n);
          fix.set_accuracy_meters(5);
          fix.set_speed_meters_per_second(1);
          ++n;
        }
        // Broken on purpose: every 10th message starts with a fix the server must reject.
        if (broken && (n / 100) % 10 == 1) msg.mutable_fixes(0)->set_accuracy_meters(-1);
        if (!writer->Write(msg)) break;
        sent[s] = n;
      }
      if (!measuring) sent_at_start[s] = n;
      writer->WritesDone();
      const grpc::Status status = writer->Finish();
      if (!status.ok()) errors[s] = CodeName(status.error_code()) + ": " + status.error_message();
      accepted[s] = resp.accepted();
      rejected[s] = resp.rejected();
    });
  }
  std::this_thread::sleep_until(stop_at);
  meter.join();
  const auto cpu_used = cpu.Stop();
  for (auto& t : threads)
    t.join();

  int64_t in_window = 0, total_sent = 0, total_accepted = 0, total_rejected = 0;
  nlohmann::json stream_errors = nlohmann::json::array();
  for (int s = 0; s < streams; ++s) {
    in_window += sent[s] - sent_at_start[s];
    total_sent += sent[s];
    total_accepted += accepted[s];
    total_rejected += rejected[s];
    if (!errors[s].empty()) stream_errors.push_back(errors[s]);
  }
  nlohmann::json cpu_per_1000 = nlohmann::json::object();
  for (const auto& [name, seconds] : cpu_used) {
    if (in_window > 0) cpu_per_1000[name] = seconds * 1000.0 / static_cast<double>(in_window);
  }
  std::vector<std::string> problems;
  if (!stream_errors.empty()) {
    problems.push_back(absl::StrCat(stream_errors.size(), " streams failed, e.g. ",
                                    stream_errors[0].get<std::string>()));
  }
  if (total_rejected != 0) problems.push_back(absl::StrCat("rejected fixes: ", total_rejected));
  if (total_accepted != total_sent) {
    problems.push_back(absl::StrCat("fixes sent ", total_sent, ", accepted ", total_accepted,
                                    ", rejected ", total_rejected));
  }
  if (total_sent == 0) problems.push_back("no fix sent");
  return {{"streams", streams},
          {"fixes_per_message", 100},
          {"measured_seconds", duration},
          {"updates_in_window", in_window},
          {"updates_per_s", static_cast<double>(in_window) / duration},
          {"sent", total_sent},
          {"accepted", total_accepted},
          {"rejected", total_rejected},
          {"stream_errors", stream_errors},
          {"streams_exhausted", exhausted.load()},
          {"generator_cap_per_s", per_stream_cap * streams},
          {"generator_bound",
           static_cast<double>(in_window) / duration >= 0.95 * per_stream_cap * streams},
          {"server_cpu_seconds", cpu_used},
          {"server_cpu_seconds_per_1000", cpu_per_1000},
          {"problems", problems}};
}

LoadOptions OptionsFrom(const town::Flags& flags) {
  LoadOptions o;
  const std::string mode = flags.Str("mode", "closed");
  if (mode != "closed" && mode != "open") throw std::invalid_argument("--mode: closed or open");
  o.mode = mode == "open" ? LoadOptions::Mode::kOpen : LoadOptions::Mode::kClosed;
  o.clients = static_cast<int>(flags.Int("clients", 16));
  o.rate = flags.Double("rate", 100);
  o.duration_seconds = flags.Double("duration", 10);
  o.warmup_seconds = flags.Double("warmup", 2);
  return o;
}

nlohmann::json Describe(const LoadOptions& o) {
  return {{"mode", o.mode == LoadOptions::Mode::kOpen ? "open" : "closed"},
          {"clients", o.clients},
          {"rate", o.mode == LoadOptions::Mode::kOpen ? nlohmann::json(o.rate) : nlohmann::json()},
          {"duration_s", o.duration_seconds},
          {"warmup_s", o.warmup_seconds}};
}

int Main(int argc, char** argv) {
  const town::Flags flags(argc, argv);
  flags.AllowOnly({"mode", "clients", "rate", "duration", "warmup", "attempts", "stock", "streams",
                   "channels", "pids", "inventory", "order", "dispatch", "tls-ca-file",
                   "tls-server-name", "customers", "orders-per-customer", "page-size"});
  if (flags.positional().size() != 1) {
    throw std::invalid_argument(
        "usage: pasar-load place-order|list-products|get-order|list-orders|reserve-hot|locations "
        "[options]");
  }
  const std::string scenario = flags.positional()[0];
  const town::Endpoints endpoints = town::EndpointsFromEnv(flags);
  town::Api api(endpoints, auth::JwtConfigFromEnv());
  const std::string tag = absl::StrCat(
      "bench-", std::chrono::system_clock::now().time_since_epoch().count() % 1000000000, "-",
      std::random_device{}() % 100000);
  Fixtures fixtures(api, tag);
  CpuMeter cpu(ParsePids(flags.Str("pids", "")));
  const int channels = static_cast<int>(flags.Int("channels", 4));

  nlohmann::json out{{"scenario", scenario}};
  std::vector<std::string> problems;
  if (scenario == "place-order") {
    const LoadOptions options = OptionsFrom(flags);
    std::cerr << "pasar-load: setting up a market with 10 stalls of 20 products\n";
    const Shop shop = fixtures.CreateShop(std::vector<int>(10, 20), 1'000'000'000);
    PlaceOrderWorkload work(shop, CustomerTokens(api, tag, std::max(options.clients, 64)), tag,
                            endpoints.order, endpoints.tls, channels);
    const LoadResult r = RunLoad(work, options, cpu);
    out.update(Describe(options));
    out.update(r.ToJson());
    problems = CallProblems(r);
  } else if (scenario == "list-products") {
    const LoadOptions options = OptionsFrom(flags);
    std::cerr << "pasar-load: setting up a market with 120 products\n";
    const Shop shop = fixtures.CreateShop({60, 60}, 1000);
    ListProductsWorkload work(shop.market_id, CustomerTokens(api, tag, 64), endpoints.inventory,
                              endpoints.tls, channels);
    const LoadResult r = RunLoad(work, options, cpu);
    out.update(Describe(options));
    out.update(r.ToJson());
    problems = CallProblems(r);  // a short page is a failure (INTERNAL/SHORT_PAGE)
  } else if (scenario == "get-order" || scenario == "list-orders") {
    const LoadOptions options = OptionsFrom(flags);
    const int customers = static_cast<int>(flags.Int("customers", 64));
    const int per_customer = static_cast<int>(flags.Int("orders-per-customer", 25));
    const int page_size = static_cast<int>(flags.Int("page-size", 20));
    if (customers < 2) throw std::invalid_argument("--customers: at least 2");
    if (page_size < 2 || page_size > 100) throw std::invalid_argument("--page-size: 2..100");
    if (per_customer < page_size) {
      throw std::invalid_argument("--orders-per-customer: at least --page-size (full pages)");
    }
    std::cerr << "pasar-load: setting up a market with 10 stalls of 20 products and "
              << customers * per_customer << " orders of " << customers << " customers\n";
    const Shop shop = fixtures.CreateShop(std::vector<int>(10, 20), 1'000'000'000);
    const PlacedOrders placed = PlaceOrdersToRead(api, shop, tag, customers, per_customer);
    LoadResult r;
    if (scenario == "get-order") {
      GetOrderWorkload work(placed, endpoints.order, endpoints.tls, channels);
      r = RunLoad(work, options, cpu);
    } else {
      ListOrdersWorkload work(placed, page_size, endpoints.order, endpoints.tls, channels);
      r = RunLoad(work, options, cpu);
      out["page_size"] = page_size;
    }
    out.update(Describe(options));
    out.update(r.ToJson());
    out["customers"] = customers;
    out["orders_per_customer"] = per_customer;
    problems = CallProblems(r);  // a wrong order or a short page is a failure (INTERNAL/...)
  } else if (scenario == "reserve-hot") {
    LoadOptions options = OptionsFrom(flags);
    options.mode = LoadOptions::Mode::kClosed;
    options.clients = static_cast<int>(flags.Int("clients", 32));
    options.max_calls = flags.Int("attempts", 100000);
    const int64_t initial = flags.Int("stock", options.max_calls / 2);
    if (initial < 1 || 2 * initial > options.max_calls) {
      throw std::invalid_argument("--stock: 1 to half of --attempts (the stock must sell out)");
    }
    // Broken on purpose: the product holds other than the `initial` units the checks expect.
    const int64_t created = Broken("hot-oversold")    ? initial + initial / 10
                            : Broken("hot-undersold") ? initial - initial / 10
                                                      : initial;
    std::cerr << "pasar-load: setting up one hot product with " << created << " units\n";
    const Shop shop = fixtures.CreateShop({1}, created);
    const std::string product = shop.stalls[0].product_ids[0];
    ReserveHotWorkload work(shop.market_id, product, api.Token(auth::Role::kService, "order"), tag,
                            endpoints.inventory, endpoints.tls, channels);
    const LoadResult r = RunLoad(work, options, cpu);
    const inv::Product after = fixtures.GetProduct(product);
    // Every successful reservation holds one unit; with twice the stock in attempts, and every
    // refusal for want of stock, the stock sells out exactly.
    const int64_t sold = r.ok_total;
    const bool consistent = after.stock() + after.reserved() == initial && after.reserved() == sold;
    problems = CallProblems(r, "FAILED_PRECONDITION/INSUFFICIENT_STOCK",
                            "refusals other than INSUFFICIENT_STOCK");
    if (sold > initial) {
      problems.push_back(absl::StrCat("oversold: ", sold, " units reserved of ", initial));
    } else if (sold < initial) {
      problems.push_back(absl::StrCat("sold ", sold, " of ", initial,
                                      " units: with twice the stock in attempts it must sell out"));
    }
    if (!consistent) {
      problems.push_back(absl::StrCat("inventory shows stock ", after.stock(), " + reserved ",
                                      after.reserved(), " (expected ", initial - sold, " + ", sold,
                                      " of an initial ", initial, ")"));
    }
    out.update(Describe(options));
    out.update(r.ToJson());
    out["attempts"] = options.max_calls;
    out["hot"] = {{"initial_stock", initial},
                  {"reserved_ok", sold},
                  {"stock_after", after.stock()},
                  {"reserved_after", after.reserved()},
                  {"oversold", std::max<int64_t>(0, sold - initial)},
                  {"sold_out_exactly", sold == initial},
                  {"stock_plus_sold_equals_initial", after.stock() + sold == initial},
                  {"consistent", consistent}};
  } else if (scenario == "locations") {
    out.update(RunLocations(api, fixtures, flags, cpu));
    problems = out["problems"].get<std::vector<std::string>>();
  } else {
    throw std::invalid_argument("unknown scenario " + scenario);
  }
  out["problems"] = problems;
  out["check_ok"] = problems.empty();
  std::cout << out.dump() << std::endl;
  for (const std::string& p : problems)
    std::cerr << "pasar-load: " << scenario << ": check failed: " << p << "\n";
  return problems.empty() ? 0 : 1;
}

}  // namespace
}  // namespace pasar::bench

int main(int argc, char** argv) {
  try {
    return pasar::bench::Main(argc, argv);
  } catch (const std::exception& e) {
    std::cerr << "pasar-load: " << e.what() << std::endl;
    return 1;
  }
}
