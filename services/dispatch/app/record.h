// Writes what a decision recorded besides its aggregates, in the caller's transaction: the
// exclusions, released assignments and reset pickup code counters (store), and its events,
// in order, to the outbox (stream events.dispatch).
#pragma once

#include <string>
#include <vector>

#include "domain/decisions.h"
#include "pasar/pg/pg.h"

namespace pasar::dispatch::app {

inline constexpr char kDispatchStream[] = "events.dispatch";
inline constexpr char kProducer[] = "dispatch";

// `job_id`: the job the decision was about; `correlation_id`: its correlation.
void Record(pg::Transaction& tx, const std::string& job_id, const std::string& correlation_id,
            const domain::Decision& decision);

// The events alone. Aggregate: the courier (dispatch events about a courier wake their
// WatchOffers streams), the job for DispatchFailed, the order for CancellationSettled.
void RecordEvents(pg::Transaction& tx, const std::string& correlation_id,
                  const std::vector<domain::Event>& events);

}  // namespace pasar::dispatch::app
