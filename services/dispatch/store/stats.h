// The operator's statistics of a market (all markets for ""): couriers by state, jobs by status,
// offers, assignments and their latency, failures, since a time.
#pragma once

#include <cstdint>
#include <string>

#include "pasar/dispatch/v1/dispatch.pb.h"
#include "pasar/pg/pg.h"

namespace pasar::dispatch::store {

// Run in one REPEATABLE READ transaction, so every figure is of one moment.
void ReadStats(pg::Transaction& tx, const std::string& market_id, int64_t since_ms,
               ::pasar::dispatch::v1::GetStatsResponse* resp);

}  // namespace pasar::dispatch::store
