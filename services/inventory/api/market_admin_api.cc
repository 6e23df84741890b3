#include "api/services.h"
#include "api/validated.h"

namespace pasar::inventory {

using auth::Principal;

grpc::Status MarketAdminApi::CreateMarket(grpc::ServerContext* ctx,
                                          const pb::CreateMarketRequest* req,
                                          pb::CreateMarketResponse* resp) {
  return Validated(ctx, *req,
                   [&](const Principal& who) { return admin_.CreateMarket(who, *req, resp); });
}

grpc::Status MarketAdminApi::UpdateMarket(grpc::ServerContext* ctx,
                                          const pb::UpdateMarketRequest* req,
                                          pb::UpdateMarketResponse* resp) {
  return Validated(ctx, *req,
                   [&](const Principal& who) { return admin_.UpdateMarket(who, *req, resp); });
}

grpc::Status MarketAdminApi::CreateStall(grpc::ServerContext* ctx,
                                         const pb::CreateStallRequest* req,
                                         pb::CreateStallResponse* resp) {
  return Validated(ctx, *req,
                   [&](const Principal& who) { return admin_.CreateStall(who, *req, resp); });
}

}  // namespace pasar::inventory
