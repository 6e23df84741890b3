// Couriers (tables couriers, courier_locations): the lifecycle row a decision works on
// (domain::Courier), written back when changed; the contract's view (v1::Courier); the lists.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "domain/job.h"
#include "domain/matching.h"
#include "pasar/dispatch/v1/dispatch.pb.h"
#include "pasar/pg/pg.h"

namespace pasar::dispatch::store {

namespace v1 = ::pasar::dispatch::v1;

// ---- lifecycle rows (FOR UPDATE) -------------------------------------------------------------
std::optional<domain::Courier> LockCourier(pg::Transaction& tx, const std::string& id);
std::optional<domain::Courier> LockCourierBySubject(pg::Transaction& tx,
                                                    const std::string& subject);
// The courier if IDLE and not locked by another transaction (FOR UPDATE SKIP LOCKED): the
// matcher's, which never waits.
std::optional<domain::Courier> TryLockIdleCourier(pg::Transaction& tx, const std::string& id);
// Writes the state, cash, current job, timeouts and clocks a decision set (nothing unless
// courier.changed).
void SaveCourier(pg::Transaction& tx, const domain::Courier& courier);
// A new courier (OFF_DUTY); nullopt when the subject has one already.
std::optional<std::string> InsertCourier(pg::Transaction& tx,
                                         const v1::CreateCourierRequest& request);

// ---- views -----------------------------------------------------------------------------------
std::optional<v1::Courier> ReadCourier(pg::Transaction& tx, const std::string& id);
std::optional<v1::Courier> ReadCourierBySubject(pg::Transaction& tx, const std::string& subject);
std::optional<std::string> CourierIdBySubject(pg::Pool& pool, const std::string& subject);

// Couriers by name then id, or nearest first around `near` (whole meters, then id), strictly
// after `after` when given: keyset pagination, so couriers created meanwhile never shift a
// page. `next` is set when more rows follow.
struct CourierCursor {
  int64_t distance_m = 0;  // of the last courier from `near`; 0 without `near`
  std::string id;          // a courier id (uuid)
};
struct CourierPage {
  std::vector<v1::Courier> couriers;
  std::optional<CourierCursor> next;
};
CourierPage ListCouriers(pg::Transaction& tx, const v1::ListCouriersRequest& request,
                         const std::optional<CourierCursor>& after, int limit);

// The IDLE ones among `ids`: cash on hand and idle time (the matcher's view).
absl::flat_hash_map<std::string, IdleCourier> IdleCouriers(pg::Pool& pool,
                                                           const std::vector<std::string>& ids);

}  // namespace pasar::dispatch::store
