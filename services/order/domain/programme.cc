#include "domain/programme.h"

#include <algorithm>
#include <array>
#include <utility>

namespace pasar::order::domain {
namespace {

std::string Idr(int64_t v) {
  return "Rp" + std::to_string(v);
}

BenefitOffer Refused(BenefitReason reason, std::string why) {
  BenefitOffer o;
  o.reason = reason;
  o.explanation = std::move(why);
  return o;
}

// Trims the offer to at most `limit` in total: the subsidy first, then the voucher.
void CapTo(BenefitOffer& o, int64_t limit) {
  limit = std::max<int64_t>(limit, 0);
  if (o.amount_idr() <= limit) return;
  o.delivery_subsidy_idr = std::min(o.delivery_subsidy_idr, limit);
  o.voucher_idr = std::min(o.voucher_idr, limit - o.delivery_subsidy_idr);
}

bool AmountOk(int64_t v) {
  return v >= 0 && v <= kMaxProgrammeIdr;
}

}  // namespace

std::string_view Name(ProgrammeState state) {
  switch (state) {
    case ProgrammeState::kActive:
      return "ACTIVE";
    case ProgrammeState::kPaused:
      return "PAUSED";
    case ProgrammeState::kClosed:
      return "CLOSED";
  }
  return "ACTIVE";
}

std::optional<ProgrammeState> ParseProgrammeState(std::string_view name) {
  for (ProgrammeState s :
       {ProgrammeState::kActive, ProgrammeState::kPaused, ProgrammeState::kClosed}) {
    if (Name(s) == name) return s;
  }
  return std::nullopt;
}

std::string_view Name(BenefitReason reason) {
  switch (reason) {
    case BenefitReason::kNone:
      return "NONE";
    case BenefitReason::kBudgetExhausted:
      return "BUDGET_EXHAUSTED";
    case BenefitReason::kNotEligible:
      return "NOT_ELIGIBLE";
    case BenefitReason::kCapReached:
      return "CAP_REACHED";
    case BenefitReason::kBelowMinimum:
      return "BELOW_MINIMUM";
    case BenefitReason::kOutsidePeriod:
      return "OUTSIDE_PERIOD";
    case BenefitReason::kOutsideArea:
      return "OUTSIDE_AREA";
  }
  return "NONE";
}

std::string_view Name(BenefitState state) {
  switch (state) {
    case BenefitState::kHeld:
      return "HELD";
    case BenefitState::kSpent:
      return "SPENT";
    case BenefitState::kReleased:
      return "RELEASED";
  }
  return "HELD";
}

std::optional<BenefitState> ParseBenefitState(std::string_view name) {
  for (BenefitState s : {BenefitState::kHeld, BenefitState::kSpent, BenefitState::kReleased}) {
    if (Name(s) == name) return s;
  }
  return std::nullopt;
}

std::optional<FieldError> ValidateTerms(const ProgrammeTerms& t) {
  if (t.name.empty()) return FieldError{"programme.name", "required"};
  if (t.market_ids.empty()) return FieldError{"programme.market_ids", "at least one market"};
  if (t.starts_at == absl::InfinitePast() || t.starts_at == absl::UnixEpoch()) {
    return FieldError{"programme.starts_at", "required"};
  }
  if (t.ends_at <= t.starts_at) {
    return FieldError{"programme.ends_at", "must be after programme.starts_at"};
  }
  const std::array<std::pair<const char*, int64_t>, 9> amounts{{
      {"programme.budget_idr", t.budget_idr},
      {"programme.delivery_subsidy.max_per_order_idr", t.subsidy_max_per_order_idr},
      {"programme.delivery_subsidy.min_goods_total_idr", t.subsidy_min_goods_idr},
      {"programme.delivery_subsidy.max_distance_meters", t.subsidy_max_distance_m},
      {"programme.voucher.amount_per_resident_idr", t.voucher_per_resident_idr},
      {"programme.cap_per_order_idr", t.cap_per_order_idr},
      {"programme.cap_per_resident_idr", t.cap_per_resident_idr},
      {"programme.stall_turnover_cap_idr", t.stall_turnover_cap_idr},
      {"programme.priority_reserve_idr", t.priority_reserve_idr},
  }};
  for (const auto& [field, v] : amounts) {
    if (!AmountOk(v)) return FieldError{field, "must be 0.." + std::to_string(kMaxProgrammeIdr)};
  }
  if (t.budget_idr < 1) return FieldError{"programme.budget_idr", "must be at least 1"};
  if (t.subsidy_max_per_order_idr == 0 && t.voucher_per_resident_idr == 0) {
    return FieldError{"programme.delivery_subsidy.max_per_order_idr",
                      "a delivery subsidy or a voucher is required"};
  }
  const std::array<std::pair<const char*, int64_t>, 5> within{{
      {"programme.delivery_subsidy.max_per_order_idr", t.subsidy_max_per_order_idr},
      {"programme.voucher.amount_per_resident_idr", t.voucher_per_resident_idr},
      {"programme.cap_per_order_idr", t.cap_per_order_idr},
      {"programme.cap_per_resident_idr", t.cap_per_resident_idr},
      {"programme.priority_reserve_idr", t.priority_reserve_idr},
  }};
  for (const auto& [field, v] : within) {
    if (v > t.budget_idr) return FieldError{field, "must not exceed programme.budget_idr"};
  }
  return std::nullopt;
}

BenefitOffer OfferBenefit(const ProgrammeTerms& t, const BenefitCart& cart) {
  if (t.state != ProgrammeState::kActive) {
    return Refused(BenefitReason::kOutsidePeriod,
                   std::string(t.name) + " is " + std::string(Name(t.state)));
  }
  if (cart.now < t.starts_at || cart.now >= t.ends_at) {
    return Refused(BenefitReason::kOutsidePeriod, t.name + " does not run now");
  }
  if (std::find(t.market_ids.begin(), t.market_ids.end(), cart.market_id) == t.market_ids.end()) {
    return Refused(BenefitReason::kOutsideArea, t.name + " does not cover this market");
  }
  if (t.residents_only && !cart.resident) {
    return Refused(BenefitReason::kNotEligible,
                   t.name + " is for registered residents: link your resident number");
  }
  BenefitOffer o;
  std::vector<BenefitReason> why_not;  // of the parts that give nothing
  std::string why_text;
  if (t.subsidy_max_per_order_idr > 0) {
    if (cart.goods_total_idr < t.subsidy_min_goods_idr) {
      why_not.push_back(BenefitReason::kBelowMinimum);
      why_text = "free delivery from goods of " + Idr(t.subsidy_min_goods_idr);
    } else if (t.subsidy_max_distance_m > 0 && cart.distance_m > t.subsidy_max_distance_m) {
      why_not.push_back(BenefitReason::kOutsideArea);
      why_text = "free delivery within " + std::to_string(t.subsidy_max_distance_m) + " m";
    } else {
      o.delivery_subsidy_idr = std::min(cart.delivery_fee_idr, t.subsidy_max_per_order_idr);
    }
  }
  if (t.voucher_per_resident_idr > 0) {
    if (!cart.resident) {
      why_not.push_back(BenefitReason::kNotEligible);
      if (why_text.empty()) why_text = "the voucher is for registered residents";
    } else {
      o.voucher_idr = std::min(cart.goods_total_idr, t.voucher_per_resident_idr);
    }
  }
  if (t.cap_per_order_idr > 0) CapTo(o, t.cap_per_order_idr);
  if (o.amount_idr() == 0) {
    // The first part's reason (the subsidy's before the voucher's).
    const BenefitReason r = why_not.empty() ? BenefitReason::kCapReached : why_not.front();
    return Refused(r, why_text.empty() ? t.name + " gives this cart nothing" : why_text);
  }
  o.explanation = t.name + ": " + Idr(o.amount_idr()) + " off";
  return o;
}

BenefitOffer DecideBenefit(const ProgrammeTerms& t, const BenefitCart& cart,
                           const BenefitUsage& usage) {
  BenefitOffer o = OfferBenefit(t, cart);
  if (!o.granted()) return o;
  // What is left of the holder's voucher.
  if (o.voucher_idr > 0) {
    o.voucher_idr = std::min(
        o.voucher_idr, std::max<int64_t>(0, t.voucher_per_resident_idr - usage.holder_voucher_idr));
  }
  if (t.cap_per_resident_idr > 0) CapTo(o, t.cap_per_resident_idr - usage.holder_benefit_idr);
  if (o.amount_idr() == 0) {
    return Refused(BenefitReason::kCapReached,
                   t.name + ": this resident's benefit is used up for the period");
  }
  if (t.stall_turnover_cap_idr > 0) {
    for (const StallSubtotal& s : cart.stalls) {
      const auto it = usage.stall_turnover_idr.find(s.stall_id);
      const int64_t used = it == usage.stall_turnover_idr.end() ? 0 : it->second;
      if (used + s.goods_total_idr > t.stall_turnover_cap_idr) {
        return Refused(BenefitReason::kCapReached,
                       t.name + ": a stall of this cart reached its turnover cap");
      }
    }
  }
  // The priority reserve is only for a holder's first benefit.
  const int64_t available =
      usage.holder_orders == 0 ? usage.remaining_idr : usage.remaining_idr - t.priority_reserve_idr;
  if (o.amount_idr() > available) {
    return Refused(BenefitReason::kBudgetExhausted,
                   usage.holder_orders == 0 || usage.remaining_idr >= o.amount_idr()
                       ? t.name + ": the budget is used up"
                       : t.name + ": the rest of the budget is kept for first-time residents");
  }
  return o;
}

BenefitOffer RecomputeBenefit(const ProgrammeTerms& t, const BenefitOffer& held,
                              int64_t goods_total_idr, int64_t delivery_fee_idr,
                              int64_t distance_m) {
  BenefitOffer o = held;
  if (o.delivery_subsidy_idr > 0) {
    const bool still = goods_total_idr >= t.subsidy_min_goods_idr &&
                       (t.subsidy_max_distance_m == 0 || distance_m <= t.subsidy_max_distance_m);
    o.delivery_subsidy_idr = still ? std::min(o.delivery_subsidy_idr, delivery_fee_idr) : 0;
  }
  o.voucher_idr = std::min(o.voucher_idr, goods_total_idr);
  o.reason = o.amount_idr() > 0 ? BenefitReason::kNone : BenefitReason::kBelowMinimum;
  return o;
}

}  // namespace pasar::order::domain
