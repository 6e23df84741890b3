// DispatchOpsService: the gRPC adapter of operators' view and management of couriers and jobs
// (role operator, api/access.cc). Decode and check the request, call the use case, encode.
#pragma once

#include "app/operator_cases.h"
#include "pasar/auth/auth.h"
#include "pasar/dispatch/v1/dispatch.grpc.pb.h"

namespace pasar::dispatch::api {

namespace v1 = ::pasar::dispatch::v1;

class OpsApi final : public v1::DispatchOpsService::Service {
 public:
  explicit OpsApi(app::OperatorCases& cases) : cases_(cases) {}

  grpc::Status CreateCourier(grpc::ServerContext* ctx, const v1::CreateCourierRequest* req,
                             v1::CreateCourierResponse* resp) override;
  grpc::Status ListCouriers(grpc::ServerContext* ctx, const v1::ListCouriersRequest* req,
                            v1::ListCouriersResponse* resp) override;
  grpc::Status GetJob(grpc::ServerContext* ctx, const v1::GetJobRequest* req,
                      v1::GetJobResponse* resp) override;
  grpc::Status ListJobs(grpc::ServerContext* ctx, const v1::ListJobsRequest* req,
                        v1::ListJobsResponse* resp) override;
  grpc::Status GetStats(grpc::ServerContext* ctx, const v1::GetStatsRequest* req,
                        v1::GetStatsResponse* resp) override;
  grpc::Status UnassignCourier(grpc::ServerContext* ctx, const v1::UnassignCourierRequest* req,
                               v1::UnassignCourierResponse* resp) override;

 private:
  app::OperatorCases& cases_;
};

}  // namespace pasar::dispatch::api
