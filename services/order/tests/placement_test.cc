// The order a placement assembles from the held stock: tickets per stall, lines, totals.
#include <catch2/catch.hpp>

#include "domain/placement.h"

namespace d = pasar::order::domain;

TEST_CASE("a placement makes one pending ticket per stall, in order of first appearance") {
  d::NewOrder facts;
  facts.id = "o-1";
  facts.customer = "c-1";
  facts.market_id = "m-1";
  facts.market_location = {-8.13, 113.22};
  facts.drop_off = {-8.14, 113.23};
  facts.delivery_fee_idr = 7000;
  facts.fee_scheme.kind = d::FeeKind::kFlat;
  facts.fee_scheme.flat_fee_idr = 9999;  // the quoted fee wins over a re-priced one
  facts.fee_scheme.service_fee_idr = 1000;
  facts.trader_timeout = absl::Minutes(5);
  facts.now = absl::FromUnixSeconds(1'700'000'000);
  const std::vector<d::HeldLine> held = {{"p-1", "s-a", "Stall A", "Cabai", "kg", true, 2, 30000},
                                         {"p-2", "s-b", "Stall B", "Bayam", "ikat", false, 3, 2000},
                                         {"p-3", "s-a", "Stall A", "Bawang", "kg", true, 1, 25000}};
  int ids = 0, codes = 0;
  const d::Order o = d::AssembleOrder(
      facts, held, [&] { return "t-" + std::to_string(++ids); },
      [&] { return std::to_string(1000 + ++codes); });

  REQUIRE(o.tickets.size() == 2);
  CHECK(o.status == d::OrderState::kPlaced);
  CHECK(o.version == 1);
  CHECK(o.tickets[0].id == "t-1");
  CHECK(o.tickets[0].stall_id == "s-a");
  CHECK(o.tickets[0].position == 0);
  CHECK(o.tickets[0].pickup_code == "1001");
  CHECK(o.tickets[0].decide_by == facts.now + absl::Minutes(5));
  CHECK(o.tickets[0].lines.size() == 2);
  CHECK(o.tickets[0].total_idr == 2 * 30000 + 25000);
  CHECK(o.tickets[1].stall_id == "s-b");
  CHECK(o.tickets[1].position == 1);
  CHECK(o.tickets[1].total_idr == 6000);
  const d::Line& l = o.tickets[1].lines[0];
  CHECK(l.status == d::LineStatus::kPending);
  CHECK(l.final_quantity == 3);
  CHECK(l.line_total_idr == 6000);
  CHECK(o.totals.goods_total_idr == 91000);
  CHECK(o.totals.delivery_fee_idr == 7000);
  CHECK(o.totals.service_fee_idr == 1000);
  CHECK(o.totals.total_idr() == 99000);
  CHECK(o.created_at == facts.now);
}
