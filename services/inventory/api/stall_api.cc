#include "api/services.h"
#include "api/validated.h"

namespace pasar::inventory {

using auth::Principal;

grpc::Status StallApi::UpdateStall(grpc::ServerContext* ctx, const pb::UpdateStallRequest* req,
                                   pb::UpdateStallResponse* resp) {
  return Validated(ctx, *req,
                   [&](const Principal& who) { return stalls_.UpdateStall(who, *req, resp); });
}

grpc::Status StallApi::CreateProduct(grpc::ServerContext* ctx, const pb::CreateProductRequest* req,
                                     pb::CreateProductResponse* resp) {
  return Validated(ctx, *req,
                   [&](const Principal& who) { return stalls_.CreateProduct(who, *req, resp); });
}

grpc::Status StallApi::UpdateProduct(grpc::ServerContext* ctx, const pb::UpdateProductRequest* req,
                                     pb::UpdateProductResponse* resp) {
  return Validated(ctx, *req,
                   [&](const Principal& who) { return stalls_.UpdateProduct(who, *req, resp); });
}

grpc::Status StallApi::AdjustStock(grpc::ServerContext* ctx, const pb::AdjustStockRequest* req,
                                   pb::AdjustStockResponse* resp) {
  return Validated(ctx, *req,
                   [&](const Principal& who) { return stalls_.AdjustStock(who, *req, resp); });
}

grpc::Status StallApi::SetStock(grpc::ServerContext* ctx, const pb::SetStockRequest* req,
                                pb::SetStockResponse* resp) {
  return Validated(ctx, *req,
                   [&](const Principal& who) { return stalls_.SetStock(who, *req, resp); });
}

}  // namespace pasar::inventory
