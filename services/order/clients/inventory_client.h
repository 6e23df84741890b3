// The order service's calls to the inventory service (pasar.inventory.v1), with a `service`
// token (subject "order") signed with the order service's key and every call bounded by a
// deadline. Infrastructure: the use cases (app/) call it; it knows no domain rule.
#pragma once

#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include <grpcpp/channel.h>

#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "pasar/auth/auth.h"
#include "pasar/inventory/v1/inventory.grpc.pb.h"
#include "pasar/rpc/client.h"

namespace pasar::order {

namespace inv = pasar::inventory::v1;

// The outcome of one upstream call: the status and, for domain refusals, the
// pasar-error-reason inventory sent.
struct Upstream {
  grpc::Status status;
  std::string reason;
  bool ok() const { return status.ok(); }
};

class InventoryClient final {
 public:
  using Deadline = std::chrono::system_clock::time_point;

  // Markets are kept `market_cache_ttl` (zero: not cached): QuoteOrder and PlaceOrder read the
  // market on every call. Safe for a few seconds: inventory checks the market is open again
  // when it reserves, and fee or timeout changes apply to orders placed after the TTL.
  // Plaintext unless `tls.ca_file` is set. Its calls carry a token of role `service` (subject
  // "order") signed with `jwt`'s private key (else, in development, its secret): throws
  // std::invalid_argument when it has neither, std::runtime_error for an unusable key file.
  InventoryClient(const std::string& address, auth::JwtConfig jwt,
                  absl::Duration market_cache_ttl = absl::ZeroDuration(),
                  const rpc::ClientTls& tls = {});

  // From the cache when fresh; only successful answers are cached.
  Upstream GetMarket(const std::string& market_id, Deadline deadline, inv::Market* out);
  Upstream GetStall(const std::string& stall_id, Deadline deadline, inv::Stall* out);
  Upstream BatchGetProducts(const std::vector<std::string>& ids, Deadline deadline,
                            inv::BatchGetProductsResponse* out);
  Upstream ReserveStock(const inv::ReserveStockRequest& request, Deadline deadline,
                        inv::ReserveStockResponse* out);
  Upstream ReleaseReservation(const std::string& reservation_id, const std::string& request_id,
                              const std::string& reason, Deadline deadline);

  // What the order service answers its own client for a failed upstream call: domain refusals
  // (with their reason, pasar/request/status.h) and NOT_FOUND pass through; unavailability
  // becomes UNAVAILABLE; anything else INTERNAL. `what` names the object for NOT_FOUND
  // ("market").
  static absl::Status Forward(const Upstream& upstream, std::string_view what);
  // True when a failed call may still have taken effect in inventory: the request may have
  // arrived and been applied while its answer was lost (deadline, broken connection,
  // cancellation, a server fault). Refusals, NOT_FOUND, bad input and the like are answered
  // before or instead of any change.
  static bool OutcomeUnknown(const Upstream& upstream);

 private:
  void Prepare(grpc::ClientContext& ctx, Deadline deadline);
  template <class Call>
  Upstream Run(Deadline deadline, Call&& call);

  auth::Minter minter_;  // the service key (PASAR_JWT_PRIVATE_KEY_FILE), else the dev secret
  std::shared_ptr<grpc::Channel> channel_;
  std::unique_ptr<inv::CatalogService::Stub> catalog_;
  std::unique_ptr<inv::StockService::Stub> stock_;
  absl::Mutex mu_;
  std::string token_ ABSL_GUARDED_BY(mu_);
  absl::Time token_renew_at_ ABSL_GUARDED_BY(mu_) = absl::InfinitePast();

  struct CachedMarket {
    inv::Market market;
    absl::Time expires;
  };
  absl::Duration market_cache_ttl_;
  absl::Mutex cache_mu_;
  absl::flat_hash_map<std::string, CachedMarket> markets_ ABSL_GUARDED_BY(cache_mu_);
};

}  // namespace pasar::order
