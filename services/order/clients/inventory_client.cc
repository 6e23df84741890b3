#include "clients/inventory_client.h"

#include "pasar/log/log.h"
#include "pasar/request/status.h"

namespace pasar::order {
namespace {

// Bound of the market cache (a town has a handful of markets; ids come from clients).
constexpr size_t kMaxCachedMarkets = 1024;

}  // namespace

InventoryClient::InventoryClient(const std::string& address, auth::JwtConfig jwt,
                                 absl::Duration market_cache_ttl, const rpc::ClientTls& tls)
    : minter_(std::move(jwt)),
      channel_(rpc::Dial(address, tls)),
      catalog_(inv::CatalogService::NewStub(channel_)),
      stock_(inv::StockService::NewStub(channel_)),
      market_cache_ttl_(market_cache_ttl) {}

void InventoryClient::Prepare(grpc::ClientContext& ctx, Deadline deadline) {
  std::string token;
  {
    absl::MutexLock lock(&mu_);
    const absl::Time now = absl::Now();
    if (now >= token_renew_at_) {
      // As long as a service token may live (PASAR_JWT_SERVICE_MAX_LIFETIME_SECONDS, 1 h by
      // default; inventory must allow as much), renewed halfway.
      const absl::Duration ttl = minter_.DefaultTtl(auth::Role::kService);
      token_ = minter_.Mint({"order", auth::Role::kService, {}}, ttl);
      token_renew_at_ = now + ttl / 2;
    }
    token = token_;
  }
  rpc::Prepare(ctx, token, deadline);
}

template <class Call>
Upstream InventoryClient::Run(Deadline deadline, Call&& call) {
  grpc::ClientContext ctx;
  Prepare(ctx, deadline);
  Upstream out;
  out.status = call(ctx);
  if (!out.status.ok()) out.reason = rpc::ErrorReason(ctx);
  return out;
}

Upstream InventoryClient::GetMarket(const std::string& market_id, Deadline deadline,
                                    inv::Market* out) {
  const bool cached = market_cache_ttl_ > absl::ZeroDuration();
  if (cached) {
    absl::MutexLock lock(&cache_mu_);
    const auto it = markets_.find(market_id);
    if (it != markets_.end() && absl::Now() < it->second.expires) {
      *out = it->second.market;
      return {};
    }
  }
  inv::GetMarketRequest req;
  req.set_market_id(market_id);
  inv::GetMarketResponse resp;
  Upstream u = Run(deadline,
                   [&](grpc::ClientContext& ctx) { return catalog_->GetMarket(&ctx, req, &resp); });
  if (!u.ok()) return u;
  *out = std::move(*resp.mutable_market());
  if (cached) {
    absl::MutexLock lock(&cache_mu_);
    const absl::Time now = absl::Now();
    if (markets_.size() >= kMaxCachedMarkets) {
      absl::erase_if(markets_, [&](const auto& entry) { return entry.second.expires <= now; });
      if (markets_.size() >= kMaxCachedMarkets) markets_.clear();
    }
    markets_[market_id] = {*out, now + market_cache_ttl_};
  }
  return u;
}

Upstream InventoryClient::GetStall(const std::string& stall_id, Deadline deadline,
                                   inv::Stall* out) {
  inv::GetStallRequest req;
  req.set_stall_id(stall_id);
  inv::GetStallResponse resp;
  Upstream u =
      Run(deadline, [&](grpc::ClientContext& ctx) { return catalog_->GetStall(&ctx, req, &resp); });
  if (u.ok()) *out = std::move(*resp.mutable_stall());
  return u;
}

Upstream InventoryClient::BatchGetProducts(const std::vector<std::string>& ids, Deadline deadline,
                                           inv::BatchGetProductsResponse* out) {
  inv::BatchGetProductsRequest req;
  for (const std::string& id : ids)
    req.add_product_ids(id);
  return Run(deadline,
             [&](grpc::ClientContext& ctx) { return catalog_->BatchGetProducts(&ctx, req, out); });
}

Upstream InventoryClient::ReserveStock(const inv::ReserveStockRequest& request, Deadline deadline,
                                       inv::ReserveStockResponse* out) {
  return Run(deadline,
             [&](grpc::ClientContext& ctx) { return stock_->ReserveStock(&ctx, request, out); });
}

Upstream InventoryClient::ReleaseReservation(const std::string& reservation_id,
                                             const std::string& request_id,
                                             const std::string& reason, Deadline deadline) {
  inv::ReleaseReservationRequest req;
  req.set_request_id(request_id);
  req.set_reservation_id(reservation_id);
  req.set_reason(reason);
  inv::ReleaseReservationResponse resp;
  return Run(deadline, [&](grpc::ClientContext& ctx) {
    return stock_->ReleaseReservation(&ctx, req, &resp);
  });
}

absl::Status InventoryClient::Forward(const Upstream& u, std::string_view what) {
  const grpc::StatusCode code = u.status.error_code();
  if (!u.reason.empty()) {
    std::string msg = u.status.error_message();
    const std::string prefix = u.reason + ": ";
    if (msg.rfind(prefix, 0) == 0) msg.erase(0, prefix.size());
    // gRPC and absl share the canonical code numbers.
    return request::Refused(u.reason, msg, static_cast<absl::StatusCode>(code));
  }
  switch (code) {
    case grpc::StatusCode::NOT_FOUND:
      return request::NotFound(what);
    case grpc::StatusCode::UNAVAILABLE:
    case grpc::StatusCode::DEADLINE_EXCEEDED:
    case grpc::StatusCode::RESOURCE_EXHAUSTED:
    case grpc::StatusCode::ABORTED:
      return absl::UnavailableError("inventory service unavailable");
    default:
      log::Error("inventory call failed",
                 {{"code", static_cast<int>(code)}, {"error", u.status.error_message()}});
      return absl::InternalError("internal error");
  }
}

bool InventoryClient::OutcomeUnknown(const Upstream& u) {
  switch (u.status.error_code()) {
    case grpc::StatusCode::DEADLINE_EXCEEDED:
    case grpc::StatusCode::UNAVAILABLE:
    case grpc::StatusCode::CANCELLED:
    case grpc::StatusCode::UNKNOWN:
    case grpc::StatusCode::INTERNAL:
      return true;
    default:
      return false;
  }
}

}  // namespace pasar::order
