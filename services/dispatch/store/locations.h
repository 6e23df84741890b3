// The couriers' last fixes (table courier_locations), shared by every instance.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <utility>
#include <vector>

#include "domain/matching.h"
#include "pasar/pg/pg.h"

namespace pasar::dispatch::store {

// One multi-row upsert (newer fixes win); serialised with other flushers so `seq` order is
// commit order. Fixes of unknown couriers are skipped.
void FlushFixes(pg::Pool& pool, const std::vector<std::pair<std::string, Fix>>& fixes);
// Calls f(courier_id, fix) for every row with seq > after_seq; returns the highest seq seen.
int64_t ReadFixesSince(pg::Pool& pool, int64_t after_seq,
                       const std::function<void(const std::string&, const Fix&)>& f);

}  // namespace pasar::dispatch::store
