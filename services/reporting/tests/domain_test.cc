// Pure tests of the reporting domain: dates, statistics, the staples list, the figures, the
// pipeline, staple prices and their export.
#include <catch2/catch.hpp>

#include <algorithm>
#include <random>

#include "domain/calendar.h"
#include "domain/pipeline.h"
#include "domain/prices.h"
#include "domain/report.h"
#include "domain/requests.h"
#include "domain/staples.h"
#include "domain/stats.h"
#include "pasar/dispatch/v1/dispatch.pb.h"

using namespace pasar::reporting;
namespace common = pasar::common::v1;
namespace order = pasar::order::v1;

namespace {

absl::TimeZone Jakarta() {
  absl::TimeZone z;
  REQUIRE(absl::LoadTimeZone("Asia/Jakarta", &z));
  return z;
}

// 2026-12-03 hh:mm in Jakarta.
absl::Time At(int day, int hh, int mm, int ss = 0) {
  return absl::FromCivil(absl::CivilSecond(2026, 12, day, hh, mm, ss), Jakarta());
}

std::vector<MarketInfo> TwoMarkets() {
  return {{"m-baru", "Pasar Baru", "Lumajang", "Citrodiwangsan", Jakarta()},
          {"m-klakah", "Pasar Klakah", "Klakah", "Klakah", Jakarta()}};
}

// Builds an order's facts in time order, as the store returns them.
struct OrderBuilder {
  OrderRecord o;
  int n = 0;
  OrderBuilder(std::string id, std::string market, absl::Time placed, int64_t goods = 50000) {
    o.order_id = std::move(id);
    o.market_id = std::move(market);
    o.placed_at = placed;
    Add(FactKind::kPlaced, placed, [&](Fact& f) { f.amount_idr = goods; });
  }
  template <class F>
  OrderBuilder& Add(FactKind kind, absl::Time at, F&& fill) {
    Fact f;
    f.event_id = o.order_id + "-" + std::to_string(n++);
    f.kind = kind;
    f.at = at;
    fill(f);
    o.facts.push_back(f);
    std::stable_sort(o.facts.begin(), o.facts.end(), [](const Fact& a, const Fact& b) {
      return std::tie(a.at, a.event_id) < std::tie(b.at, b.event_id);
    });
    return *this;
  }
  OrderBuilder& Add(FactKind kind, absl::Time at) {
    return Add(kind, at, [](Fact&) {});
  }
  OrderBuilder& Ticket(const std::string& ticket, const std::string& stall, absl::Time decide_by) {
    o.tickets.push_back({ticket, stall, decide_by});
    return *this;
  }
  OrderBuilder& Accept(const std::string& ticket, const std::string& stall, absl::Time at) {
    return Add(FactKind::kTicketAccepted, at, [&](Fact& f) {
      f.ticket_id = ticket;
      f.stall_id = stall;
    });
  }
  OrderBuilder& Courier(const std::string& courier, absl::Time at) {
    return Add(FactKind::kAssigned, at, [&](Fact& f) { f.courier_id = courier; });
  }
  OrderBuilder& Pickup(const std::string& ticket, int64_t paid, absl::Time at, bool last = true) {
    return Add(FactKind::kPickedUp, at, [&](Fact& f) {
      f.ticket_id = ticket;
      f.amount_idr = paid;
      f.all_picked_up = last;
    });
  }
  OrderBuilder& Deliver(const std::string& courier, int64_t fee, absl::Time at) {
    return Add(FactKind::kDelivered, at, [&](Fact& f) {
      f.courier_id = courier;
      f.amount_idr = fee;
    });
  }
  OrderBuilder& Fail(const std::string& courier, int64_t fee, absl::Time at) {
    return Add(FactKind::kDeliveryFailed, at, [&](Fact& f) {
      f.courier_id = courier;
      f.amount_idr = fee;
    });
  }
  OrderBuilder& Return(const std::string& ticket, pasar::dispatch::v1::ReturnDestination to,
                       int64_t paid, absl::Time at, bool last) {
    return Add(FactKind::kReturned, at, [&](Fact& f) {
      f.ticket_id = ticket;
      f.amount_idr = paid;
      f.reason = to;
      f.all_picked_up = last;
    });
  }
  OrderBuilder& Cancel(int reason, absl::Time at) {
    return Add(FactKind::kCancelled, at, [&](Fact& f) { f.reason = reason; });
  }
  OrderBuilder& Line(const std::string& ticket, const std::string& product, int64_t qty,
                     int64_t price, int64_t final_qty, int64_t total) {
    pasar::reporting::Line l;
    l.ticket_id = ticket;
    l.product_id = product;
    l.quantity = qty;
    l.price_idr = price;
    l.decided = true;
    l.accepted = final_qty > 0;
    l.final_quantity = final_qty;
    l.line_total_idr = total;
    o.lines.push_back(l);
    return *this;
  }
};

// A day of two markets: three orders in Pasar Baru (two delivered, one cancelled by the
// customer), one in Pasar Klakah cancelled for want of a courier, one in Pasar Baru placed the
// next day.
std::vector<OrderRecord> ADay() {
  std::vector<OrderRecord> orders;
  orders.push_back(OrderBuilder("o1", "m-baru", At(3, 6, 0))
                       .Ticket("t1", "s-sayur", At(3, 6, 5))
                       .Accept("t1", "s-sayur", At(3, 6, 1))
                       .Add(FactKind::kConfirmed, At(3, 6, 1))
                       .Courier("c1", At(3, 6, 2))
                       .Pickup("t1", 40000, At(3, 6, 10))
                       .Deliver("c1", 9000, At(3, 6, 30))
                       .o);
  orders.push_back(OrderBuilder("o2", "m-baru", At(3, 7, 0))
                       .Ticket("t2", "s-sayur", At(3, 7, 5))
                       .Ticket("t3", "s-daging", At(3, 7, 5))
                       .Accept("t2", "s-sayur", At(3, 7, 3))
                       .Add(FactKind::kTicketExpired, At(3, 7, 5),
                            [](Fact& f) {
                              f.ticket_id = "t3";
                              f.stall_id = "s-daging";
                            })
                       .Add(FactKind::kConfirmed, At(3, 7, 5))
                       .Courier("c2", At(3, 7, 6))
                       .Pickup("t2", 20000, At(3, 7, 20))
                       .Deliver("c2", 8000, At(3, 8, 0))
                       .o);
  orders.push_back(OrderBuilder("o3", "m-baru", At(3, 9, 0))
                       .Ticket("t4", "s-daging", At(3, 9, 5))
                       .Cancel(order::CANCEL_REASON_CUSTOMER, At(3, 9, 2))
                       .o);
  orders.push_back(OrderBuilder("o4", "m-klakah", At(3, 8, 0))
                       .Ticket("t5", "s-klakah", At(3, 8, 5))
                       .Accept("t5", "s-klakah", At(3, 8, 2))
                       .Add(FactKind::kConfirmed, At(3, 8, 2))
                       .Cancel(order::CANCEL_REASON_NO_COURIER, At(3, 8, 20))
                       .o);
  orders.push_back(OrderBuilder("o5", "m-baru", At(4, 6, 0))
                       .Ticket("t6", "s-sayur", At(4, 6, 5))
                       .Accept("t6", "s-sayur", At(4, 6, 4))
                       .Add(FactKind::kConfirmed, At(4, 6, 4))
                       .Courier("c1", At(4, 6, 5))
                       .o);
  return orders;
}

ReportQuery Query(v1::ReportLevel level, v1::ReportPeriod period, int from, int to) {
  ReportQuery q;
  q.level = level;
  q.period = period;
  q.range = {absl::CivilDay(2026, 12, from), absl::CivilDay(2026, 12, to)};
  return q;
}

int64_t Cancelled(const v1::Figures& f, order::CancelReason reason) {
  for (const v1::CancelCount& c : f.cancelled_by_reason()) {
    if (c.reason() == reason) return c.count();
  }
  return 0;
}

}  // namespace

TEST_CASE("dates parse strictly and ranges are bounded", "[calendar]") {
  CHECK(ParseDate("2026-12-03") == absl::CivilDay(2026, 12, 3));
  CHECK_FALSE(ParseDate("2026-02-30"));
  CHECK_FALSE(ParseDate("2026-12-3"));
  CHECK_FALSE(ParseDate("03-12-2026"));
  CHECK(FormatDate(absl::CivilDay(2026, 1, 5)) == "2026-01-05");
  CHECK(FormatMonth(absl::CivilDay(2026, 1, 5)) == "2026-01");
  CHECK(ParseRange("from_date", "", "to_date", "2026-12-03").status().message() ==
        "from_date: is required");
  CHECK(ParseRange("from_date", "2026-12-04", "to_date", "2026-12-03").status().message() ==
        "to_date: must not be before from_date");
  CHECK(ParseRange("from_date", "2026-01-01", "to_date", "2026-12-31").ok());
  CHECK(ParseRange("from_date", "2026-01-01", "to_date", "2027-01-02").status().message() ==
        "to_date: the range may span at most 366 days");
  // A Jakarta day starts at 17:00 UTC the day before.
  CHECK(LocalDay(absl::FromCivil(absl::CivilSecond(2026, 12, 2, 17, 30, 0), absl::UTCTimeZone()),
                 Jakarta()) == absl::CivilDay(2026, 12, 3));
}

TEST_CASE("median, 90th percentile and rounding on whole numbers", "[stats]") {
  std::vector<int64_t> odd{5, 1, 3};
  CHECK(Median(odd) == 3);
  std::vector<int64_t> even{1, 2, 3, 4};
  CHECK(Median(even) == 3);  // 2.5 rounds half up
  std::vector<int64_t> empty;
  CHECK(Median(empty) == 0);
  CHECK(P90(empty) == 0);
  std::vector<int64_t> ten{10, 9, 8, 7, 6, 5, 4, 3, 2, 1};
  CHECK(P90(ten) == 9);  // ceil(9.0) = 9th smallest
  std::vector<int64_t> eleven{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11};
  CHECK(P90(eleven) == 10);  // ceil(9.9) = 10th smallest
  CHECK(DivRoundHalfUp(5, 2) == 3);
  CHECK(DivRoundHalfUp(4, 3) == 1);
  CHECK(DivRoundHalfAway(-5, 2) == -3);
}

TEST_CASE("the shipped staples cover every commodity of the contract", "[staples]") {
  const auto* type = common::Commodity_descriptor();
  CHECK(static_cast<int>(Staples().size()) == type->value_count() - 1);
  for (int i = 0; i < type->value_count(); ++i) {
    const int n = type->value(i)->number();
    if (n == 0) {
      CHECK(FindStaple(n) == nullptr);
      continue;
    }
    const StapleInfo* s = FindStaple(n);
    REQUIRE(s != nullptr);
    CHECK((s->unit == "kg" || s->unit == "liter"));
    CHECK_FALSE(s->code.empty());
  }
  CHECK(FindStaple(common::COMMODITY_COOKING_OIL_BULK)->unit == "liter");
}

TEST_CASE("figures per market and day count what happened that day", "[report]") {
  const Markets markets(TwoMarkets(), Jakarta());
  const v1::GetReportResponse r =
      ComputeReport(Query(v1::REPORT_LEVEL_MARKET, v1::REPORT_PERIOD_DAY, 3, 4), markets, ADay());
  REQUIRE(r.rows_size() == 3);  // (3rd, Klakah), (3rd, Baru), (4th, Baru): by period, kecamatan
  CHECK(r.rows(0).period() == "2026-12-03");
  CHECK(r.rows(0).kecamatan() == "Klakah");
  CHECK(r.rows(1).market_name() == "Pasar Baru");
  CHECK(r.rows(1).village() == "Citrodiwangsan");
  const v1::Figures& baru = r.rows(1).figures();
  CHECK(baru.orders_placed() == 3);
  CHECK(baru.orders_delivered() == 2);
  CHECK(baru.orders_cancelled() == 1);
  CHECK(Cancelled(baru, order::CANCEL_REASON_CUSTOMER) == 1);
  CHECK(baru.goods_paid_idr() == 60000);
  CHECK(baru.delivery_fees_idr() == 17000);
  CHECK(baru.active_stalls() == 1);    // s-sayur accepted; s-daging let t3 expire
  CHECK(baru.active_couriers() == 2);  // c1, c2
  CHECK(baru.tickets_expired() == 1);
  // Trader response: 1 min and 3 min -> median 2 min; p90 the larger.
  CHECK(baru.trader_response().count() == 2);
  CHECK(baru.trader_response().median_ms() == 120000);
  CHECK(baru.trader_response().p90_ms() == 180000);
  // Delivery: 30 min and 60 min.
  CHECK(baru.delivery_time().median_ms() == 45 * 60000);
  CHECK(baru.delivery_time().p90_ms() == 60 * 60000);
  const v1::Figures& next_day = r.rows(2).figures();
  CHECK(r.rows(2).period() == "2026-12-04");
  CHECK(next_day.orders_placed() == 1);
  CHECK(next_day.active_couriers() == 1);
  // The total: distinct couriers over the range (c1 twice is one).
  CHECK(r.total().orders_placed() == 5);
  CHECK(r.total().active_couriers() == 2);
  CHECK(Cancelled(r.total(), order::CANCEL_REASON_NO_COURIER) == 1);
}

TEST_CASE("figures per kecamatan, regency and month, and filters", "[report]") {
  const Markets markets(TwoMarkets(), Jakarta());
  const auto month = ComputeReport(Query(v1::REPORT_LEVEL_REGENCY, v1::REPORT_PERIOD_MONTH, 1, 31),
                                   markets, ADay());
  REQUIRE(month.rows_size() == 1);
  CHECK(month.rows(0).period() == "2026-12");
  CHECK(month.rows(0).market_id().empty());
  CHECK(month.rows(0).figures().orders_placed() == 5);
  CHECK(month.rows(0).figures().active_stalls() == 2);  // s-sayur, s-klakah
  auto kec = Query(v1::REPORT_LEVEL_KECAMATAN, v1::REPORT_PERIOD_MONTH, 1, 31);
  const auto by_kecamatan = ComputeReport(kec, markets, ADay());
  REQUIRE(by_kecamatan.rows_size() == 2);
  CHECK(by_kecamatan.rows(0).kecamatan() == "Klakah");
  CHECK(by_kecamatan.rows(1).figures().orders_placed() == 4);
  kec.kecamatan = "Klakah";
  CHECK(ComputeReport(kec, markets, ADay()).total().orders_placed() == 1);
  auto one = Query(v1::REPORT_LEVEL_MARKET, v1::REPORT_PERIOD_DAY, 3, 3);
  one.market_id = "m-baru";
  CHECK(ComputeReport(one, markets, ADay()).total().orders_placed() == 3);
}

TEST_CASE("figures do not depend on the order the orders come in", "[report]") {
  const Markets markets(TwoMarkets(), Jakarta());
  const auto q = Query(v1::REPORT_LEVEL_MARKET, v1::REPORT_PERIOD_DAY, 1, 31);
  const std::string expected = ComputeReport(q, markets, ADay()).SerializeAsString();
  std::vector<OrderRecord> orders = ADay();
  std::mt19937 rng(7);
  for (int i = 0; i < 5; ++i) {
    std::shuffle(orders.begin(), orders.end(), rng);
    CHECK(ComputeReport(q, markets, orders).SerializeAsString() == expected);
  }
}

TEST_CASE("the pipeline shows today's orders by status, waiting tickets and stalls to watch",
          "[pipeline]") {
  std::vector<OrderRecord> orders = ADay();
  // Today is the 4th: o5 is COURIER_ASSIGNED; add a PLACED order with a ticket waiting long.
  orders.push_back(OrderBuilder("o6", "m-baru", At(4, 7, 0))
                       .Ticket("t7", "s-daging", At(4, 7, 4))
                       .Ticket("t8", "s-sayur", At(4, 7, 4))
                       .Accept("t8", "s-sayur", At(4, 7, 1))
                       .o);
  orders.push_back(OrderBuilder("o7", "m-baru", At(4, 6, 30))
                       .Ticket("t9", "s-daging", At(4, 6, 35))
                       .Add(FactKind::kTicketExpired, At(4, 6, 35),
                            [](Fact& f) {
                              f.ticket_id = "t9";
                              f.stall_id = "s-daging";
                            })
                       .Cancel(order::CANCEL_REASON_TRADER_TIMEOUT, At(4, 6, 35))
                       .o);
  const std::vector<StallInfo> stalls = {{"s-sayur", "m-baru", "Sayur Bu Sri", true, 0},
                                         {"s-daging", "m-baru", "Daging Pak Min", false, 2},
                                         {"s-klakah", "m-klakah", "Klakah", true, 0}};
  const Markets markets(TwoMarkets(), Jakarta());
  const v1::GetPipelineResponse p = ComputePipeline(At(4, 7, 3), "m-baru", markets, stalls, orders);
  REQUIRE(p.markets_size() == 1);
  const v1::MarketPipeline& baru = p.markets(0);
  CHECK(baru.date() == "2026-12-04");
  CHECK(baru.orders_placed() == 3);
  std::map<int, int64_t> by;
  for (const auto& c : baru.orders_by_status())
    by[c.status()] = c.count();
  CHECK(by.size() == 8);  // every status from PLACED to RETURNED
  CHECK(by[order::ORDER_STATUS_COURIER_ASSIGNED] == 1);
  CHECK(by[order::ORDER_STATUS_PLACED] == 1);
  CHECK(by[order::ORDER_STATUS_CANCELLED] == 1);
  CHECK(baru.tickets_waiting() == 1);  // t7; t9's order is cancelled
  CHECK(baru.tickets_late() == 1);     // 3 of its 4 minutes gone
  CHECK(baru.couriers_busy() == 1);    // c1 on o5
  REQUIRE(baru.stalls_size() == 1);
  CHECK(baru.stalls(0).stall_name() == "Daging Pak Min");
  CHECK(baru.stalls(0).expired_today() == 1);
  CHECK(baru.stalls(0).expired_in_a_row() == 1);
  CHECK(baru.stalls(0).pause() == pasar::inventory::v1::STALL_PAUSE_EXPIRED_TICKETS);
  CHECK_FALSE(baru.stalls(0).open());
  // Half a minute earlier, t7 was not yet late.
  CHECK(ComputePipeline(At(4, 7, 1, 30), "m-baru", markets, stalls, orders)
            .markets(0)
            .tickets_late() == 0);
  // Every market when none is named.
  CHECK(ComputePipeline(At(4, 7, 3), "", markets, stalls, orders).markets_size() == 2);
}

TEST_CASE("order status follows its facts", "[pipeline]") {
  OrderBuilder b("o", "m", At(3, 6, 0));
  CHECK(StatusOf(b.o) == order::ORDER_STATUS_PLACED);
  b.Add(FactKind::kConfirmed, At(3, 6, 1));
  CHECK(StatusOf(b.o) == order::ORDER_STATUS_CONFIRMED);
  b.Courier("c1", At(3, 6, 2));
  CHECK(StatusOf(b.o) == order::ORDER_STATUS_COURIER_ASSIGNED);
  CHECK(CourierHolding(b.o) == "c1");
  b.Add(FactKind::kUnassigned, At(3, 6, 3), [](Fact& f) { f.courier_id = "c1"; });
  CHECK(StatusOf(b.o) == order::ORDER_STATUS_CONFIRMED);
  b.Courier("c2", At(3, 6, 4)).Pickup("t", 1000, At(3, 6, 5), false);
  CHECK(StatusOf(b.o) == order::ORDER_STATUS_COURIER_ASSIGNED);
  b.Pickup("u", 1000, At(3, 6, 6), true);
  CHECK(StatusOf(b.o) == order::ORDER_STATUS_PICKED_UP);
  b.Deliver("c2", 5000, At(3, 6, 9));
  CHECK(StatusOf(b.o) == order::ORDER_STATUS_DELIVERED);
  CHECK(CourierHolding(b.o).empty());
}

namespace {

// Sales of shallots in Pasar Baru: per kg and per ons, over two days.
std::vector<OrderRecord> ShallotSales() {
  std::vector<OrderRecord> orders;
  // Day 3: 1 kg listed 36,000, weighed 0.95 kg -> paid 34,200 for 1 unit of kg.
  orders.push_back(OrderBuilder("p1", "m-baru", At(3, 6, 0))
                       .Ticket("t1", "s1", At(3, 6, 5))
                       .Line("t1", "shallot-kg", 1, 36000, 1, 34200)
                       .Pickup("t1", 34200, At(3, 6, 20))
                       .o);
  // Day 3: 5 ons at 4,000 (= 40,000 / kg listed), paid 19,000 -> 38,000 / kg.
  orders.push_back(OrderBuilder("p2", "m-baru", At(3, 7, 0))
                       .Ticket("t2", "s2", At(3, 7, 5))
                       .Line("t2", "shallot-ons", 5, 4000, 5, 19000)
                       .Line("t2", "cabbage", 1, 8000, 1, 8000)  // no commodity
                       .Pickup("t2", 27000, At(3, 7, 20))
                       .o);
  // Day 3: accepted but never picked up: no sale.
  orders.push_back(OrderBuilder("p3", "m-baru", At(3, 8, 0))
                       .Ticket("t3", "s1", At(3, 8, 5))
                       .Line("t3", "shallot-kg", 2, 36000, 2, 72000)
                       .o);
  // Day 4: 2 kg at 36,000 paid 76,000 -> 38,000; and a rejected line (final 0).
  orders.push_back(OrderBuilder("p4", "m-baru", At(4, 6, 0))
                       .Ticket("t4", "s1", At(4, 6, 5))
                       .Line("t4", "shallot-kg", 2, 36000, 2, 76000)
                       .Line("t4", "shallot-ons", 3, 4000, 0, 0)
                       .Pickup("t4", 76000, At(4, 6, 20))
                       .o);
  return orders;
}

ProductVersions ShallotProducts() {
  ProductVersions p;
  p["shallot-kg"] = {{"shallot-kg", At(1, 0, 0), common::COMMODITY_SHALLOT, 1000}};
  p["shallot-ons"] = {{"shallot-ons", At(1, 0, 0), common::COMMODITY_SHALLOT, 100}};
  // Cabbage named garlic only from the 5th: its sales before are no garlic.
  p["cabbage"] = {{"cabbage", At(1, 0, 0), 0, 0},
                  {"cabbage", At(5, 0, 0), common::COMMODITY_GARLIC, 1000}};
  return p;
}

}  // namespace

TEST_CASE("staple prices per standard unit from paid sales, with the day's change and alerts",
          "[prices]") {
  CHECK(PerStandardUnit(19000, 5, 100) == 38000);
  CHECK(PerStandardUnit(34200, 1, 1000) == 34200);
  CHECK(PerStandardUnit(10001, 3, 1000) == 3334);  // 3333.67 rounds up
  const Markets markets(TwoMarkets(), Jakarta());
  PriceQuery q;
  q.range = {absl::CivilDay(2026, 12, 3), absl::CivilDay(2026, 12, 4)};
  const std::vector<Reference> refs = {{common::COMMODITY_SHALLOT, "", 35000, 5}};
  const std::vector<v1::StaplePrice> prices =
      ComputePrices(q, markets, ShallotSales(), ShallotProducts(), refs);
  REQUIRE(prices.size() == 2);
  const v1::StaplePrice& d3 = prices[0];
  CHECK(d3.date() == "2026-12-03");
  CHECK(d3.commodity() == common::COMMODITY_SHALLOT);
  CHECK(d3.standard_unit() == "kg");
  CHECK(d3.sales() == 2);
  CHECK(d3.paid_min_idr() == 34200);
  CHECK(d3.paid_max_idr() == 38000);
  CHECK(d3.paid_median_idr() == 36100);
  CHECK(d3.listed_median_idr() == 38000);  // 36,000 and 40,000
  CHECK_FALSE(d3.has_previous());
  CHECK(d3.reference_price_idr() == 35000);
  CHECK(d3.alert() == v1::PRICE_ALERT_WITHIN_BAND);  // 36,100 <= 36,750
  const v1::StaplePrice& d4 = prices[1];
  CHECK(d4.sales() == 1);
  CHECK(d4.paid_median_idr() == 38000);
  CHECK(d4.has_previous());
  CHECK(d4.previous_median_idr() == 36100);
  CHECK(d4.change_idr() == 1900);
  CHECK(d4.change_permille() == 53);  // 5.26 %
  CHECK(d4.alert() == v1::PRICE_ALERT_ABOVE_BAND);

  // A market's own reference wins over the regency's; the day before the range still gives the
  // change; a commodity filter.
  const std::vector<Reference> own = {{common::COMMODITY_SHALLOT, "", 35000, 5},
                                      {common::COMMODITY_SHALLOT, "m-baru", 40000, 2}};
  q.range = {absl::CivilDay(2026, 12, 4), absl::CivilDay(2026, 12, 4)};
  const auto only4 = ComputePrices(q, markets, ShallotSales(), ShallotProducts(), own);
  REQUIRE(only4.size() == 1);
  CHECK(only4[0].change_idr() == 1900);
  CHECK(only4[0].reference_price_idr() == 40000);
  CHECK(only4[0].alert() == v1::PRICE_ALERT_BELOW_BAND);  // 38,000 < 39,200
  q.commodity = common::COMMODITY_GARLIC;
  CHECK(ComputePrices(q, markets, ShallotSales(), ShallotProducts(), own).empty());
}

TEST_CASE("the price export has one row per market, commodity and day in the offices' shape",
          "[prices]") {
  std::vector<MarketInfo> list = TwoMarkets();
  list[0].name = "Pasar \"Baru\", Lumajang";  // quoted as CSV needs
  const Markets markets(list, Jakarta());
  PriceQuery q;
  q.range = {absl::CivilDay(2026, 12, 3), absl::CivilDay(2026, 12, 4)};
  const auto prices = ComputePrices(q, markets, ShallotSales(), ShallotProducts(), {});
  const std::string csv = PriceCsv(prices, markets, "Kabupaten Lumajang");
  CHECK(csv ==
        "tanggal,kabupaten,kecamatan,desa,pasar,komoditas,kode_komoditas,satuan,harga_rp,"
        "harga_terendah_rp,harga_tertinggi_rp,jumlah_transaksi,harga_tayang_rp\r\n"
        "2026-12-03,Kabupaten Lumajang,Lumajang,Citrodiwangsan,\"Pasar \"\"Baru\"\", Lumajang\","
        "Bawang merah,bawang_merah,kg,36100,34200,38000,2,38000\r\n"
        "2026-12-04,Kabupaten Lumajang,Lumajang,Citrodiwangsan,\"Pasar \"\"Baru\"\", Lumajang\","
        "Bawang merah,bawang_merah,kg,38000,38000,38000,1,36000\r\n");
}

TEST_CASE("requests are validated field by field", "[requests]") {
  v1::GetReportRequest r;
  CHECK(Validate(r).status().message() == "level: is required");
  r.set_level(v1::REPORT_LEVEL_MARKET);
  r.set_period(v1::REPORT_PERIOD_DAY);
  r.set_from_date("2026-12-01");
  r.set_to_date("2026-12-31");
  r.set_market_id("not-a-uuid");
  CHECK(Validate(r).status().message() == "market_id: must be a UUID");
  r.clear_market_id();
  CHECK(Validate(r).ok());
  v1::SetReferencePriceRequest s;
  s.set_request_id("r1");
  s.set_commodity(common::COMMODITY_SUGAR);
  s.set_price_idr(18000);
  CHECK(Validate(s).status().message() == "band_percent: must be in 1..100");
  s.set_band_percent(10);
  CHECK(Validate(s).ok());
  s.set_commodity(common::COMMODITY_UNSPECIFIED);
  CHECK(Validate(s).status().message() == "commodity: is required");
}

TEST_CASE("failed deliveries and returns in the figures and the pipeline", "[report][pipeline]") {
  namespace dsp = pasar::dispatch::v1;
  std::vector<OrderRecord> orders = ADay();
  // o8: failed at the door (4,000 fee), its goods back at the stall: RETURNED, c2 free again.
  orders.push_back(OrderBuilder("o8", "m-baru", At(4, 6, 10))
                       .Ticket("t10", "s-sayur", At(4, 6, 15))
                       .Accept("t10", "s-sayur", At(4, 6, 11))
                       .Add(FactKind::kConfirmed, At(4, 6, 11))
                       .Courier("c2", At(4, 6, 12))
                       .Pickup("t10", 30000, At(4, 6, 20))
                       .Fail("c2", 4000, At(4, 6, 45))
                       .Return("t10", dsp::RETURN_DESTINATION_STALL, 30000, At(4, 6, 55), true)
                       .o);
  // o9: two stops, failed without a fee, one ticket's goods at the market office so far: still
  // DELIVERY_FAILED, and c3 still holds it (the other ticket's goods are on the bike).
  orders.push_back(
      OrderBuilder("o9", "m-baru", At(4, 6, 20))
          .Ticket("t11", "s-sayur", At(4, 6, 25))
          .Ticket("t12", "s-daging", At(4, 6, 25))
          .Accept("t11", "s-sayur", At(4, 6, 21))
          .Accept("t12", "s-daging", At(4, 6, 22))
          .Add(FactKind::kConfirmed, At(4, 6, 22))
          .Courier("c3", At(4, 6, 23))
          .Pickup("t11", 25000, At(4, 6, 30), false)
          .Pickup("t12", 15000, At(4, 6, 33), true)
          .Fail("c3", 0, At(4, 6, 50))
          .Return("t11", dsp::RETURN_DESTINATION_MARKET_OFFICE, 25000, At(4, 7, 0), false)
          .o);
  const Markets markets(TwoMarkets(), Jakarta());
  auto q = Query(v1::REPORT_LEVEL_MARKET, v1::REPORT_PERIOD_DAY, 4, 4);
  q.market_id = "m-baru";
  const v1::Figures day = ComputeReport(q, markets, orders).total();
  CHECK(day.orders_delivery_failed() == 2);
  CHECK(day.failure_fees_idr() == 4000);
  CHECK(day.orders_returned() == 1);
  CHECK(day.tickets_at_market_office() == 1);
  CHECK(day.goods_at_market_office_idr() == 25000);
  CHECK(day.orders_delivered() == 0);    // a failed delivery is not a delivery
  CHECK(day.delivery_fees_idr() == 0);   // nor earns a delivery fee in the figures
  CHECK(day.goods_paid_idr() == 70000);  // the traders were paid at pickup all the same
  // The day before knows nothing of them.
  CHECK(ComputeReport(Query(v1::REPORT_LEVEL_MARKET, v1::REPORT_PERIOD_DAY, 3, 3), markets, orders)
            .total()
            .orders_delivery_failed() == 0);

  CHECK(StatusOf(orders[5]) == order::ORDER_STATUS_RETURNED);
  CHECK(StatusOf(orders[6]) == order::ORDER_STATUS_DELIVERY_FAILED);
  CHECK(CourierHolding(orders[5]).empty());
  CHECK(CourierHolding(orders[6]) == "c3");
  const v1::GetPipelineResponse p = ComputePipeline(At(4, 7, 5), "m-baru", markets, {}, orders);
  REQUIRE(p.markets_size() == 1);
  std::map<int, int64_t> by;
  for (const auto& c : p.markets(0).orders_by_status())
    by[c.status()] = c.count();
  CHECK(by[order::ORDER_STATUS_RETURNED] == 1);
  CHECK(by[order::ORDER_STATUS_DELIVERY_FAILED] == 1);
  CHECK(p.markets(0).couriers_busy() == 2);  // c1 on o5, c3 on o9; not c2
}
