// The gRPC adapter of the reporting service: who may call what (one table, kRoles), decode, call
// the use case (app/reports.h), encode. No SQL and no business rules here.
#pragma once

#include <string_view>

#include "app/reports.h"
#include "pasar/auth/auth.h"
#include "pasar/reporting/v1/reporting.grpc.pb.h"

namespace pasar::reporting {

class ReportingApi final : public v1::ReportingService::Service {
 public:
  ReportingApi(Reports& reports, const auth::Verifier& verifier)
      : reports_(reports), verifier_(verifier) {}

  grpc::Status GetStaples(grpc::ServerContext* ctx, const v1::GetStaplesRequest* req,
                          v1::GetStaplesResponse* resp) override;
  grpc::Status GetReport(grpc::ServerContext* ctx, const v1::GetReportRequest* req,
                         v1::GetReportResponse* resp) override;
  grpc::Status GetPipeline(grpc::ServerContext* ctx, const v1::GetPipelineRequest* req,
                           v1::GetPipelineResponse* resp) override;
  grpc::Status GetStaplePrices(grpc::ServerContext* ctx, const v1::GetStaplePricesRequest* req,
                               v1::GetStaplePricesResponse* resp) override;
  grpc::Status GetPriceExport(grpc::ServerContext* ctx, const v1::GetPriceExportRequest* req,
                              v1::GetPriceExportResponse* resp) override;
  grpc::Status GetReferencePrices(grpc::ServerContext* ctx,
                                  const v1::GetReferencePricesRequest* req,
                                  v1::GetReferencePricesResponse* resp) override;
  grpc::Status SetReferencePrice(grpc::ServerContext* ctx, const v1::SetReferencePriceRequest* req,
                                 v1::SetReferencePriceResponse* resp) override;

 private:
  // Authenticates the caller of `method` against kRoles and runs `call(principal)`, which
  // returns an absl::StatusOr of the response, answered at the edge (rpc::Answer).
  template <class Resp, class Call>
  grpc::Status Serve(grpc::ServerContext* ctx, std::string_view method, Resp* resp, Call&& call);

  Reports& reports_;
  const auth::Verifier& verifier_;
};

}  // namespace pasar::reporting
