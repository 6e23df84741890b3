// The gRPC adapters of the inventory service: authenticate, validate every field, check the
// caller may see the object, then hand over to the Store (one transaction per mutation, with its
// idempotency record). No SQL and no business rules here.
#pragma once

#include <string>

#include "absl/time/time.h"
#include "metrics.h"
#include "pasar/auth/auth.h"
#include "pasar/inventory/v1/inventory.grpc.pb.h"
#include "store/store.h"

namespace pasar::inventory {

// Reads for anyone signed in (any role).
class CatalogApi final : public pb::CatalogService::Service {
 public:
  explicit CatalogApi(Store& store, const auth::Verifier& verifier)
      : store_(store), verifier_(verifier) {}

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
  Store& store_;
  const auth::Verifier& verifier_;
};

// The stall's trader only (role trader, stall id in the token); other stalls answer NOT_FOUND.
class StallApi final : public pb::StallService::Service {
 public:
  explicit StallApi(Store& store, const auth::Verifier& verifier)
      : store_(store), verifier_(verifier) {}

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
  Store& store_;
  const auth::Verifier& verifier_;
};

// Operators only.
class MarketAdminApi final : public pb::MarketAdminService::Service {
 public:
  explicit MarketAdminApi(Store& store, const auth::Verifier& verifier)
      : store_(store), verifier_(verifier) {}

  grpc::Status CreateMarket(grpc::ServerContext* ctx, const pb::CreateMarketRequest* req,
                            pb::CreateMarketResponse* resp) override;
  grpc::Status UpdateMarket(grpc::ServerContext* ctx, const pb::UpdateMarketRequest* req,
                            pb::UpdateMarketResponse* resp) override;
  grpc::Status CreateStall(grpc::ServerContext* ctx, const pb::CreateStallRequest* req,
                           pb::CreateStallResponse* resp) override;
  grpc::Status PauseStall(grpc::ServerContext* ctx, const pb::PauseStallRequest* req,
                          pb::PauseStallResponse* resp) override;

 private:
  Store& store_;
  const auth::Verifier& verifier_;
};

// Services only (the order service).
class StockApi final : public pb::StockService::Service {
 public:
  // `default_ttl`: how long a reservation is held when the request leaves ttl_seconds at 0.
  explicit StockApi(Store& store, const auth::Verifier& verifier, absl::Duration default_ttl)
      : store_(store), verifier_(verifier), default_ttl_(default_ttl) {}

  // Where ReserveStock outcomes are counted (null: nowhere). Set before the server starts: the
  // metrics live in the Host's registry, and the Host is built from this service.
  void set_metrics(InventoryMetrics* metrics) { metrics_ = metrics; }

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
  Store& store_;
  const auth::Verifier& verifier_;
  absl::Duration default_ttl_;
  InventoryMetrics* metrics_ = nullptr;
};

}  // namespace pasar::inventory
