#include "api/reporting_api.h"

#include <array>
#include <utility>

#include "pasar/rpc/server.h"
#include "pasar/rpc/status.h"

namespace pasar::reporting {
namespace {

using auth::Role;

// Who may call what, in one place: the market office (operator) and the regency's officials
// (official, read-only) read everything; only operators set reference prices. Nothing here is a
// customer's personal data.
struct MethodRoles {
  std::string_view method;
  std::initializer_list<Role> roles;
};
constexpr std::initializer_list<Role> kReaders = {Role::kOperator, Role::kOfficial};
constexpr std::initializer_list<Role> kOperators = {Role::kOperator};
const std::array<MethodRoles, 7> kRoles{{
    {"GetStaples", kReaders},
    {"GetReport", kReaders},
    {"GetPipeline", kReaders},
    {"GetStaplePrices", kReaders},
    {"GetPriceExport", kReaders},
    {"GetReferencePrices", kReaders},
    {"SetReferencePrice", kOperators},
}};

std::initializer_list<Role> RolesOf(std::string_view method) {
  for (const MethodRoles& m : kRoles) {
    if (m.method == method) return m.roles;
  }
  return kOperators;  // unreachable for the methods below; the narrowest set otherwise
}

}  // namespace

template <class Resp, class Call>
grpc::Status ReportingApi::Serve(grpc::ServerContext* ctx, std::string_view method, Resp* resp,
                                 Call&& call) {
  return rpc::Guard([&]() -> grpc::Status {
    absl::StatusOr<auth::Principal> who = rpc::Authenticate(ctx, verifier_, RolesOf(method));
    if (!who.ok()) return rpc::ToGrpc(who.status());
    absl::StatusOr<Resp> out = std::forward<Call>(call)(*who);
    if (!out.ok()) return rpc::Answer(ctx, out.status());
    *resp = std::move(*out);
    return grpc::Status::OK;
  });
}

grpc::Status ReportingApi::GetStaples(grpc::ServerContext* ctx, const v1::GetStaplesRequest*,
                                      v1::GetStaplesResponse* resp) {
  return Serve(ctx, "GetStaples", resp, [&](const auth::Principal&) {
    return absl::StatusOr<v1::GetStaplesResponse>(reports_.Staples());
  });
}

grpc::Status ReportingApi::GetReport(grpc::ServerContext* ctx, const v1::GetReportRequest* req,
                                     v1::GetReportResponse* resp) {
  return Serve(ctx, "GetReport", resp,
               [&](const auth::Principal&) { return reports_.Report(*req); });
}

grpc::Status ReportingApi::GetPipeline(grpc::ServerContext* ctx, const v1::GetPipelineRequest* req,
                                       v1::GetPipelineResponse* resp) {
  return Serve(ctx, "GetPipeline", resp,
               [&](const auth::Principal&) { return reports_.Pipeline(*req, absl::Now()); });
}

grpc::Status ReportingApi::GetStaplePrices(grpc::ServerContext* ctx,
                                           const v1::GetStaplePricesRequest* req,
                                           v1::GetStaplePricesResponse* resp) {
  return Serve(ctx, "GetStaplePrices", resp,
               [&](const auth::Principal&) { return reports_.Prices(*req); });
}

grpc::Status ReportingApi::GetPriceExport(grpc::ServerContext* ctx,
                                          const v1::GetPriceExportRequest* req,
                                          v1::GetPriceExportResponse* resp) {
  return Serve(ctx, "GetPriceExport", resp,
               [&](const auth::Principal&) { return reports_.Export(*req); });
}

grpc::Status ReportingApi::GetReferencePrices(grpc::ServerContext* ctx,
                                              const v1::GetReferencePricesRequest*,
                                              v1::GetReferencePricesResponse* resp) {
  return Serve(ctx, "GetReferencePrices", resp, [&](const auth::Principal&) {
    return absl::StatusOr<v1::GetReferencePricesResponse>(reports_.References());
  });
}

grpc::Status ReportingApi::SetReferencePrice(grpc::ServerContext* ctx,
                                             const v1::SetReferencePriceRequest* req,
                                             v1::SetReferencePriceResponse* resp) {
  return Serve(ctx, "SetReferencePrice", resp,
               [&](const auth::Principal& who) { return reports_.SetReference(who, *req); });
}

}  // namespace pasar::reporting
