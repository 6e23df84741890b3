#include "domain/reservation.h"

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"

namespace pasar::inventory {

std::string_view StateName(ReservationState state) {
  switch (state) {
    case ReservationState::kHeld:
      return "HELD";
    case ReservationState::kCommitted:
      return "COMMITTED";
    case ReservationState::kReleased:
      return "RELEASED";
    case ReservationState::kExpired:
      return "EXPIRED";
  }
  return "HELD";
}

std::optional<ReservationState> ParseState(std::string_view name) {
  for (ReservationState s : {ReservationState::kHeld, ReservationState::kCommitted,
                             ReservationState::kReleased, ReservationState::kExpired}) {
    if (StateName(s) == name) return s;
  }
  return std::nullopt;
}

std::string_view ReasonName(LedgerReason reason) {
  switch (reason) {
    case LedgerReason::kAdjustment:
      return "adjustment";
    case LedgerReason::kReservation:
      return "reservation";
    case LedgerReason::kCommit:
      return "commit";
    case LedgerReason::kRelease:
      return "release";
    case LedgerReason::kExpiry:
      return "expiry";
  }
  return "adjustment";
}

StockDelta ReserveDelta(int64_t quantity) {
  return {-quantity, quantity, 0};
}

StockDelta CommitDelta(int64_t held, int64_t final_quantity) {
  return {held - final_quantity, -held, final_quantity};
}

StockDelta ReleaseDelta(int64_t held) {
  return {held, -held, 0};
}

Decision DecideCommit(ReservationState state, bool past_expiry, bool same_quantities) {
  switch (state) {
    case ReservationState::kHeld:
      return past_expiry ? Decision::kExpired : Decision::kApply;
    case ReservationState::kCommitted:
      return same_quantities ? Decision::kAlreadyDone : Decision::kInvalidTransition;
    case ReservationState::kExpired:
      return Decision::kExpired;
    case ReservationState::kReleased:
      return Decision::kInvalidTransition;
  }
  return Decision::kInvalidTransition;
}

Decision DecideRelease(ReservationState state) {
  switch (state) {
    case ReservationState::kHeld:
      return Decision::kApply;
    case ReservationState::kReleased:
    case ReservationState::kExpired:
      return Decision::kAlreadyDone;
    case ReservationState::kCommitted:
      return Decision::kInvalidTransition;
  }
  return Decision::kInvalidTransition;
}

absl::StatusOr<std::vector<int64_t>> PlanCommit(std::string_view field,
                                                std::string_view quantity_field,
                                                const std::vector<HeldLine>& held,
                                                const std::vector<FinalQuantity>& finals) {
  absl::flat_hash_map<std::string, size_t> index;
  for (size_t i = 0; i < held.size(); ++i)
    index.emplace(held[i].product_id, i);
  std::vector<int64_t> result(held.size(), 0);
  absl::flat_hash_set<std::string> named;
  for (size_t i = 0; i < finals.size(); ++i) {
    const FinalQuantity& f = finals[i];
    const std::string at = std::string(field) + "[" + std::to_string(i) + "]";
    auto it = index.find(f.product_id);
    if (it == index.end()) {
      return absl::InvalidArgumentError(at + ".product_id: not a line of this reservation");
    }
    if (!named.insert(f.product_id).second) {
      return absl::InvalidArgumentError(at + ".product_id: given more than once");
    }
    const int64_t max = held[it->second].held;
    if (f.quantity < 0 || f.quantity > max) {
      return absl::InvalidArgumentError(at + "." + std::string(quantity_field) +
                                        ": must be in 0.." + std::to_string(max) +
                                        " (the quantity held)");
    }
    result[it->second] = f.quantity;
  }
  return result;
}

std::optional<Refusal> CheckReservable(std::string_view market_id, bool market_open,
                                       const std::vector<RequestedLine>& lines,
                                       const std::vector<std::optional<ProductFacts>>& facts) {
  auto join = [](const std::vector<std::string>& items) {
    std::string out;
    for (const std::string& item : items) {
      if (!out.empty()) out += ", ";
      out += item;
    }
    return out;
  };
  std::vector<std::string> unknown, foreign, closed_stalls, inactive, short_lines;
  for (size_t i = 0; i < lines.size(); ++i) {
    const std::optional<ProductFacts>& f = facts[i];
    if (!f) {
      unknown.push_back(lines[i].product_id);
      continue;
    }
    if (f->market_id != market_id) foreign.push_back(lines[i].product_id);
    if (!f->stall_open) {
      bool seen = false;
      for (const std::string& s : closed_stalls)
        seen = seen || s == f->stall_id;
      if (!seen) closed_stalls.push_back(f->stall_id);
    }
    if (!f->active) inactive.push_back(lines[i].product_id);
    if (f->stock < lines[i].quantity) {
      short_lines.push_back(lines[i].product_id + " (requested " +
                            std::to_string(lines[i].quantity) + ", available " +
                            std::to_string(f->stock) + ")");
    }
  }
  if (!unknown.empty()) return Refusal{"PRODUCT_UNAVAILABLE", "unknown products " + join(unknown)};
  if (!foreign.empty()) {
    return Refusal{"MIXED_MARKETS",
                   "products not in market " + std::string(market_id) + ": " + join(foreign)};
  }
  if (!market_open) return Refusal{"MARKET_CLOSED", "the market is closed now"};
  if (!closed_stalls.empty())
    return Refusal{"STALL_CLOSED", "closed stalls " + join(closed_stalls)};
  if (!inactive.empty())
    return Refusal{"PRODUCT_UNAVAILABLE", "inactive products " + join(inactive)};
  if (!short_lines.empty()) return Refusal{"INSUFFICIENT_STOCK", join(short_lines)};
  return std::nullopt;
}

}  // namespace pasar::inventory
