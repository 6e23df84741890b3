// The reservation state machine and the stock arithmetic of settling a reservation. Pure.
//
// A product row carries three counters: `stock` (free to sell), `held` (reserved, not yet
// settled) and `sold`. Every change moves units between them and is written to the stock ledger
// as (delta_stock, delta_held, delta_sold); only an adjustment changes their sum, so at any time
// stock + held + sold = the sum of all adjustments (the initial stock being the first one).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"

namespace pasar::inventory {

enum class ReservationState { kHeld, kCommitted, kReleased, kExpired };

// "HELD", "COMMITTED", "RELEASED", "EXPIRED" (the stored text).
std::string_view StateName(ReservationState state);
std::optional<ReservationState> ParseState(std::string_view name);

// Why a stock counter changed (the ledger's `reason`).
enum class LedgerReason { kAdjustment, kReservation, kCommit, kRelease, kExpiry };
std::string_view ReasonName(LedgerReason reason);  // "adjustment", "reservation", …

// Moves of one ledger row.
struct StockDelta {
  int64_t stock = 0;
  int64_t held = 0;
  int64_t sold = 0;
};

// Reserving `quantity`: stock → held.
StockDelta ReserveDelta(int64_t quantity);
// Settling a line that holds `held` units with `final_quantity` sold: the rest returns to stock.
StockDelta CommitDelta(int64_t held, int64_t final_quantity);
// Releasing (or expiring) a line that holds `held` units: all of it returns to stock.
StockDelta ReleaseDelta(int64_t held);

// What a request on a reservation in a given state must do.
enum class Decision {
  kApply,             // perform the transition
  kAlreadyDone,       // the same transition already happened: answer as before, write nothing
  kExpired,           // refuse: RESERVATION_EXPIRED
  kInvalidTransition  // refuse: INVALID_TRANSITION
};

// Commit of a reservation in `state`. `past_expiry`: the expiry time has passed (the sweeper may
// not have run yet; the goods are considered released). `same_quantities`: a COMMITTED
// reservation was committed with exactly the requested final quantities.
Decision DecideCommit(ReservationState state, bool past_expiry, bool same_quantities);
// Release of a reservation in `state`: releasing a released or expired one is a no-op success.
Decision DecideRelease(ReservationState state);

// One held line of a reservation and the final quantity the commit asks for.
struct HeldLine {
  std::string product_id;
  int64_t held = 0;
};
struct FinalQuantity {
  std::string product_id;
  int64_t quantity = 0;
};

// Final quantity per held line (same order as `held`): lines named in `finals` take that
// quantity, lines not named take 0 (everything returns to stock). INVALID_ARGUMENT
// "<field>[i].product_id: …" when a final names a product not in the reservation or names one
// twice, "<field>[i].<quantity_field>: …" when it asks for less than 0 or more than is held.
absl::StatusOr<std::vector<int64_t>> PlanCommit(std::string_view field,
                                                std::string_view quantity_field,
                                                const std::vector<HeldLine>& held,
                                                const std::vector<FinalQuantity>& finals);

// What ReserveStock knows about one requested product after locking it.
struct ProductFacts {
  std::string market_id;
  std::string stall_id;
  bool active = false;
  bool stall_open = false;
  int64_t stock = 0;
};
struct RequestedLine {
  std::string product_id;
  int64_t quantity = 0;
};
// A domain refusal: a pasar.common.v1.ErrorReason short name and a message (sent with
// FAILED_PRECONDITION).
struct Refusal {
  std::string reason;
  std::string message;
};

// Whether `lines` can be held now in market `market_id` (open or not, per its hours), given the
// facts of the products found (`facts` has no entry for an unknown product; facts[i] belongs to
// lines[i]). Checked in this order, each refusal naming every offending id:
// PRODUCT_UNAVAILABLE (unknown), MIXED_MARKETS (another market), MARKET_CLOSED, STALL_CLOSED,
// PRODUCT_UNAVAILABLE (inactive), INSUFFICIENT_STOCK ("id (requested N, available M)").
std::optional<Refusal> CheckReservable(std::string_view market_id, bool market_open,
                                       const std::vector<RequestedLine>& lines,
                                       const std::vector<std::optional<ProductFacts>>& facts);

}  // namespace pasar::inventory
