#include <catch2/catch.hpp>

#include "domain/ledger.h"
#include "domain/programme.h"

namespace d = pasar::order::domain;

namespace {

const absl::Time kStart = absl::FromUnixSeconds(1'780'000'000);

d::ProgrammeTerms Terms() {
  d::ProgrammeTerms t;
  t.id = "p1";
  t.name = "Ayo beli produk Lamongan";
  t.market_ids = {"m1"};
  t.starts_at = kStart;
  t.ends_at = kStart + absl::Hours(24 * 30);
  t.budget_idr = 1'000'000;
  t.subsidy_max_per_order_idr = 10'000;
  t.subsidy_min_goods_idr = 50'000;
  t.subsidy_max_distance_m = 20'000;
  t.voucher_per_resident_idr = 50'000;
  return t;
}

d::BenefitCart Cart(int64_t goods, bool resident) {
  d::BenefitCart c;
  c.market_id = "m1";
  c.now = kStart + absl::Hours(1);
  c.goods_total_idr = goods;
  c.delivery_fee_idr = 8'000;
  c.distance_m = 3'000;
  c.stalls = {{"s1", goods}};
  c.resident = resident;
  return c;
}

}  // namespace

TEST_CASE("a resident's cart above the minimum gets the delivery fee and the voucher") {
  const d::BenefitOffer o = d::OfferBenefit(Terms(), Cart(80'000, true));
  CHECK(o.granted());
  CHECK(o.delivery_subsidy_idr == 8'000);  // the whole fee (below the 10,000 cap)
  CHECK(o.voucher_idr == 50'000);
  CHECK(o.amount_idr() == 58'000);
}

TEST_CASE("reason codes: period, area, eligibility, minimum") {
  d::BenefitCart early = Cart(80'000, true);
  early.now = kStart - absl::Seconds(1);
  CHECK(d::OfferBenefit(Terms(), early).reason == d::BenefitReason::kOutsidePeriod);
  d::BenefitCart late = Cart(80'000, true);
  late.now = Terms().ends_at;
  CHECK(d::OfferBenefit(Terms(), late).reason == d::BenefitReason::kOutsidePeriod);
  d::BenefitCart other = Cart(80'000, true);
  other.market_id = "m2";
  CHECK(d::OfferBenefit(Terms(), other).reason == d::BenefitReason::kOutsideArea);
  d::ProgrammeTerms paused = Terms();
  paused.state = d::ProgrammeState::kPaused;
  CHECK(d::OfferBenefit(paused, Cart(80'000, true)).reason == d::BenefitReason::kOutsidePeriod);
  // Below the minimum and not a resident: neither part gives anything; the subsidy's reason.
  CHECK(d::OfferBenefit(Terms(), Cart(40'000, false)).reason == d::BenefitReason::kBelowMinimum);
  // Below the minimum but a resident: the voucher alone.
  const d::BenefitOffer v = d::OfferBenefit(Terms(), Cart(40'000, true));
  CHECK(v.granted());
  CHECK(v.delivery_subsidy_idr == 0);
  CHECK(v.voucher_idr == 40'000);  // never more than the goods
  d::ProgrammeTerms only = Terms();
  only.residents_only = true;
  CHECK(d::OfferBenefit(only, Cart(80'000, false)).reason == d::BenefitReason::kNotEligible);
  d::BenefitCart far = Cart(80'000, false);
  far.distance_m = 25'000;
  CHECK(d::OfferBenefit(Terms(), far).reason == d::BenefitReason::kOutsideArea);
}

TEST_CASE("caps: per order, per resident, the voucher left, the stall's turnover") {
  d::ProgrammeTerms t = Terms();
  t.cap_per_order_idr = 30'000;
  const d::BenefitOffer o = d::OfferBenefit(t, Cart(80'000, true));
  CHECK(o.amount_idr() == 30'000);
  CHECK(o.delivery_subsidy_idr == 8'000);
  CHECK(o.voucher_idr == 22'000);

  t = Terms();
  t.cap_per_resident_idr = 60'000;
  d::BenefitUsage u;
  u.remaining_idr = 1'000'000;
  u.holder_benefit_idr = 55'000;
  u.holder_voucher_idr = 47'000;
  const d::BenefitOffer left = d::DecideBenefit(t, Cart(80'000, true), u);
  CHECK(left.granted());
  CHECK(left.amount_idr() == 5'000);
  u.holder_benefit_idr = 60'000;
  CHECK(d::DecideBenefit(t, Cart(80'000, true), u).reason == d::BenefitReason::kCapReached);

  t = Terms();
  t.stall_turnover_cap_idr = 100'000;
  d::BenefitUsage s;
  s.remaining_idr = 1'000'000;
  s.stall_turnover_idr["s1"] = 30'000;
  CHECK(d::DecideBenefit(t, Cart(70'000, true), s).granted());
  CHECK(d::DecideBenefit(t, Cart(70'001, true), s).reason == d::BenefitReason::kCapReached);
}

TEST_CASE("the budget is granted whole or not at all, the reserve is for first-timers") {
  d::ProgrammeTerms t = Terms();
  t.priority_reserve_idr = 60'000;
  d::BenefitUsage u;
  u.remaining_idr = 57'999;
  CHECK(d::DecideBenefit(t, Cart(80'000, true), u).reason == d::BenefitReason::kBudgetExhausted);
  u.remaining_idr = 58'000;
  CHECK(d::DecideBenefit(t, Cart(80'000, true), u).granted());  // a first benefit
  u.holder_orders = 1;
  u.remaining_idr = 100'000;  // 100,000 - 60,000 reserved < 58,000
  CHECK(d::DecideBenefit(t, Cart(80'000, true), u).reason == d::BenefitReason::kBudgetExhausted);
  u.remaining_idr = 118'000;
  CHECK(d::DecideBenefit(t, Cart(80'000, true), u).granted());
}

TEST_CASE("recomputation after the traders' decisions never raises the benefit") {
  const d::ProgrammeTerms t = Terms();
  const d::BenefitOffer held = d::OfferBenefit(t, Cart(80'000, true));
  // Lines rejected: goods 45,000 < the 50,000 minimum: the subsidy goes, the voucher shrinks.
  const d::BenefitOffer after = d::RecomputeBenefit(t, held, 45'000, 8'000, 3'000);
  CHECK(after.delivery_subsidy_idr == 0);
  CHECK(after.voucher_idr == 45'000);
  const d::BenefitOffer more = d::RecomputeBenefit(t, held, 200'000, 8'000, 3'000);
  CHECK(more.amount_idr() == held.amount_idr());
  CHECK(d::RecomputeBenefit(t, held, 0, 8'000, 3'000).amount_idr() == 0);
}

TEST_CASE("terms: bad input names the field") {
  CHECK_FALSE(d::ValidateTerms(Terms()).has_value());
  d::ProgrammeTerms t = Terms();
  t.budget_idr = -1;
  CHECK(d::ValidateTerms(t)->field == "programme.budget_idr");
  t = Terms();
  t.budget_idr = d::kMaxProgrammeIdr + 1;
  CHECK(d::ValidateTerms(t)->field == "programme.budget_idr");
  t = Terms();
  t.ends_at = t.starts_at - absl::Hours(1);
  CHECK(d::ValidateTerms(t)->field == "programme.ends_at");
  t = Terms();
  t.cap_per_resident_idr = t.budget_idr + 1;
  CHECK(d::ValidateTerms(t)->field == "programme.cap_per_resident_idr");
  t = Terms();
  t.voucher_per_resident_idr = -5;
  CHECK(d::ValidateTerms(t)->field == "programme.voucher.amount_per_resident_idr");
  t = Terms();
  t.market_ids.clear();
  CHECK(d::ValidateTerms(t)->field == "programme.market_ids");
  t = Terms();
  t.subsidy_max_per_order_idr = 0;
  t.voucher_per_resident_idr = 0;
  CHECK(d::ValidateTerms(t).has_value());
}

TEST_CASE("a benefit's delivery postings sum to zero and the programme owes the courier") {
  const auto postings = d::Delivered("cust", "c1", "m1", 100'000, 2'000, "p1", 58'000);
  CHECK(d::Balanced(postings));
  int64_t customer = 0, courier = 0, programme = 0;
  for (const auto& b : d::Balances(postings)) {
    if (b.party == d::Party::kCustomer) customer = b.net_idr;
    if (b.party == d::Party::kCourier) courier = b.net_idr;
    if (b.party == d::Party::kProgramme) programme = b.net_idr;
  }
  CHECK(customer == -42'000);  // paid the total less the benefit
  CHECK(programme == -58'000);
  CHECK(courier == 100'000 - 2'000);  // as without a benefit: 58,000 of it owed by the programme
}
