// The gRPC adapters of the inventory service: decode and check every field (domain/requests.h),
// call the use case (app/), encode the answer. Who may call which method is api/access.cc's
// table, applied by rpc::Serve; whether the caller may see the object is the use case's. No SQL
// and no business rules here.
#pragma once

#include "app/catalog.h"
#include "app/markets.h"
#include "app/stalls.h"
#include "app/stock.h"
#include "pasar/inventory/v1/inventory.grpc.pb.h"
#include "pasar/rpc/serve.h"

namespace pasar::inventory {

// Reads for anyone signed in (any role).
class CatalogApi final : public pb::CatalogService::Service {
 public:
  explicit CatalogApi(Catalog& catalog) : catalog_(catalog) {}

  grpc::Status ListMarkets(grpc::ServerContext* ctx, const pb::ListMarketsRequest* req,
                           pb::ListMarketsResponse* resp) override;
  grpc::Status GetMarket(grpc::ServerContext* ctx, const pb::GetMarketRequest* req,
                         pb::GetMarketResponse* resp) override;
  grpc::Status ListStalls(grpc::ServerContext* ctx, const pb::ListStallsRequest* req,
                          pb::ListStallsResponse* resp) override;
  grpc::Status GetStall(grpc::ServerContext* ctx, const pb::GetStallRequest* req,
                        pb::GetStallResponse* resp) override;
  grpc::Status ListProducts(grpc::ServerContext* ctx, const pb::ListProductsRequest* req,
                            pb::ListProductsResponse* resp) override;
  grpc::Status GetProduct(grpc::ServerContext* ctx, const pb::GetProductRequest* req,
                          pb::GetProductResponse* resp) override;
  grpc::Status BatchGetProducts(grpc::ServerContext* ctx, const pb::BatchGetProductsRequest* req,
                                pb::BatchGetProductsResponse* resp) override;

 private:
  Catalog& catalog_;
};

// The stall's trader only (role trader, stall id in the token); other stalls answer NOT_FOUND.
class StallApi final : public pb::StallService::Service {
 public:
  explicit StallApi(StallOperations& stalls) : stalls_(stalls) {}

  grpc::Status UpdateStall(grpc::ServerContext* ctx, const pb::UpdateStallRequest* req,
                           pb::UpdateStallResponse* resp) override;
  grpc::Status CreateProduct(grpc::ServerContext* ctx, const pb::CreateProductRequest* req,
                             pb::CreateProductResponse* resp) override;
  grpc::Status UpdateProduct(grpc::ServerContext* ctx, const pb::UpdateProductRequest* req,
                             pb::UpdateProductResponse* resp) override;
  grpc::Status AdjustStock(grpc::ServerContext* ctx, const pb::AdjustStockRequest* req,
                           pb::AdjustStockResponse* resp) override;
  grpc::Status SetStock(grpc::ServerContext* ctx, const pb::SetStockRequest* req,
                        pb::SetStockResponse* resp) override;

 private:
  StallOperations& stalls_;
};

// Operators only.
class MarketAdminApi final : public pb::MarketAdminService::Service {
 public:
  explicit MarketAdminApi(MarketAdministration& admin) : admin_(admin) {}

  grpc::Status CreateMarket(grpc::ServerContext* ctx, const pb::CreateMarketRequest* req,
                            pb::CreateMarketResponse* resp) override;
  grpc::Status UpdateMarket(grpc::ServerContext* ctx, const pb::UpdateMarketRequest* req,
                            pb::UpdateMarketResponse* resp) override;
  grpc::Status CreateStall(grpc::ServerContext* ctx, const pb::CreateStallRequest* req,
                           pb::CreateStallResponse* resp) override;

 private:
  MarketAdministration& admin_;
};

// Services only (the order service).
class StockApi final : public pb::StockService::Service {
 public:
  explicit StockApi(StockHolds& holds) : holds_(holds) {}

  grpc::Status ReserveStock(grpc::ServerContext* ctx, const pb::ReserveStockRequest* req,
                            pb::ReserveStockResponse* resp) override;
  grpc::Status CommitReservation(grpc::ServerContext* ctx, const pb::CommitReservationRequest* req,
                                 pb::CommitReservationResponse* resp) override;
  grpc::Status ReleaseReservation(grpc::ServerContext* ctx,
                                  const pb::ReleaseReservationRequest* req,
                                  pb::ReleaseReservationResponse* resp) override;
  grpc::Status GetReservation(grpc::ServerContext* ctx, const pb::GetReservationRequest* req,
                              pb::GetReservationResponse* resp) override;

 private:
  StockHolds& holds_;
};

// Who may call each method of the inventory service.
rpc::AccessTable Access();

}  // namespace pasar::inventory
