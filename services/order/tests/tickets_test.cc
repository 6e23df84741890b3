#include <catch2/catch.hpp>

#include <vector>

#include "domain/tickets.h"

namespace d = pasar::order::domain;
using d::DecisionError;

namespace {
const std::vector<d::OrderedLine> kLines = {
    {"cabai", 10, 6000, true},   // 10 ons of chilli, weighed: 60,000
    {"bayam", 3, 2000, false},   // 3 bunches of spinach: 6,000
    {"telur", 20, 1500, false},  // 20 eggs: 30,000
};
}  // namespace

TEST_CASE("tolerance is inclusive and in percent of the expected value") {
  CHECK(d::WithinTolerance(1000, 1100, 10));
  CHECK(d::WithinTolerance(1000, 900, 10));
  CHECK_FALSE(d::WithinTolerance(1000, 1101, 10));
  CHECK_FALSE(d::WithinTolerance(1000, 899, 10));
  CHECK(d::WithinTolerance(1000, 1000, 0));
  CHECK_FALSE(d::WithinTolerance(1000, 1001, 0));
}

TEST_CASE("no decisions accept every line as ordered") {
  const auto r = d::ApplyDecisions(kLines, {}, 10);
  REQUIRE(r.error == DecisionError::kNone);
  REQUIRE(r.lines.size() == 3);
  CHECK(r.ticket_total_idr == 96000);
  CHECK(r.lines[0].final_quantity == 10);
  CHECK_FALSE(r.lines[1].rejected);
}

TEST_CASE("partial acceptance: fewer units and a rejected line") {
  const std::vector<d::LineDecision> ds = {
      {"telur", false, 0, 12, std::nullopt},
      {"bayam", true, 0, 0, std::nullopt},
  };
  const auto r = d::ApplyDecisions(kLines, ds, 10);
  REQUIRE(r.error == DecisionError::kNone);
  CHECK(r.lines[0].final_total_idr == 60000);
  CHECK(r.lines[1].rejected);
  CHECK(r.lines[1].final_quantity == 0);
  CHECK(r.lines[1].final_total_idr == 0);
  CHECK(r.lines[2].final_quantity == 12);
  CHECK(r.lines[2].final_total_idr == 18000);
  CHECK(r.ticket_total_idr == 78000);
}

TEST_CASE("weighed line within tolerance takes the trader's total") {
  const std::vector<d::LineDecision> ds = {{"cabai", false, 0, 0, 57000}};  // 0.95x
  const auto r = d::ApplyDecisions(kLines, ds, 10);
  REQUIRE(r.error == DecisionError::kNone);
  CHECK(r.lines[0].final_quantity == 10);
  CHECK(r.lines[0].final_total_idr == 57000);
  CHECK(r.ticket_total_idr == 57000 + 6000 + 30000);

  const std::vector<d::LineDecision> edge = {{"cabai", false, 0, 9, 59400}};  // 54,000 * 1.1
  CHECK(d::ApplyDecisions(kLines, edge, 10).error == DecisionError::kNone);
}

TEST_CASE("weighed line beyond tolerance is refused") {
  const std::vector<d::LineDecision> high = {{"cabai", false, 0, 0, 66001}};
  const auto r = d::ApplyDecisions(kLines, high, 10);
  CHECK(r.error == DecisionError::kToleranceExceeded);
  CHECK(r.error_index == 0);
  CHECK(r.lines.empty());
  const std::vector<d::LineDecision> low = {{"cabai", false, 0, 0, 53999}};
  CHECK(d::ApplyDecisions(kLines, low, 10).error == DecisionError::kToleranceExceeded);
}

TEST_CASE("malformed decisions are refused with the offending index") {
  using LD = d::LineDecision;
  CHECK(
      d::ApplyDecisions(kLines, std::vector<LD>{{"tomat", false, 0, 1, std::nullopt}}, 10).error ==
      DecisionError::kUnknownLine);
  const auto dup = d::ApplyDecisions(
      kLines,
      std::vector<LD>{{"bayam", false, 0, 1, std::nullopt}, {"bayam", true, 0, 0, std::nullopt}},
      10);
  CHECK(dup.error == DecisionError::kDuplicateLine);
  CHECK(dup.error_index == 1);
  CHECK(
      d::ApplyDecisions(kLines, std::vector<LD>{{"bayam", false, 0, 4, std::nullopt}}, 10).error ==
      DecisionError::kBadQuantity);
  CHECK(
      d::ApplyDecisions(kLines, std::vector<LD>{{"bayam", false, 0, -1, std::nullopt}}, 10).error ==
      DecisionError::kBadQuantity);
  CHECK(d::ApplyDecisions(kLines, std::vector<LD>{{"bayam", false, 0, 1, 2000}}, 10).error ==
        DecisionError::kPriceOnCountedLine);
  CHECK(d::ApplyDecisions(kLines, std::vector<LD>{{"cabai", false, 0, 1, 0}}, 10).error ==
        DecisionError::kBadQuantity);
  const auto none = d::ApplyDecisions(kLines,
                                      std::vector<LD>{{"cabai", true, 0, 0, std::nullopt},
                                                      {"bayam", true, 0, 0, std::nullopt},
                                                      {"telur", true, 0, 0, std::nullopt}},
                                      10);
  CHECK(none.error == DecisionError::kNoneAccepted);
}
