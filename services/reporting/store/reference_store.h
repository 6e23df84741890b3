// The reference prices the office sets (table reference_prices): the reporting service's own
// input, not derived from events.
#pragma once

#include <string>
#include <vector>

#include "domain/prices.h"
#include "pasar/pg/pg.h"
#include "pasar/reporting/v1/reporting.pb.h"

namespace pasar::reporting {

class ReferenceStore final {
 public:
  explicit ReferenceStore(pg::Pool& pool) : pool_(pool) {}

  // Sets (replaces) the reference price of (commodity, market_id) and returns it as stored.
  v1::ReferencePrice Save(pg::Transaction& tx, const Reference& reference,
                          const std::string& set_by);
  // Every reference price, by commodity then market (every-market ones first).
  std::vector<v1::ReferencePrice> All();

 private:
  pg::Pool& pool_;
};

// The domain's view of stored reference prices.
std::vector<Reference> ToReferences(const std::vector<v1::ReferencePrice>& stored);

}  // namespace pasar::reporting
