#include "api/services.h"
#include "api/validated.h"

namespace pasar::inventory {

using auth::Principal;

grpc::Status StockApi::ReserveStock(grpc::ServerContext* ctx, const pb::ReserveStockRequest* req,
                                    pb::ReserveStockResponse* resp) {
  return Validated(ctx, *req,
                   [&](const Principal& who) { return holds_.Reserve(who, *req, resp); });
}

grpc::Status StockApi::CommitReservation(grpc::ServerContext* ctx,
                                         const pb::CommitReservationRequest* req,
                                         pb::CommitReservationResponse* resp) {
  return Validated(ctx, *req, [&](const Principal& who) { return holds_.Commit(who, *req, resp); });
}

grpc::Status StockApi::ReleaseReservation(grpc::ServerContext* ctx,
                                          const pb::ReleaseReservationRequest* req,
                                          pb::ReleaseReservationResponse* resp) {
  return Validated(ctx, *req,
                   [&](const Principal& who) { return holds_.Release(who, *req, resp); });
}

grpc::Status StockApi::GetReservation(grpc::ServerContext* ctx,
                                      const pb::GetReservationRequest* req,
                                      pb::GetReservationResponse* resp) {
  return Validated(ctx, *req, [&](const Principal&) {
    return holds_.Get(req->reservation_id(), resp->mutable_reservation());
  });
}

}  // namespace pasar::inventory
