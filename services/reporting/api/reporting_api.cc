#include "api/reporting_api.h"

#include <utility>

namespace pasar::reporting {
namespace {

// The response of a use case into *resp, or its error.
template <class Resp>
absl::Status Into(absl::StatusOr<Resp> out, Resp* resp) {
  if (!out.ok()) return out.status();
  *resp = std::move(*out);
  return absl::OkStatus();
}

}  // namespace

grpc::Status ReportingApi::GetStaples(grpc::ServerContext* ctx, const v1::GetStaplesRequest* req,
                                      v1::GetStaplesResponse* resp) {
  return rpc::Serve(ctx, *req, [&](const auth::Principal&) {
    *resp = reports_.Staples();
    return absl::OkStatus();
  });
}

grpc::Status ReportingApi::GetReport(grpc::ServerContext* ctx, const v1::GetReportRequest* req,
                                     v1::GetReportResponse* resp) {
  return rpc::Serve(ctx, *req,
                    [&](const auth::Principal&) { return Into(reports_.Report(*req), resp); });
}

grpc::Status ReportingApi::GetPipeline(grpc::ServerContext* ctx, const v1::GetPipelineRequest* req,
                                       v1::GetPipelineResponse* resp) {
  return rpc::Serve(ctx, *req, [&](const auth::Principal&) {
    return Into(reports_.Pipeline(*req, absl::Now()), resp);
  });
}

grpc::Status ReportingApi::GetStaplePrices(grpc::ServerContext* ctx,
                                           const v1::GetStaplePricesRequest* req,
                                           v1::GetStaplePricesResponse* resp) {
  return rpc::Serve(ctx, *req,
                    [&](const auth::Principal&) { return Into(reports_.Prices(*req), resp); });
}

grpc::Status ReportingApi::GetPriceExport(grpc::ServerContext* ctx,
                                          const v1::GetPriceExportRequest* req,
                                          v1::GetPriceExportResponse* resp) {
  return rpc::Serve(ctx, *req,
                    [&](const auth::Principal&) { return Into(reports_.Export(*req), resp); });
}

grpc::Status ReportingApi::GetReferencePrices(grpc::ServerContext* ctx,
                                              const v1::GetReferencePricesRequest* req,
                                              v1::GetReferencePricesResponse* resp) {
  return rpc::Serve(ctx, *req, [&](const auth::Principal&) {
    *resp = reports_.References();
    return absl::OkStatus();
  });
}

grpc::Status ReportingApi::SetReferencePrice(grpc::ServerContext* ctx,
                                             const v1::SetReferencePriceRequest* req,
                                             v1::SetReferencePriceResponse* resp) {
  return rpc::Serve(ctx, *req, [&](const auth::Principal& who) {
    return Into(reports_.SetReference(who, *req), resp);
  });
}

}  // namespace pasar::reporting
