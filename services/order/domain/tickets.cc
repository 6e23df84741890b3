#include "domain/tickets.h"

#include <algorithm>

namespace pasar::order::domain {
namespace {

DecisionResult Fail(DecisionError error, int index) {
  DecisionResult r;
  r.error = error;
  r.error_index = index;
  return r;
}

}  // namespace

bool WithinTolerance(int64_t expected, int64_t actual, int64_t tolerance_percent) {
  const int64_t diff = actual > expected ? actual - expected : expected - actual;
  return diff * 100 <= expected * std::max<int64_t>(0, tolerance_percent);
}

DecisionResult ApplyDecisions(std::span<const OrderedLine> lines,
                              std::span<const LineDecision> decisions, int64_t tolerance_percent) {
  std::vector<int> decision_of(lines.size(), -1);
  for (size_t i = 0; i < decisions.size(); ++i) {
    const auto it = std::find_if(lines.begin(), lines.end(), [&](const OrderedLine& l) {
      return l.product_id == decisions[i].product_id;
    });
    if (it == lines.end()) return Fail(DecisionError::kUnknownLine, static_cast<int>(i));
    const size_t index = static_cast<size_t>(it - lines.begin());
    if (decision_of[index] >= 0) return Fail(DecisionError::kDuplicateLine, static_cast<int>(i));
    decision_of[index] = static_cast<int>(i);
  }
  DecisionResult result;
  bool any_accepted = false;
  for (size_t l = 0; l < lines.size(); ++l) {
    const OrderedLine& line = lines[l];
    const int i = decision_of[l];
    DecidedLine out{line.product_id, false, line.quantity, line.OrderedTotal()};
    if (i >= 0) {
      const LineDecision& d = decisions[static_cast<size_t>(i)];
      if (d.rejected) {
        out = {line.product_id, true, 0, 0};
      } else {
        if (d.quantity < 0 || d.quantity > line.quantity) {
          return Fail(DecisionError::kBadQuantity, i);
        }
        out.final_quantity = d.quantity == 0 ? line.quantity : d.quantity;
        const int64_t priced = out.final_quantity * line.unit_price_idr;
        out.final_total_idr = priced;
        if (d.line_total_idr.has_value()) {
          if (!line.weighed) return Fail(DecisionError::kPriceOnCountedLine, i);
          if (*d.line_total_idr <= 0) return Fail(DecisionError::kBadQuantity, i);
          if (!WithinTolerance(priced, *d.line_total_idr, tolerance_percent)) {
            return Fail(DecisionError::kToleranceExceeded, i);
          }
          out.final_total_idr = *d.line_total_idr;
        }
      }
    }
    if (!out.rejected) {
      any_accepted = true;
      result.ticket_total_idr += out.final_total_idr;
    }
    result.lines.push_back(std::move(out));
  }
  if (!any_accepted) return Fail(DecisionError::kNoneAccepted, -1);
  return result;
}

}  // namespace pasar::order::domain
