// The operator's use cases (DispatchOpsService): couriers, jobs, statistics, and taking a job
// back from its courier. Each is one transaction; the mutations are idempotent on their key.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "app/outcome.h"
#include "pasar/dispatch/v1/dispatch.pb.h"
#include "pasar/pg/pg.h"
#include "store/couriers.h"
#include "store/idempotency.h"
#include "store/job_views.h"

namespace pasar::dispatch::app {

namespace v1 = ::pasar::dispatch::v1;

class OperatorCases final {
 public:
  explicit OperatorCases(pg::Pool& pool) : pool_(pool) {}

  Outcome CreateCourier(const store::IdemKey& key, const v1::CreateCourierRequest& req,
                        v1::CreateCourierResponse* resp);
  // Pages of couriers / jobs (store/couriers.h, store/job_views.h).
  store::CourierPage ListCouriers(const v1::ListCouriersRequest& req,
                                  const std::optional<store::CourierCursor>& after, int limit);
  std::optional<v1::Job> GetJob(const std::string& job_id);
  store::JobPage ListJobs(const v1::ListJobsRequest& req,
                          const std::optional<store::JobCursor>& after, int limit);
  void Stats(const std::string& market_id, int64_t since_ms, v1::GetStatsResponse* resp);
  // Takes an OFFERED or ASSIGNED job without picked-up tickets back from its courier (who goes
  // IDLE and is excluded from it): PENDING in a fresh dispatch window, wrong pickup code
  // counters reset (domain::Unassign). kNotFound, or kInvalidTransition in any other state.
  Outcome UnassignCourier(const store::IdemKey& key, const v1::UnassignCourierRequest& req,
                          v1::UnassignCourierResponse* resp);

 private:
  pg::Pool& pool_;
};

}  // namespace pasar::dispatch::app
