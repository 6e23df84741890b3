// Failed deliveries (tables delivery_attempts, delivery_resolutions, market_failure_policy, and
// job_stops' return columns): what the decisions of domain/delivery_exceptions.h read and write.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "domain/delivery_exceptions.h"
#include "pasar/geo/geo.h"
#include "pasar/pg/pg.h"

namespace pasar::dispatch::store {

// The market's policy, or `defaults` when it has none.
domain::FailurePolicy ReadFailurePolicy(pg::Transaction& tx, const std::string& market_id,
                                        const domain::FailurePolicy& defaults);
void SaveFailurePolicy(pg::Transaction& tx, const std::string& market_id,
                       const domain::FailurePolicy& policy);

// The attempts reported for the job; `waited` on the database's clock.
domain::AttemptsSoFar ReadAttempts(pg::Transaction& tx, const std::string& job_id,
                                   int wait_minutes);
struct AttemptRow {
  std::string job_id;
  int attempt = 0;
  std::string courier_id;
  std::string outcome;  // "NO_ANSWER", ...
  geo::LatLng location;
  int64_t distance_meters = 0;
  std::string note;
};
void InsertAttempt(pg::Transaction& tx, const AttemptRow& row);

// The job's drop-off (nullopt: no such job).
std::optional<geo::LatLng> ReadDropOff(pg::Transaction& tx, const std::string& job_id);
// Stops whose goods are back (job.stops_returned).
int CountReturnedStops(pg::Transaction& tx, const std::string& job_id);
// One stop with its return (FOR UPDATE), and the picked-up stops not yet returned.
std::optional<domain::Stop> LockReturnStop(pg::Transaction& tx, const std::string& job_id,
                                           const std::string& ticket_id);
std::vector<domain::Stop> LockOpenStops(pg::Transaction& tx, const std::string& job_id);
// Writes a counted wrong code and a return (returned_now: where, when, the refund).
void SaveReturnStop(pg::Transaction& tx, const std::string& job_id, const domain::Stop& stop,
                    int64_t refunded_idr);

// The audit of ResolveDelivery.
void InsertResolution(pg::Transaction& tx, const std::string& job_id, std::string_view action,
                      const std::string& operator_subject, const std::string& reason);

}  // namespace pasar::dispatch::store
