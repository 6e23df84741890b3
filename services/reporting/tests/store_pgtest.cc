// The reporting store and its events handler against a real PostgreSQL (a fresh database per
// test): the same events in any order, delivered twice, give the same figures; reference prices
// are idempotent on their request id.
#include <catch2/catch.hpp>

#include <algorithm>
#include <random>

#include <google/protobuf/util/time_util.h>

#include "app/reports.h"
#include "consumers/event_handler.h"
#include "pasar/events/events.h"
#include "pasar/events/v1/events.pb.h"
#include "pasar/pg/migrate.h"
#include "pasar/request/status.h"
#include "pasar/rpc/status.h"
#include "pasar/testkit/testkit.h"
#include "store/idempotency_store.h"

namespace pasar::reporting {
std::vector<pg::Migration> Migrations();
}

using namespace pasar;
using namespace pasar::reporting;
namespace ev = pasar::events::v1;

namespace {

constexpr char kMarket[] = "7a0c2f1e-0000-4000-8000-000000000001";
constexpr char kStall[] = "7a0c2f1e-0000-4000-8000-000000000002";
constexpr char kProduct[] = "7a0c2f1e-0000-4000-8000-000000000003";

class Fixture {
 public:
  explicit Fixture(std::string schema = "reporting")
      : schema_(std::move(schema)), pool_({.conninfo = db_.conninfo(), .search_path = schema_}) {
    pg::Migrate(pool_, schema_, "events", events::Migrations());
    pg::Migrate(pool_, schema_, "reporting", Migrations());
  }

  void Deliver(const ev::Envelope& e) {
    events::Delivery d;
    d.event_id = e.event_id();
    d.type = e.type();
    d.payload = e.SerializeAsString();
    pg::Transaction tx(pool_, "event");
    handler_(tx, d);
    tx.Commit();
  }

  Reports& reports() { return reports_; }
  pg::Pool& pool() { return pool_; }

  // Everything the reports say about December 2026, as bytes (without the as_of times).
  std::string Figures() {
    std::string out;
    for (v1::ReportLevel level :
         {v1::REPORT_LEVEL_MARKET, v1::REPORT_LEVEL_KECAMATAN, v1::REPORT_LEVEL_REGENCY}) {
      for (v1::ReportPeriod period : {v1::REPORT_PERIOD_DAY, v1::REPORT_PERIOD_MONTH}) {
        v1::GetReportRequest r;
        r.set_level(level);
        r.set_period(period);
        r.set_from_date("2026-12-01");
        r.set_to_date("2026-12-31");
        v1::GetReportResponse resp = reports_.Report(r).value();
        resp.clear_as_of();
        out += resp.SerializeAsString();
      }
    }
    v1::GetStaplePricesRequest p;
    p.set_from_date("2026-12-01");
    p.set_to_date("2026-12-31");
    v1::GetStaplePricesResponse prices = reports_.Prices(p).value();
    prices.clear_as_of();
    out += prices.SerializeAsString();
    return out;
  }

 private:
  testkit::TempDatabase db_;
  std::string schema_;
  pg::Pool pool_;
  OrderStore orders_{pool_};
  CatalogStore catalog_{pool_};
  ReferenceStore references_{pool_};
  Settings settings_{};
  Reports reports_{pool_, orders_, catalog_, references_, settings_};
  events::Handler handler_ = EventHandler(orders_, catalog_);
};

// 2026-12-03 06:mm Jakarta (23:mm UTC the day before).
google::protobuf::Timestamp At(int minute) {
  return google::protobuf::util::TimeUtil::SecondsToTimestamp(absl::ToUnixSeconds(
      absl::FromCivil(absl::CivilSecond(2026, 12, 2, 23, minute, 0), absl::UTCTimeZone())));
}

ev::Envelope Event(const std::string& id, int minute) {
  ev::Envelope e;
  e.set_event_id(id);
  *e.mutable_occurred_at() = At(minute);
  return e;
}

// The events of a small day: the catalogue (the product renamed a commodity later), two orders
// delivered (one with a weighed line), one cancelled.
std::vector<ev::Envelope> ADay() {
  std::vector<ev::Envelope> out;
  ev::Envelope market = Event("e-market-1", 0);
  market.set_type("MarketChanged");
  auto* m = market.mutable_market_changed()->mutable_market();
  m->set_id(kMarket);
  m->set_name("Pasar Baru");
  m->set_kecamatan("Lumajang");
  m->set_time_zone("Asia/Jakarta");
  out.push_back(market);
  ev::Envelope renamed = Event("e-market-2", 50);
  renamed.set_type("MarketChanged");
  *renamed.mutable_market_changed() = market.market_changed();
  renamed.mutable_market_changed()->mutable_market()->set_village("Citrodiwangsan");
  out.push_back(renamed);
  ev::Envelope stall = Event("e-stall", 0);
  stall.set_type("StallChanged");
  auto* s = stall.mutable_stall_changed()->mutable_stall();
  s->set_id(kStall);
  s->set_market_id(kMarket);
  s->set_name("Bawang Bu Sri");
  s->set_open(true);
  out.push_back(stall);
  ev::Envelope product = Event("e-product", 0);
  product.set_type("ProductChanged");
  auto* p = product.mutable_product_changed();
  p->set_product_id(kProduct);
  p->set_market_id(kMarket);
  p->set_stall_id(kStall);
  p->set_unit("ons");
  p->set_price_idr(4000);
  p->set_commodity(pasar::common::v1::COMMODITY_SHALLOT);
  p->set_standard_unit_milli(100);
  out.push_back(product);

  for (int k = 1; k <= 3; ++k) {
    const std::string order = "o" + std::to_string(k), ticket = "t" + std::to_string(k);
    const int t0 = 5 * k;
    ev::Envelope placed = Event("e-placed-" + order, t0);
    placed.set_type("OrderPlaced");
    auto* op = placed.mutable_order_placed();
    op->set_order_id(order);
    op->set_market_id(kMarket);
    auto* pt = op->add_tickets();
    pt->set_ticket_id(ticket);
    pt->set_stall_id(kStall);
    *pt->mutable_decide_by() = At(t0 + 5);
    auto* line = pt->add_lines();
    line->set_product_id(kProduct);
    line->set_quantity(5);
    line->set_price_idr(4000);
    out.push_back(placed);
    if (k == 3) {
      ev::Envelope cancelled = Event("e-cancel-" + order, t0 + 1);
      cancelled.set_type("OrderCancelled");
      cancelled.mutable_order_cancelled()->set_order_id(order);
      cancelled.mutable_order_cancelled()->set_market_id(kMarket);
      cancelled.mutable_order_cancelled()->set_reason(pasar::order::v1::CANCEL_REASON_CUSTOMER);
      out.push_back(cancelled);
      continue;
    }
    ev::Envelope accepted = Event("e-accept-" + order, t0 + 1);
    accepted.set_type("TicketAccepted");
    auto* ta = accepted.mutable_ticket_accepted();
    ta->set_order_id(order);
    ta->set_ticket_id(ticket);
    ta->set_stall_id(kStall);
    auto* fl = ta->add_lines();
    fl->set_product_id(kProduct);
    fl->set_accepted(true);
    fl->set_final_quantity(5);
    fl->set_line_total_idr(k == 1 ? 19000 : 20000);
    out.push_back(accepted);
    ev::Envelope assigned = Event("e-assign-" + order, t0 + 2);
    assigned.set_type("CourierAssigned");
    assigned.mutable_courier_assigned()->set_order_id(order);
    assigned.mutable_courier_assigned()->set_courier_id("c" + std::to_string(k));
    out.push_back(assigned);
    ev::Envelope pickup = Event("e-pickup-" + order, t0 + 3);
    pickup.set_type("PickupConfirmed");
    auto* pc = pickup.mutable_pickup_confirmed();
    pc->set_order_id(order);
    pc->set_ticket_id(ticket);
    pc->set_stall_id(kStall);
    pc->set_paid_to_trader_idr(fl->line_total_idr());
    pc->set_all_picked_up(true);
    out.push_back(pickup);
    ev::Envelope delivered = Event("e-deliver-" + order, t0 + 4);
    delivered.set_type("DeliveryConfirmed");
    delivered.mutable_delivery_confirmed()->set_order_id(order);
    delivered.mutable_delivery_confirmed()->set_courier_id("c" + std::to_string(k));
    delivered.mutable_delivery_confirmed()->set_courier_earning_idr(8000);
    out.push_back(delivered);
  }
  return out;
}

}  // namespace

TEST_CASE("the events of a day give its figures", "[store]") {
  Fixture f;
  for (const ev::Envelope& e : ADay())
    f.Deliver(e);
  v1::GetReportRequest r;
  r.set_level(v1::REPORT_LEVEL_MARKET);
  r.set_period(v1::REPORT_PERIOD_DAY);
  r.set_from_date("2026-12-03");
  r.set_to_date("2026-12-03");
  const v1::GetReportResponse report = f.reports().Report(r).value();
  REQUIRE(report.rows_size() == 1);
  const v1::ReportRow& row = report.rows(0);
  CHECK(row.market_name() == "Pasar Baru");
  CHECK(row.village() == "Citrodiwangsan");  // the later version of the market
  CHECK(row.figures().orders_placed() == 3);
  CHECK(row.figures().orders_delivered() == 2);
  CHECK(row.figures().orders_cancelled() == 1);
  CHECK(row.figures().goods_paid_idr() == 39000);
  CHECK(row.figures().delivery_fees_idr() == 16000);
  CHECK(row.figures().active_couriers() == 2);
  CHECK(row.figures().delivery_time().median_ms() == 4 * 60000);

  v1::GetStaplePricesRequest p;
  p.set_from_date("2026-12-03");
  p.set_to_date("2026-12-03");
  const v1::GetStaplePricesResponse prices = f.reports().Prices(p).value();
  REQUIRE(prices.prices_size() == 1);
  CHECK(prices.prices(0).paid_min_idr() == 38000);  // 19,000 for 5 ons
  CHECK(prices.prices(0).paid_max_idr() == 40000);
  CHECK(prices.prices(0).listed_median_idr() == 40000);
  CHECK(prices.prices(0).sales() == 2);
}

TEST_CASE("the same events in any order, each delivered twice, give the same figures",
          "[store][replay]") {
  std::vector<ev::Envelope> events = ADay();
  Fixture in_order;
  for (const ev::Envelope& e : events)
    in_order.Deliver(e);
  const std::string expected = in_order.Figures();

  std::mt19937 rng(19);
  for (int round = 0; round < 3; ++round) {
    Fixture shuffled("reporting_replay");
    std::vector<ev::Envelope> twice = events;
    twice.insert(twice.end(), events.begin(), events.end());
    std::shuffle(twice.begin(), twice.end(), rng);
    // No consumed_events record here: the handler's own writes must be idempotent.
    for (const ev::Envelope& e : twice)
      shuffled.Deliver(e);
    CHECK(shuffled.Figures() == expected);
  }
}

TEST_CASE("a reference price is set once per request id and used by the alerts", "[store]") {
  Fixture f;
  for (const ev::Envelope& e : ADay())
    f.Deliver(e);
  auth::Principal op{"office-1", auth::Role::kOperator, {}};
  v1::SetReferencePriceRequest r;
  r.set_request_id("ref-1");
  r.set_commodity(pasar::common::v1::COMMODITY_SHALLOT);
  r.set_price_idr(35000);
  r.set_band_percent(10);
  const auto first = f.reports().SetReference(op, r).value();
  CHECK(first.reference_price().set_by() == "office-1");
  CHECK(f.reports().SetReference(op, r).value().SerializeAsString() == first.SerializeAsString());
  r.set_price_idr(36000);
  const auto reused = f.reports().SetReference(op, r);
  CHECK(request::RefusalReason(reused.status()) == "IDEMPOTENCY_KEY_REUSED");
  CHECK(f.reports().References().reference_prices_size() == 1);
  CHECK(f.reports().References().reference_prices(0).price_idr() == 35000);

  v1::GetStaplePricesRequest p;
  p.set_from_date("2026-12-03");
  p.set_to_date("2026-12-03");
  const v1::StaplePrice price = f.reports().Prices(p).value().prices(0);
  CHECK(price.paid_median_idr() == 39000);
  CHECK(price.reference_price_idr() == 35000);
  CHECK(price.alert() == v1::PRICE_ALERT_ABOVE_BAND);  // 39,000 > 38,500
}

TEST_CASE("idempotency records older than the retention are purged, newer ones kept", "[pg]") {
  Fixture f;
  IdempotencyStore idem(f.pool());
  auto work = [](pg::Transaction&) -> absl::StatusOr<std::string> { return std::string("ok"); };
  for (const char* id : {"old-1", "old-2", "old-3", "new-1"}) {
    REQUIRE(idem.Run("office", "SetReferencePrice", id, "fp", work).ok());
  }
  constexpr pg::Query kAge{"t_age_idem",
                           "UPDATE idempotency SET created_at = now() - interval '73 hours' "
                           "WHERE request_id LIKE 'old-%'"};
  constexpr pg::Query kKept{"t_kept_idem", "SELECT request_id FROM idempotency"};
  pg::Exec(f.pool(), kAge);
  CHECK(idem.Purge(absl::Hours(72), 2) == 2);  // bounded batches
  CHECK(idem.Purge(absl::Hours(72), 2) == 1);
  CHECK(idem.Purge(absl::Hours(72), 2) == 0);
  const pg::Result kept = pg::Exec(f.pool(), kKept);
  REQUIRE(kept.size() == 1);
  CHECK(kept.Text(0, 0) == "new-1");
}
