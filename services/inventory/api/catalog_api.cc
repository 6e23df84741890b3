#include "api/services.h"
#include "api/validated.h"

namespace pasar::inventory {

using auth::Principal;

grpc::Status CatalogApi::ListMarkets(grpc::ServerContext* ctx, const pb::ListMarketsRequest* req,
                                     pb::ListMarketsResponse* resp) {
  return Validated(ctx, *req, [&](const Principal&) { return catalog_.ListMarkets(*req, resp); });
}

grpc::Status CatalogApi::GetMarket(grpc::ServerContext* ctx, const pb::GetMarketRequest* req,
                                   pb::GetMarketResponse* resp) {
  return Validated(ctx, *req, [&](const Principal&) {
    return catalog_.GetMarket(req->market_id(), resp->mutable_market());
  });
}

grpc::Status CatalogApi::ListStalls(grpc::ServerContext* ctx, const pb::ListStallsRequest* req,
                                    pb::ListStallsResponse* resp) {
  return Validated(ctx, *req, [&](const Principal&) { return catalog_.ListStalls(*req, resp); });
}

grpc::Status CatalogApi::GetStall(grpc::ServerContext* ctx, const pb::GetStallRequest* req,
                                  pb::GetStallResponse* resp) {
  return Validated(ctx, *req, [&](const Principal&) {
    return catalog_.GetStall(req->stall_id(), resp->mutable_stall());
  });
}

grpc::Status CatalogApi::ListProducts(grpc::ServerContext* ctx, const pb::ListProductsRequest* req,
                                      pb::ListProductsResponse* resp) {
  return Validated(ctx, *req, [&](const Principal&) { return catalog_.ListProducts(*req, resp); });
}

grpc::Status CatalogApi::GetProduct(grpc::ServerContext* ctx, const pb::GetProductRequest* req,
                                    pb::GetProductResponse* resp) {
  return Validated(ctx, *req, [&](const Principal&) {
    return catalog_.GetProduct(req->product_id(), resp->mutable_product());
  });
}

grpc::Status CatalogApi::BatchGetProducts(grpc::ServerContext* ctx,
                                          const pb::BatchGetProductsRequest* req,
                                          pb::BatchGetProductsResponse* resp) {
  return Validated(ctx, *req,
                   [&](const Principal&) { return catalog_.BatchGetProducts(*req, resp); });
}

}  // namespace pasar::inventory
