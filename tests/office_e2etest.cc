// The office's side against the real binaries (README, "Reporting", "HTTP and JSON", "The web
// console"): a short seeded day as the reporting service, the order and inventory services, a
// replay of the streams and the web console in headless Chromium see it; HTTP/JSON for every
// public RPC; a stall paused after N tickets in a row expired.
#include <catch2/catch.hpp>

#include <cstdio>
#include <fstream>
#include <map>
#include <set>
#include <string>
#include <vector>

#include <google/protobuf/descriptor.h>
#include <google/protobuf/util/json_util.h>
#include <grpcpp/create_channel.h>
#include <grpcpp/security/credentials.h>
#include <httplib.h>

#include <nlohmann/json.hpp>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "pasar/auth/auth.h"
#include "pasar/dispatch/v1/dispatch.pb.h"
#include "pasar/ids/ids.h"
#include "pasar/order/v1/programme.pb.h"
#include "pasar/pg/pg.h"
#include "pasar/redis/redis.h"
#include "pasar/reporting/v1/reporting.grpc.pb.h"
#include "pasar/testkit/call.h"
#include "pasar/testkit/eventually.h"
#include "pasar/testkit/testkit.h"
#include "pasar/town/api.h"
#include "pasar/town/seed.h"
#include "pasar/town/town.h"
#include "sim.h"

namespace {

namespace auth = pasar::auth;
namespace inv = pasar::inventory::v1;
namespace ord = pasar::order::v1;
namespace rep = pasar::reporting::v1;
namespace testkit = pasar::testkit;
namespace town = pasar::town;
using Json = nlohmann::json;
using auth::Role;
using testkit::Ctx;

constexpr char kSecret[] = "office-e2e-secret-0123456789";
using Env = std::map<std::string, std::string>;

absl::TimeZone Jakarta() {
  absl::TimeZone z;
  REQUIRE(absl::LoadTimeZone("Asia/Jakarta", &z));
  return z;
}

std::string LocalDate(absl::Time t) {
  const absl::CivilDay d = absl::ToCivilDay(t, Jakarta());
  char buffer[16];
  std::snprintf(buffer, sizeof buffer, "%04d-%02d-%02d", static_cast<int>(d.year()), d.month(),
                d.day());
  return buffer;
}

int64_t HalfUp(__int128 a, __int128 b) {
  return static_cast<int64_t>((2 * a + b) / (2 * b));
}

// The five processes on a fresh database and Redis prefix of their own.
struct Stack {
  testkit::TempDatabase db;
  std::string prefix = testkit::UniqueRedisPrefix();
  Env env;
  std::unique_ptr<testkit::ServiceProcess> inventory, order, dispatch, reporting, gateway;

  // `extra` is added to every service's environment.
  explicit Stack(const Env& extra = {}, const Env& order_extra = {}) {
    env = testkit::ServiceEnv(db, prefix, kSecret, extra);
    inventory = Start("pasar-inventory", env);
    Env o = env;
    o["PASAR_INVENTORY_ADDR"] = inventory->address();
    o["PASAR_RESERVE_DEADLINE_MS"] = "20000";  // a loaded machine is not a refusal
    for (const auto& [k, v] : order_extra)
      o[k] = v;
    order = Start("pasar-order", o);
    dispatch = Start("pasar-dispatch", env);
    Env r = env;
    r["PASAR_REPORTING_REGENCY"] = "Kabupaten Lumajang";
    reporting = Start("pasar-reporting", r);
    Env g = env;
    g["PASAR_INVENTORY_ADDR"] = inventory->address();
    g["PASAR_ORDER_ADDR"] = order->address();
    g["PASAR_DISPATCH_ADDR"] = dispatch->address();
    g["PASAR_REPORTING_ADDR"] = reporting->address();
    gateway = Start("pasar-gateway", g);
  }

  static std::unique_ptr<testkit::ServiceProcess> Start(const std::string& binary, const Env& e) {
    return std::make_unique<testkit::ServiceProcess>(testkit::BinaryPath(binary), e);
  }

  town::Endpoints endpoints() const {
    return {inventory->address(), order->address(), dispatch->address()};
  }
  auth::JwtConfig jwt() const {
    auth::JwtConfig c;
    c.secret = kSecret;
    return c;
  }
};

std::unique_ptr<rep::ReportingService::Stub> Reporting(const std::string& address) {
  return rep::ReportingService::NewStub(
      grpc::CreateChannel(address, grpc::InsecureChannelCredentials()));
}

// What the reports say about [from, to], as bytes without the as_of times: the day and month
// figures at every level, the staple prices and the export.
std::string Figures(rep::ReportingService::Stub& stub, const std::string& token,
                    const std::string& from, const std::string& to) {
  std::string out;
  for (rep::ReportLevel level :
       {rep::REPORT_LEVEL_MARKET, rep::REPORT_LEVEL_KECAMATAN, rep::REPORT_LEVEL_REGENCY}) {
    for (rep::ReportPeriod period : {rep::REPORT_PERIOD_DAY, rep::REPORT_PERIOD_MONTH}) {
      rep::GetReportRequest req;
      req.set_level(level);
      req.set_period(period);
      req.set_from_date(from);
      req.set_to_date(to);
      rep::GetReportResponse resp;
      const grpc::Status s = stub.GetReport(Ctx(token).get(), req, &resp);
      if (!s.ok()) return "error: " + s.error_message();
      resp.clear_as_of();
      out += resp.SerializeAsString();
    }
  }
  rep::GetStaplePricesRequest p;
  p.set_from_date(from);
  p.set_to_date(to);
  rep::GetStaplePricesResponse prices;
  if (!stub.GetStaplePrices(Ctx(token).get(), p, &prices).ok()) return "error: prices";
  prices.clear_as_of();
  out += prices.SerializeAsString();
  rep::GetPriceExportRequest e;
  e.set_from_date(from);
  e.set_to_date(to);
  rep::GetPriceExportResponse csv;
  if (!stub.GetPriceExport(Ctx(token).get(), e, &csv).ok()) return "error: export";
  return out + csv.csv();
}

rep::Figures RegencyTotal(rep::ReportingService::Stub& stub, const std::string& token,
                          const std::string& from, const std::string& to) {
  rep::GetReportRequest req;
  req.set_level(rep::REPORT_LEVEL_REGENCY);
  req.set_period(rep::REPORT_PERIOD_DAY);
  req.set_from_date(from);
  req.set_to_date(to);
  rep::GetReportResponse resp;
  const grpc::Status s = stub.GetReport(Ctx(token).get(), req, &resp);
  if (!s.ok()) FAIL("GetReport: " << s.error_message());
  return resp.total();
}

// The demo town with, per market, its first three stalls that sell staples (and three couriers).
town::Town StapleTown() {
  const town::Town all = town::LoadTown(PASAR_TOWN_FILE);
  town::Town t = town::Subset(all, 0, 3);
  for (const town::Market& m : all.markets) {
    int taken = 0;
    for (const town::Stall& s : all.stalls) {
      if (s.market != m.id || taken >= 3) continue;
      bool staples = false;
      for (const town::Product& p : all.products) {
        staples = staples || (p.stall == s.id && !p.commodity.empty());
      }
      if (!staples) continue;
      ++taken;
      t.stalls.push_back(s);
      for (const town::Product& p : all.products) {
        if (p.stall == s.id) t.products.push_back(p);
      }
    }
  }
  return t;
}

std::vector<ord::Order> AllOrders(town::Api& api, const std::string& op) {
  std::vector<ord::Order> out;
  std::string page;
  do {
    ord::ListOrdersRequest req;
    req.set_page_size(100);
    req.set_page_token(page);
    ord::ListOrdersResponse resp;
    REQUIRE(api.orders().ListOrders(Ctx(op).get(), req, &resp).ok());
    out.insert(out.end(), resp.orders().begin(), resp.orders().end());
    page = resp.next_page_token();
  } while (!page.empty());
  return out;
}

std::string ReasonSlug(int reason) {
  return absl::AsciiStrToLower(
      ord::CancelReason_Name(static_cast<ord::CancelReason>(reason)).substr(14));
}

// One row of the staple prices as the order and inventory services tell them, summed over days.
struct PriceSum {
  int64_t sales = 0, min = 0, max = 0;
  std::vector<int64_t> paid;
};

}  // namespace

TEST_CASE(
    "a short seeded day: reporting agrees with the simulator, the order and inventory "
    "services and a replay of the streams, and the web console shows the same") {
  Stack stack;
  pasar::sim::SimConfig c;
  c.endpoints = stack.endpoints();
  c.jwt = stack.jwt();
  c.town = StapleTown();
  c.seed = 19;
  c.minutes = 0.3;  // 18 s of arrivals
  c.speedup = 60;
  c.orders_per_minute = 50;
  c.cancel_probability = 0.1;
  c.reject_ticket_probability = 0.08;
  c.silent_ticket_probability = 0.15;  // tickets left to expire: stalls to watch
  c.adjust_weighed_probability = 0.7;  // prices paid after weighing differ from the listed ones
  c.absent_probability = 0.2;          // failed deliveries, their goods taken back
  c.trader_response_timeout_seconds = 30;
  c.dispatch_timeout_seconds = 60;
  c.drain_timeout = absl::Seconds(100);
  c.progress = false;
  c.run_id = "office";
  const absl::Time start = absl::Now();
  const pasar::sim::SimReport r = pasar::sim::RunSimulation(c);
  INFO(pasar::sim::ReportJson(r));
  REQUIRE(r.drained);
  REQUIRE(r.all_terminal);
  REQUIRE(r.placed >= 5);
  REQUIRE(r.exceptions.failed >= 1);
  const std::string from = LocalDate(start), to = LocalDate(absl::Now());

  town::Api api(stack.endpoints(), stack.jwt());
  const std::string op = api.Token(Role::kOperator, "office-e2e");
  const std::string official = api.Token(Role::kOfficial, "regency-trade-office");
  auto live = Reporting(stack.reporting->address());

  // 1. Every order of the day reached the reports, counted as the simulator counted them.
  int64_t sim_cancelled = 0;
  for (const auto& [reason, n] : r.cancelled)
    sim_cancelled += n;
  rep::Figures total;
  REQUIRE(testkit::Eventually(
      [&] {
        total = RegencyTotal(*live, official, from, to);
        return total.orders_placed() == r.placed && total.orders_delivered() == r.delivered &&
               total.orders_cancelled() == sim_cancelled &&
               total.orders_delivery_failed() == r.exceptions.failed &&
               total.orders_returned() == r.exceptions.returned;
      },
      std::chrono::seconds(60)));
  std::map<std::string, int64_t> by_reason;
  for (const rep::CancelCount& cc : total.cancelled_by_reason()) {
    by_reason[ReasonSlug(cc.reason())] = cc.count();
  }
  CHECK(by_reason == r.cancelled);

  // 2. The same figures from the order service's own orders, and prices from its final lines
  // with the products' commodities from inventory.
  const std::vector<ord::Order> orders = AllOrders(api, op);
  CHECK(static_cast<int64_t>(orders.size()) == total.orders_placed());
  int64_t delivered = 0, fees = 0, paid = 0, failed = 0, returned = 0;
  std::map<std::string, int64_t> reasons;
  std::map<std::pair<std::string, int>, PriceSum> sums;
  std::map<std::string, inv::Product> products;
  for (const ord::Order& o : orders) {
    if (o.status() == ord::ORDER_STATUS_DELIVERED) {
      ++delivered;
      fees += o.delivery_fee_idr();
    }
    if (o.status() == ord::ORDER_STATUS_CANCELLED) ++reasons[ReasonSlug(o.cancel_reason())];
    if (o.status() == ord::ORDER_STATUS_DELIVERY_FAILED) ++failed;
    if (o.status() == ord::ORDER_STATUS_RETURNED) ++failed, ++returned;
    for (const ord::Ticket& t : o.tickets()) {
      if (!t.has_picked_up_at()) continue;
      paid += t.total_idr();
      for (const ord::TicketLine& l : t.lines()) {
        if (l.status() != ord::LINE_STATUS_ACCEPTED || l.final_quantity() <= 0) continue;
        if (!products.count(l.product_id())) {
          inv::GetProductRequest req;
          req.set_product_id(l.product_id());
          inv::GetProductResponse resp;
          REQUIRE(api.catalog().GetProduct(Ctx(op).get(), req, &resp).ok());
          products[l.product_id()] = resp.product();
        }
        const inv::Product& p = products[l.product_id()];
        if (p.commodity() == 0) continue;
        PriceSum& s = sums[{o.market_id(), p.commodity()}];
        const int64_t per_unit =
            HalfUp(static_cast<__int128>(l.line_total_idr()) * 1000,
                   static_cast<__int128>(l.final_quantity()) * p.standard_unit_milli());
        s.min = s.sales == 0 ? per_unit : std::min(s.min, per_unit);
        s.max = s.sales == 0 ? per_unit : std::max(s.max, per_unit);
        ++s.sales;
        s.paid.push_back(per_unit);
      }
    }
  }
  CHECK(total.orders_delivered() == delivered);
  CHECK(total.orders_delivery_failed() == failed);
  CHECK(total.orders_returned() == returned);
  CHECK(by_reason == reasons);
  CHECK(total.delivery_fees_idr() == fees);
  CHECK(total.goods_paid_idr() == paid);
  REQUIRE_FALSE(sums.empty());  // the day sold staples

  rep::GetStaplePricesRequest pr;
  pr.set_from_date(from);
  pr.set_to_date(to);
  rep::GetStaplePricesResponse prices;
  REQUIRE(live->GetStaplePrices(Ctx(official).get(), pr, &prices).ok());
  std::map<std::pair<std::string, int>, PriceSum> reported;
  for (const rep::StaplePrice& p : prices.prices()) {
    PriceSum& s = reported[{p.market_id(), p.commodity()}];
    s.min = s.sales == 0 ? p.paid_min_idr() : std::min(s.min, p.paid_min_idr());
    s.max = s.sales == 0 ? p.paid_max_idr() : std::max(s.max, p.paid_max_idr());
    s.sales += p.sales();
    if (from == to) s.paid.push_back(p.paid_median_idr());
  }
  REQUIRE(reported.size() == sums.size());
  for (auto& [key, want] : sums) {
    INFO("market " << key.first << " commodity " << key.second);
    const PriceSum& got = reported[key];
    CHECK(got.sales == want.sales);
    CHECK(got.min == want.min);
    CHECK(got.max == want.max);
    if (from == to) {  // one day: its median is the median of every sale
      std::sort(want.paid.begin(), want.paid.end());
      const size_t n = want.paid.size();
      const int64_t median =
          n % 2 == 1 ? want.paid[n / 2]
                     : HalfUp(static_cast<__int128>(want.paid[n / 2 - 1]) + want.paid[n / 2], 2);
      CHECK(got.paid.at(0) == median);
    }
  }

  // 3. Replays: a fresh schema fed by a fresh group reads the streams' history into the same
  // figures; then the same schema forgets what it consumed and its group starts again at 0, so
  // every event is applied a second time, and still the figures do not move.
  const std::string expected = Figures(*live, official, from, to);
  REQUIRE(expected.rfind("error", 0) != 0);
  Env replay_env = stack.env;
  replay_env["PASAR_REPORTING_REGENCY"] = "Kabupaten Lumajang";  // the export names it
  replay_env["PASAR_REPORTING_SCHEMA"] = "reporting_replay";
  replay_env["PASAR_REPORTING_GROUP"] = "reporting-replay";
  {
    auto replay = Stack::Start("pasar-reporting", replay_env);
    auto stub = Reporting(replay->address());
    CHECK(testkit::Eventually([&] { return Figures(*stub, official, from, to) == expected; },
                              std::chrono::seconds(60)));
    replay->Terminate();
  }
  constexpr pasar::pg::Query kConsumed{"office_test_consumed",
                                       "SELECT count(*) FROM reporting_replay.consumed_events"};
  constexpr pasar::pg::Query kForget{"office_test_forget",
                                     "DELETE FROM reporting_replay.consumed_events"};
  pasar::pg::Pool pool({.conninfo = stack.db.conninfo()});
  const int64_t consumed = pasar::pg::Exec(pool, kConsumed).Int(0, 0);
  REQUIRE(consumed > 0);
  pasar::pg::Exec(pool, kForget);
  pasar::redis::Client redis(
      pasar::redis::ConfigFromUrl(testkit::RequireEnv("PASAR_TEST_REDIS"), stack.prefix));
  for (const char* stream : {"events.order", "events.dispatch", "events.inventory"}) {
    redis.Command({"XGROUP", "SETID", stack.prefix + stream, "reporting-replay", "0"});
  }
  {
    auto again = Stack::Start("pasar-reporting", replay_env);
    auto stub = Reporting(again->address());
    CHECK(
        testkit::Eventually([&] { return pasar::pg::Exec(pool, kConsumed).Int(0, 0) == consumed; },
                            std::chrono::seconds(60)));
    CHECK(Figures(*stub, official, from, to) == expected);
  }

  // 4. The web console, as an operator and as an official, in headless Chromium.
  rep::GetPipelineResponse pipeline;
  REQUIRE(live->GetPipeline(Ctx(op).get(), rep::GetPipelineRequest(), &pipeline).ok());
  int stalls_to_watch = 0;
  for (const rep::MarketPipeline& m : pipeline.markets())
    stalls_to_watch += m.stalls_size();
  rep::GetPriceExportRequest er;
  er.set_from_date(from);
  er.set_to_date(to);
  rep::GetPriceExportResponse exported;
  REQUIRE(live->GetPriceExport(Ctx(official).get(), er, &exported).ok());
  Json expect = {{"placed", total.orders_placed()},
                 {"delivered", total.orders_delivered()},
                 {"cancelled", total.orders_cancelled()},
                 {"cancelled_by_reason", by_reason},
                 {"goods_paid_idr", total.goods_paid_idr()},
                 {"delivery_fees_idr", total.delivery_fees_idr()},
                 {"delivery_failed", total.orders_delivery_failed()},
                 {"returned", total.orders_returned()},
                 {"active_stalls", total.active_stalls()},
                 {"active_couriers", total.active_couriers()},
                 {"markets", pipeline.markets_size()},
                 {"stalls_to_watch", stalls_to_watch},
                 {"export_csv", exported.csv()},
                 {"prices", Json::array()}};
  for (const rep::StaplePrice& p : prices.prices()) {
    expect["prices"].push_back({{"date", p.date()},
                                {"market", p.market_id()},
                                {"commodity", pasar::common::v1::Commodity_Name(p.commodity())},
                                {"paid_min", p.paid_min_idr()},
                                {"paid_median", p.paid_median_idr()},
                                {"paid_max", p.paid_max_idr()},
                                {"sales", p.sales()}});
  }
  auth::JwtConfig other;
  other.secret = "not-the-town-secret-0123456789";
  const char* screenshots = std::getenv("PASAR_CONSOLE_SCREENSHOTS");
  const Json settings = {
      {"url", "http://" + stack.gateway->address() + "/"},
      {"from", from},
      {"to", to},
      {"chromium", "/usr/bin/chromium"},
      {"screenshots", screenshots != nullptr ? screenshots : ""},
      {"tokens",
       {{"operator", op},
        {"official", official},
        {"expired",
         auth::Mint(stack.jwt(), {"late-official", Role::kOfficial, {}}, absl::Minutes(-10))},
        {"refused", auth::Mint(other, {"intruder", Role::kOperator, {}})}}},
      {"expected", expect}};
  const std::string settings_path =
      testkit::RequireEnv("PASAR_TEST_LOG_DIR") + "/console-" + stack.prefix.substr(1, 8) + ".json";
  std::ofstream(settings_path) << settings.dump();
  const std::string out_path = settings_path + ".out";
  const std::string command = "cd '" PASAR_CONSOLE_TEST_DIR "' && node console_test.mjs '" +
                              settings_path + "' >'" + out_path + "' 2>&1";
  const int status = std::system(command.c_str());
  std::ifstream in(out_path);
  const std::string output((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  INFO("console test output:\n" << output);
  CHECK(status == 0);
  // The stall the operator paused from the console is paused in inventory.
  if (stalls_to_watch > 0 && status == 0) {
    const Json seen = Json::parse(output.substr(output.rfind("{\"seen\"")))["seen"];
    inv::GetStallRequest req;
    req.set_stall_id(seen.value("paused_stall", ""));
    inv::GetStallResponse resp;
    REQUIRE(api.catalog().GetStall(Ctx(op).get(), req, &resp).ok());
    CHECK(resp.stall().pause() == inv::STALL_PAUSE_OFFICE);
    CHECK_FALSE(resp.stall().open());
  }
}

namespace {

// A town of one stall per market with a few products, and one courier per market.
struct SmallTown {
  town::Town town = town::Subset(town::LoadTown(PASAR_TOWN_FILE), 1, 1);
  town::Seeded seeded;

  SmallTown(town::Api& api, int trader_timeout = 0) {
    town::SeedOptions options;
    options.trader_response_timeout_seconds = trader_timeout;
    options.parallelism = 2;
    seeded = town::SeedTown(api, town, options);
  }
  const town::Market& market() const { return town.markets.at(0); }
  std::string market_id() const { return seeded.id(market().id); }
  const town::Stall& stall() const {
    for (const town::Stall& s : town.stalls) {
      if (s.market == market().id) return s;
    }
    throw std::logic_error("no stall");
  }
  std::string stall_id() const { return seeded.id(stall().id); }
  std::string product_id() const {
    for (const town::Product& p : town.products) {
      if (p.stall == stall().id) return seeded.id(p.id);
    }
    throw std::logic_error("no product");
  }
};

// Places an order of one unit of the market's first product for `customer` (a token).
ord::Order Place(town::Api& api, const SmallTown& t, const std::string& customer,
                 const std::string& request_id) {
  ord::PlaceOrderRequest req;
  req.set_request_id(request_id);
  req.set_market_id(t.market_id());
  ord::CartLine* line = req.add_lines();
  line->set_product_id(t.product_id());
  line->set_quantity(1);
  req.mutable_drop_off()->set_lat(t.market().location.lat + 0.004);
  req.mutable_drop_off()->set_lng(t.market().location.lng);
  req.set_drop_off_address("Jl. Test 1");
  ord::PlaceOrderResponse resp;
  const grpc::Status s = api.orders().PlaceOrder(Ctx(customer).get(), req, &resp);
  INFO(s.error_message());
  REQUIRE(s.ok());
  return resp.order();
}

// The token a call of `method` is made with: the role its service serves.
std::string TokenFor(town::Api& api, const google::protobuf::MethodDescriptor* m,
                     const std::string& stall_id) {
  const std::string service = m->service()->name();
  if (service == "CatalogService" || service == "OrderService" ||
      (service == "ProgrammeService" && m->name() == "LinkResident")) {
    return api.Token(Role::kCustomer, "http-customer");
  }
  if (service == "StallService" || service == "TicketService") {
    return api.Token({"http-trader", Role::kTrader, {stall_id}});
  }
  if (service == "StockService") return api.Token(Role::kService, "order");
  if (service == "CourierService") return api.Token(Role::kCourier, "http-courier");
  if (service == "ReportingService" && m->name() != "SetReferencePrice") {
    return api.Token(Role::kOfficial, "http-official");
  }
  return api.Token(Role::kOperator, "http-operator");
}

// Posts `body` to a server-streaming method and reads its answer up to the end of its first line
// (a stream may go on); returns the HTTP status (0 when no answer came).
int PostStream(httplib::Client& http, const std::string& path, const std::string& token,
               const std::string& body, std::string* out) {
  httplib::Request req;
  req.method = "POST";
  req.path = path;
  req.set_header("Authorization", "Bearer " + token);
  req.set_header("Content-Type", "application/json");
  req.body = body;
  int status = 0;
  req.response_handler = [&](const httplib::Response& r) {
    status = r.status;
    return true;
  };
  req.content_receiver = [&](const char* data, size_t n, uint64_t, uint64_t) {
    out->append(data, n);
    return out->find('\n') == std::string::npos;
  };
  httplib::Response res;
  httplib::Error error = httplib::Error::Success;
  http.send(req, res, error);
  return status;
}

Json Body(const httplib::Result& r) {
  return r ? Json::parse(r->body, nullptr, false) : Json();
}

}  // namespace

TEST_CASE(
    "HTTP/JSON: every public RPC is reachable, bad input is 400 naming the field, a "
    "foreign object 404 as over gRPC, and the per-principal limits apply") {
  Stack stack(Env{{"PASAR_RATE_LIMIT_PER_SECOND", "20"}});
  town::Api api(stack.endpoints(), stack.jwt());
  SmallTown t(api);
  httplib::Client http("http://" + stack.gateway->address());
  http.set_read_timeout(30, 0);
  auto post = [&](const std::string& method, const std::string& body, const std::string& token) {
    return http.Post("/api/" + method, {{"Authorization", "Bearer " + token}}, body,
                     "application/json");
  };

  // Every method of the four contracts is listed, and each answers with its service's own
  // verdict: never "unknown method", never a refused token or role.
  std::set<std::string> want;
  for (const google::protobuf::FileDescriptor* file :
       {inv::Market::descriptor()->file(), ord::Order::descriptor()->file(),
        ord::Programme::descriptor()->file(), pasar::dispatch::v1::Job::descriptor()->file(),
        rep::ReportRow::descriptor()->file()}) {
    for (int s = 0; s < file->service_count(); ++s) {
      for (int m = 0; m < file->service(s)->method_count(); ++m) {
        want.insert("/api/" + file->service(s)->full_name() + "/" +
                    file->service(s)->method(m)->name());
      }
    }
  }
  const auto listed = http.Get("/api/");
  REQUIRE(listed);
  std::set<std::string> got;
  const Json listing = Json::parse(listed->body);
  for (const Json& m : listing["methods"])
    got.insert(m["path"]);
  CHECK(got == want);
  const auto* pool = google::protobuf::DescriptorPool::generated_pool();
  for (const std::string& path : want) {
    const std::string name = path.substr(5);
    std::string full = name;
    full[full.find('/')] = '.';
    const google::protobuf::MethodDescriptor* m = pool->FindMethodByName(full);
    REQUIRE(m != nullptr);
    INFO(path);
    int status = 0;
    std::string body;
    if (m->server_streaming()) {
      // The first chunk is enough: a stream may go on.
      status = PostStream(http, path, TokenFor(api, m, t.stall_id()), "{}", &body);
    } else {
      const auto r = post(name, "", TokenFor(api, m, t.stall_id()));
      REQUIRE(r);
      status = r->status;
      body = r->body;
      CHECK(Json::parse(body, nullptr, false).is_object());
    }
    CHECK(status != 0);
    CHECK(status != 501);
    CHECK(status != 401);
    CHECK(status != 403);
  }

  const std::string customer = api.Token(Role::kCustomer, "alice");
  const std::string market_id = t.market_id();
  // Bad JSON, unknown fields (top level and nested) and bad values: 400, the field named.
  auto r = post("pasar.inventory.v1.CatalogService/GetMarket", "{not json", customer);
  CHECK(r->status == 400);
  CHECK(Body(r)["message"].get<std::string>().rfind("body: invalid JSON", 0) == 0);
  r = post("pasar.inventory.v1.CatalogService/GetMarket",
           R"({"marketId":")" + market_id + R"(","bogus":1})", customer);
  CHECK(r->status == 400);
  CHECK(Body(r)["message"] == "bogus: unknown field");
  CHECK(Body(r)["status"] == "INVALID_ARGUMENT");
  r = post("pasar.order.v1.OrderService/PlaceOrder",
           R"({"requestId":"r1","lines":[{"productId":"x","qty":1}]})", customer);
  CHECK(r->status == 400);
  CHECK(Body(r)["message"] == "lines[0].qty: unknown field");
  r = post("pasar.inventory.v1.CatalogService/GetMarket", R"({"marketId":5})", customer);
  CHECK(Body(r)["message"] == "market_id: invalid value 5 for type TYPE_STRING");
  // The service's own validation passes through unchanged.
  r = post("pasar.inventory.v1.CatalogService/GetMarket", R"({"marketId":"nope"})", customer);
  CHECK(r->status == 400);
  CHECK(Body(r)["message"] == "market_id: must be a UUID");
  // A good call answers the proto3 JSON of the response.
  r = post("pasar.inventory.v1.CatalogService/GetMarket", R"({"marketId":")" + market_id + "\"}",
           customer);
  REQUIRE(r->status == 200);
  CHECK(Body(r)["market"]["id"] == market_id);
  CHECK(Body(r)["market"]["kecamatan"] == t.market().kecamatan);

  // A foreign object is 404, with the words gRPC gives for it and for a missing one.
  const ord::Order order = Place(api, t, customer, "alice-1");
  const std::string bob = api.Token(Role::kCustomer, "bob");
  ord::GetOrderRequest g;
  g.set_order_id(order.id());
  ord::GetOrderResponse ignored;
  auto ctx = Ctx(bob);
  const grpc::Status foreign = api.orders().GetOrder(ctx.get(), g, &ignored);
  REQUIRE(foreign.error_code() == grpc::StatusCode::NOT_FOUND);
  r = post("pasar.order.v1.OrderService/GetOrder", R"({"orderId":")" + order.id() + "\"}", bob);
  CHECK(r->status == 404);
  CHECK(Body(r)["message"] == foreign.error_message());
  r = post("pasar.order.v1.OrderService/GetOrder",
           R"({"orderId":")" + pasar::ids::RandomUuid() + "\"}", bob);
  CHECK(r->status == 404);
  CHECK(Body(r)["message"] == foreign.error_message());
  r = post("pasar.order.v1.OrderService/GetOrder", R"({"orderId":")" + order.id() + "\"}",
           customer);
  CHECK(r->status == 200);
  CHECK(Body(r)["order"]["id"] == order.id());
  // A refusal keeps its reason: a trader answering another stall's ticket, a reused key.
  r = post("pasar.order.v1.OrderService/PlaceOrder",
           R"({"requestId":"alice-1","marketId":")" + market_id + R"(","lines":[{"productId":")" +
               t.product_id() + R"(","quantity":"2"}],"dropOff":{"lat":-8.13,"lng":113.22}})",
           customer);
  CHECK(r->status == 400);
  CHECK(Body(r)["reason"] == "IDEMPOTENCY_KEY_REUSED");

  // Server streaming: newline-delimited JSON, the order as its first line.
  std::string first;
  CHECK(PostStream(http, "/api/pasar.order.v1.OrderService/WatchOrder", customer,
                   R"({"orderId":")" + order.id() + "\"}", &first) == 200);
  const Json line = Json::parse(first.substr(0, first.find('\n')), nullptr, false);
  CHECK(line["result"]["order"]["id"] == order.id());
  // A foreign stream is refused before it starts, 404 too.
  r = post("pasar.order.v1.OrderService/WatchOrder", R"({"orderId":")" + order.id() + "\"}", bob);
  CHECK(r->status == 404);

  // The per-principal rate limit of the services applies to calls through HTTP (20 a second
  // here): a burst of one principal is refused 429 RATE_LIMITED; another principal is not.
  const std::string greedy = api.Token(Role::kCustomer, "greedy");
  int limited = 0;
  for (int i = 0; i < 60; ++i) {
    const auto burst = post("pasar.inventory.v1.CatalogService/ListMarkets", "{}", greedy);
    if (burst && burst->status == 429) {
      ++limited;
      CHECK(Body(burst)["reason"] == "RATE_LIMITED");
    }
  }
  CHECK(limited > 0);
  CHECK(post("pasar.inventory.v1.CatalogService/ListMarkets", "{}", customer)->status == 200);

  // Tokens: none, refused, and a role the service does not serve.
  CHECK(http.Post("/api/pasar.reporting.v1.ReportingService/GetStaples", "{}", "application/json")
            ->status == 401);
  CHECK(post("pasar.reporting.v1.ReportingService/GetStaples", "{}", customer)->status == 403);
  CHECK(post("pasar.order.v1.OrderService/ListOrders", "{}", api.Token(Role::kOfficial, "regency"))
            ->status == 403);  // an official sees no customer's order
  // Unknown methods are UNIMPLEMENTED, 501, as gRPC answers them.
  CHECK(post("pasar.order.v1.OrderService/Nope", "{}", customer)->status == 501);

  // The console is served from the gateway, and loads nothing from elsewhere.
  const auto page = http.Get("/");
  REQUIRE(page);
  CHECK(page->status == 200);
  CHECK(page->get_header_value("Content-Security-Policy").find("default-src 'self'") !=
        std::string::npos);
  CHECK(page->body.find("app.js") != std::string::npos);
  CHECK(page->body.find("http") == std::string::npos);  // no absolute URL to anywhere
  CHECK(http.Get("/app.js")->status == 200);
}

TEST_CASE(
    "a stall that lets its market's N tickets in a row expire is paused until its trader "
    "opens it") {
  // Tickets expire after 2 s (the order service's override of the markets' response time).
  Stack stack({}, {{"PASAR_TRADER_RESPONSE_TIMEOUT_SECONDS", "2"}});
  town::Api api(stack.endpoints(), stack.jwt());
  SmallTown t(api);
  const std::string op = api.Token(Role::kOperator, "dinas");
  inv::UpdateMarketRequest um;
  um.set_request_id("auto-pause");
  um.set_market_id(t.market_id());
  um.set_auto_pause_after_expired_tickets(2);
  inv::UpdateMarketResponse umr;
  REQUIRE(api.market_admin().UpdateMarket(Ctx(op).get(), um, &umr).ok());
  auto stall = [&] {
    inv::GetStallRequest req;
    req.set_stall_id(t.stall_id());
    inv::GetStallResponse resp;
    REQUIRE(api.catalog().GetStall(Ctx(op).get(), req, &resp).ok());
    return resp.stall();
  };
  REQUIRE(stall().open());

  // One unanswered ticket: counted, still open. A second in a row: paused.
  const std::string customer = api.Token(Role::kCustomer, "late-customer");
  Place(api, t, customer, "late-1");
  REQUIRE(testkit::Eventually([&] { return stall().expired_in_a_row() == 1; },
                              std::chrono::seconds(60)));
  CHECK(stall().open());
  Place(api, t, customer, "late-2");
  REQUIRE(testkit::Eventually([&] { return !stall().open(); }, std::chrono::seconds(60)));
  CHECK(stall().pause() == inv::STALL_PAUSE_EXPIRED_TICKETS);
  CHECK(stall().expired_in_a_row() == 2);
  // Its products are unavailable: the next order is refused STALL_CLOSED.
  ord::PlaceOrderRequest req;
  req.set_request_id("late-3");
  req.set_market_id(t.market_id());
  ord::CartLine* line = req.add_lines();
  line->set_product_id(t.product_id());
  line->set_quantity(1);
  req.mutable_drop_off()->set_lat(t.market().location.lat + 0.004);
  req.mutable_drop_off()->set_lng(t.market().location.lng);
  ord::PlaceOrderResponse resp;
  auto ctx = Ctx(customer);
  CHECK_FALSE(api.orders().PlaceOrder(ctx.get(), req, &resp).ok());
  CHECK(testkit::Reason(*ctx) == "STALL_CLOSED");

  // The reporting service shows the stall paused in today's pipeline.
  auto reporting = Reporting(stack.reporting->address());
  CHECK(testkit::Eventually(
      [&] {
        rep::GetPipelineResponse p;
        if (!reporting->GetPipeline(Ctx(op).get(), rep::GetPipelineRequest(), &p).ok()) {
          return false;
        }
        for (const rep::MarketPipeline& m : p.markets()) {
          for (const rep::StallWatch& w : m.stalls()) {
            if (w.stall_id() == t.stall_id() && w.pause() == inv::STALL_PAUSE_EXPIRED_TICKETS &&
                w.expired_today() == 2) {
              return true;
            }
          }
        }
        return false;
      },
      std::chrono::seconds(30)));

  // The trader opens the stall again: the pause and the count are gone.
  inv::UpdateStallRequest open;
  open.set_request_id("reopen");
  open.set_stall_id(t.stall_id());
  open.set_open(true);
  inv::UpdateStallResponse opened;
  REQUIRE(
      api.stalls()
          .UpdateStall(Ctx(town::TraderToken(api, t.stall().trader_subject, t.stall_id())).get(),
                       open, &opened)
          .ok());
  CHECK(opened.stall().open());
  CHECK(opened.stall().pause() == inv::STALL_PAUSE_UNSPECIFIED);
  CHECK(opened.stall().expired_in_a_row() == 0);
}
