// A trader's decision on the lines of a ticket, the weighed-line tolerance, ticket totals. Pure.
//
// Contract (pasar.order.v1.AcceptTicketRequest): lines are identified by product id; a line
// without a decision is accepted as ordered; an accepted line hands over 1..ordered units
// (0 = as ordered); a weighed line may carry the line total actually charged, within
// +-tolerance percent of final quantity x unit price; at least one line must end accepted.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

namespace pasar::order::domain {

// One line of a ticket as ordered (prices snapshotted at PlaceOrder).
struct OrderedLine {
  std::string product_id;
  int64_t quantity = 0;        // ordered, in the product's sale unit
  int64_t unit_price_idr = 0;  // snapshotted at PlaceOrder
  bool weighed = false;
  int64_t OrderedTotal() const { return quantity * unit_price_idr; }
};

// The trader's answer for one line.
struct LineDecision {
  std::string product_id;
  bool rejected = false;  // e.g. out of stock: the line is dropped
  int reject_reason = 0;  // rejected lines: pasar.order.v1.RejectReason value
  // Accepted quantity, 1..ordered; 0 = as ordered.
  int64_t quantity = 0;
  // Weighed lines only: the line total actually charged; absent = quantity * unit price.
  std::optional<int64_t> line_total_idr;
};

// The outcome for one line after the decision.
struct DecidedLine {
  std::string product_id;
  bool rejected = false;
  int64_t final_quantity = 0;   // 0 when rejected
  int64_t final_total_idr = 0;  // 0 when rejected
};

// Why a set of decisions was refused.
enum class DecisionError {
  kNone,
  kUnknownLine,         // a decision names a product not on the ticket (INVALID_ARGUMENT)
  kDuplicateLine,       // two decisions for one line (INVALID_ARGUMENT)
  kBadQuantity,         // quantity out of 0..ordered, or a line total <= 0 (INVALID_ARGUMENT)
  kPriceOnCountedLine,  // a line total given for a non-weighed line (INVALID_ARGUMENT)
  kNoneAccepted,        // every line rejected: that is RejectTicket (INVALID_ARGUMENT)
  kToleranceExceeded,   // weighed total beyond tolerance (WEIGHT_TOLERANCE_EXCEEDED)
};

struct DecisionResult {
  DecisionError error = DecisionError::kNone;
  int error_index = -1;            // index into the decisions (-1 for kNoneAccepted)
  std::vector<DecidedLine> lines;  // in the ticket's line order; empty on error
  int64_t ticket_total_idr = 0;    // sum of accepted lines
};

// |actual - expected| * 100 <= expected * tolerance_percent (integer arithmetic, inclusive).
bool WithinTolerance(int64_t expected, int64_t actual, int64_t tolerance_percent);

// Applies the trader's decisions to the ticket's lines (see the contract above).
DecisionResult ApplyDecisions(std::span<const OrderedLine> lines,
                              std::span<const LineDecision> decisions, int64_t tolerance_percent);

}  // namespace pasar::order::domain
