// DispatchOpsService: the gRPC adapter of operators' view and management of couriers and jobs
// (role operator, api/access.cc). Decode and check the request, call the use case, encode.
#pragma once

#include "app/exception_cases.h"
#include "app/operator_cases.h"
#include "app/report_cases.h"
#include "pasar/auth/auth.h"
#include "pasar/dispatch/v1/dispatch.grpc.pb.h"

namespace pasar::dispatch::api {

namespace v1 = ::pasar::dispatch::v1;

class OpsApi final : public v1::DispatchOpsService::Service {
 public:
  OpsApi(app::OperatorCases& cases, app::ReportCases& reports, app::ExceptionCases& exceptions)
      : cases_(cases), reports_(reports), exceptions_(exceptions) {}

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
  // In api/report_api.cc.
  grpc::Status GetDispatchReport(grpc::ServerContext* ctx, const v1::GetDispatchReportRequest* req,
                                 v1::GetDispatchReportResponse* resp) override;
  grpc::Status SetMarketDispatch(grpc::ServerContext* ctx, const v1::SetMarketDispatchRequest* req,
                                 v1::SetMarketDispatchResponse* resp) override;
  // In api/exception_api.cc.
  grpc::Status ResolveDelivery(grpc::ServerContext* ctx, const v1::ResolveDeliveryRequest* req,
                               v1::ResolveDeliveryResponse* resp) override;
  grpc::Status SetFailurePolicy(grpc::ServerContext* ctx, const v1::SetFailurePolicyRequest* req,
                                v1::SetFailurePolicyResponse* resp) override;
  grpc::Status GetCourierStatement(grpc::ServerContext* ctx,
                                   const v1::GetCourierStatementRequest* req,
                                   v1::GetCourierStatementResponse* resp) override;

 private:
  app::OperatorCases& cases_;
  app::ReportCases& reports_;
  app::ExceptionCases& exceptions_;
};

}  // namespace pasar::dispatch::api
