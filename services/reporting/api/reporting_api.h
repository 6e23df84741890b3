// The gRPC adapter of the reporting service: decode, call the use case (app/reports.h), encode.
// Who may call which method is Access()'s table (api/access.cc), applied by rpc::Serve. No SQL and
// no business rules here.
#pragma once

#include "app/reports.h"
#include "pasar/reporting/v1/reporting.grpc.pb.h"
#include "pasar/rpc/serve.h"

namespace pasar::reporting {

class ReportingApi final : public v1::ReportingService::Service {
 public:
  explicit ReportingApi(Reports& reports) : reports_(reports) {}

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
  Reports& reports_;
};

// Who may call each method: the market office (operator) and the regency's officials (official,
// read-only) read everything; only operators set reference prices. Nothing here is a customer's
// personal data.
rpc::AccessTable Access();

}  // namespace pasar::reporting
