// The regency's programmes (delivery subsidies, shopping vouchers) as pure rules: the terms'
// validation, the benefit a cart gets and why not, and its recomputation after the traders'
// decisions. No I/O: the store holds the budget and the caps (store/programme_store.h).
//
// One order gets the benefit of at most one programme. A benefit is
//   delivery subsidy = min(delivery fee, subsidy max per order)   when goods >= minimum and the
//                                                                  distance is within the limit
//   voucher          = min(goods total, what is left of the resident's voucher)
//   amount           = subsidy + voucher, capped by the per-order cap and by what is left of
//                      the holder's cap (holder: the linked resident, else the customer)
// and is granted whole or not at all: the budget must cover it (the priority reserve only for a
// holder who has not benefited yet) and every stall of the order must stay within its turnover
// cap.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/time/time.h"
#include "domain/pricing.h"

namespace pasar::order::domain {

enum class ProgrammeState { kActive, kPaused, kClosed };
std::string_view Name(ProgrammeState state);  // "ACTIVE", "PAUSED", "CLOSED"
std::optional<ProgrammeState> ParseProgrammeState(std::string_view name);

enum class BenefitReason {
  kNone,             // granted
  kBudgetExhausted,  // the budget left (less the priority reserve) does not cover it
  kNotEligible,      // no linked eligible resident
  kCapReached,       // the holder's cap, the voucher or a stall's turnover cap is used up
  kBelowMinimum,     // goods below the subsidy's minimum (and no voucher to give)
  kOutsidePeriod,    // before the start, at or after the end, paused or closed
  kOutsideArea,      // market not covered, or the drop-off beyond the subsidised distance
};
// "NONE", "BUDGET_EXHAUSTED", "NOT_ELIGIBLE", "CAP_REACHED", "BELOW_MINIMUM", "OUTSIDE_PERIOD",
// "OUTSIDE_AREA".
std::string_view Name(BenefitReason reason);

enum class BenefitState { kHeld, kSpent, kReleased };
std::string_view Name(BenefitState state);  // "HELD", "SPENT", "RELEASED"
std::optional<BenefitState> ParseBenefitState(std::string_view name);

// The largest amount a programme may hold (10^13 rupiah): sums of a few never overflow int64.
inline constexpr int64_t kMaxProgrammeIdr = 10'000'000'000'000;

struct ProgrammeTerms {
  std::string id;
  std::string name;
  std::vector<std::string> market_ids;
  absl::Time starts_at, ends_at;          // [starts_at, ends_at)
  int64_t budget_idr = 0;                 // at creation; top-ups are recorded apart
  int64_t subsidy_max_per_order_idr = 0;  // 0: no delivery subsidy
  int64_t subsidy_min_goods_idr = 0;
  int64_t subsidy_max_distance_m = 0;    // 0: any
  int64_t voucher_per_resident_idr = 0;  // 0: no voucher
  int64_t cap_per_order_idr = 0;         // 0: none
  int64_t cap_per_resident_idr = 0;      // 0: none
  int64_t stall_turnover_cap_idr = 0;    // 0: none
  bool residents_only = false;
  int64_t priority_reserve_idr = 0;
  ProgrammeState state = ProgrammeState::kActive;
};

// The first invalid field of new terms ("programme.budget_idr", ...), with why; nullopt when
// valid. Amounts 0..kMaxProgrammeIdr, the budget >= 1, at least one benefit, the period
// non-empty, caps and the reserve not above the budget, a name, at least one market (the
// markets' existence is checked by the caller).
struct FieldError {
  std::string field;
  std::string message;
};
std::optional<FieldError> ValidateTerms(const ProgrammeTerms& terms);

// The cart as priced at the till.
struct BenefitCart {
  std::string market_id;
  absl::Time now;
  int64_t goods_total_idr = 0;
  int64_t delivery_fee_idr = 0;
  int64_t distance_m = 0;
  std::vector<StallSubtotal> stalls;
  bool resident = false;  // the customer has a linked resident eligible for this programme
};

// What the holder and the stalls have used of the programme so far (held + spent).
struct BenefitUsage {
  int64_t holder_benefit_idr = 0;  // benefits of the holder (for the per-resident cap)
  int64_t holder_voucher_idr = 0;  // voucher used by the holder
  int64_t holder_orders = 0;       // orders of the holder with a benefit (priority)
  std::map<std::string, int64_t> stall_turnover_idr;  // stall id -> goods of benefited orders
  int64_t remaining_idr = 0;                          // budget + top-ups - held - spent
};

struct BenefitOffer {
  BenefitReason reason = BenefitReason::kNone;
  int64_t delivery_subsidy_idr = 0;
  int64_t voucher_idr = 0;
  std::string explanation;
  int64_t amount_idr() const { return delivery_subsidy_idr + voucher_idr; }
  bool granted() const { return reason == BenefitReason::kNone; }
};

// The benefit before the budget and the caps: period, state, area, eligibility, minimum, the
// amounts (per-order cap applied). Used at the till before anything is locked.
BenefitOffer OfferBenefit(const ProgrammeTerms& terms, const BenefitCart& cart);

// The benefit with what is used: the holder's voucher and cap, the stalls' turnover caps and
// the budget (with the priority reserve). The store calls it with the usage rows locked.
BenefitOffer DecideBenefit(const ProgrammeTerms& terms, const BenefitCart& cart,
                           const BenefitUsage& usage);

// The benefit after the traders' decisions (rejected lines, weighed quantities): the same rules
// on the new goods total, never more than what is held (`held`). Budget, holder cap and stall
// caps only shrink, so they need no new check.
BenefitOffer RecomputeBenefit(const ProgrammeTerms& terms, const BenefitOffer& held,
                              int64_t goods_total_idr, int64_t delivery_fee_idr,
                              int64_t distance_m);

}  // namespace pasar::order::domain
