#include "app/operator_cases.h"

#include "app/holders.h"
#include "app/idempotent.h"
#include "app/record.h"
#include "domain/decisions.h"
#include "store/jobs.h"
#include "store/stats.h"

namespace pasar::dispatch::app {

Outcome OperatorCases::CreateCourier(const store::IdemKey& key, const v1::CreateCourierRequest& req,
                                     v1::CreateCourierResponse* resp) {
  return Idempotent(pool_, "create_courier", key, resp, [&](pg::Transaction& tx, bool&) {
    const auto id = store::InsertCourier(tx, req);
    if (!id) return Refuse(Refusal::kAlreadyExists, "a courier with this subject exists");
    *resp->mutable_courier() = *store::ReadCourier(tx, *id);
    return Outcome{};
  });
}

store::CourierPage OperatorCases::ListCouriers(const v1::ListCouriersRequest& req,
                                               const std::optional<store::CourierCursor>& after,
                                               int limit) {
  pg::Transaction tx(pool_, "list_couriers");
  store::CourierPage page = store::ListCouriers(tx, req, after, limit);
  tx.Commit();
  return page;
}

std::optional<v1::Job> OperatorCases::GetJob(const std::string& job_id) {
  pg::Transaction tx(pool_, "get_job");
  auto job = store::ReadJob(tx, job_id);
  tx.Commit();
  return job;
}

store::JobPage OperatorCases::ListJobs(const v1::ListJobsRequest& req,
                                       const std::optional<store::JobCursor>& after, int limit) {
  pg::Transaction tx(pool_, "list_jobs");
  store::JobPage page = store::ListJobs(tx, req, after, limit);
  tx.Commit();
  return page;
}

void OperatorCases::Stats(const std::string& market_id, int64_t since_ms,
                          v1::GetStatsResponse* resp) {
  pg::Transaction tx(pool_, "stats", pg::Transaction::Isolation::kRepeatableRead);
  store::ReadStats(tx, market_id, since_ms, resp);
  tx.Commit();
}

Outcome OperatorCases::UnassignCourier(const store::IdemKey& key,
                                       const v1::UnassignCourierRequest& req,
                                       v1::UnassignCourierResponse* resp) {
  return Idempotent(pool_, "unassign_courier", key, resp, [&](pg::Transaction& tx, bool&) {
    auto job = store::LockJob(tx, req.job_id());
    if (!job) return Refuse(Refusal::kNotFound, "job");
    LockedHolders holders = LockHolders(tx, *job);
    const domain::Decision d = domain::Unassign(*job, holders.view(), req.note());
    if (!d.ok()) return OutcomeOf(d);
    SaveHolders(tx, holders);
    store::SaveJob(tx, *job);
    Record(tx, job->id, job->correlation_id, d);
    *resp->mutable_job() = *store::ReadJob(tx, job->id);
    return Outcome{};
  });
}

}  // namespace pasar::dispatch::app
