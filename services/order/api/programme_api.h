// pasar.order.v1.ProgrammeService: the regency's programmes (operators and officials; customers
// link a resident number). Validates the requests and calls the use cases (app/programmes.h).
#pragma once

#include "app/programmes.h"
#include "pasar/order/v1/programme.grpc.pb.h"

namespace pasar::order {

class ProgrammeApi final : public v1::ProgrammeService::Service {
 public:
  explicit ProgrammeApi(Programmes& programmes) : programmes_(programmes) {}

  grpc::Status CreateProgramme(grpc::ServerContext* ctx, const v1::CreateProgrammeRequest* req,
                               v1::CreateProgrammeResponse* resp) override;
  grpc::Status GetProgramme(grpc::ServerContext* ctx, const v1::GetProgrammeRequest* req,
                            v1::GetProgrammeResponse* resp) override;
  grpc::Status ListProgrammes(grpc::ServerContext* ctx, const v1::ListProgrammesRequest* req,
                              v1::ListProgrammesResponse* resp) override;
  grpc::Status SetProgrammeState(grpc::ServerContext* ctx, const v1::SetProgrammeStateRequest* req,
                                 v1::SetProgrammeStateResponse* resp) override;
  grpc::Status TopUpProgramme(grpc::ServerContext* ctx, const v1::TopUpProgrammeRequest* req,
                              v1::TopUpProgrammeResponse* resp) override;
  grpc::Status ImportResidents(grpc::ServerContext* ctx, const v1::ImportResidentsRequest* req,
                               v1::ImportResidentsResponse* resp) override;
  grpc::Status LinkResident(grpc::ServerContext* ctx, const v1::LinkResidentRequest* req,
                            v1::LinkResidentResponse* resp) override;
  grpc::Status GetProgrammeStatement(grpc::ServerContext* ctx,
                                     const v1::GetProgrammeStatementRequest* req,
                                     v1::GetProgrammeStatementResponse* resp) override;

 private:
  Programmes& programmes_;
};

}  // namespace pasar::order
