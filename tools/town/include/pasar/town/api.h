// Calling the three Pasar services as their users do: one channel per service, a bearer token
// per call, bounded deadlines, the machine-readable refusal reason, and retries of the
// transient failures (safe because every mutation carries its idempotency key).
#pragma once

#include <memory>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>

#include <grpcpp/grpcpp.h>

#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "pasar/auth/auth.h"
#include "pasar/dispatch/v1/dispatch.grpc.pb.h"
#include "pasar/inventory/v1/inventory.grpc.pb.h"
#include "pasar/order/v1/order.grpc.pb.h"
#include "pasar/order/v1/programme.grpc.pb.h"
#include "pasar/rpc/client.h"

namespace pasar::town {

class Flags;

// Addresses ("host:port") of the services, and how to reach them: plaintext, or TLS checked
// against one root for all three (no client certificates).
struct Endpoints {
  std::string inventory;
  std::string order;
  std::string dispatch;
  // Plaintext unless set; the initializer lets `{inventory, order, dispatch}` leave it out.
  rpc::ClientTls tls{};
};

// PASAR_INVENTORY_ADDR, PASAR_ORDER_ADDR, PASAR_DISPATCH_ADDR, defaulting to the ports
// scripts/run uses (127.0.0.1:7101, :7102, :7103); TLS when PASAR_TLS_CA_FILE names the root
// certificate (PEM), checking the name PASAR_TLS_SERVER_NAME when given (else the address's host).
Endpoints EndpointsFromEnv();

// EndpointsFromEnv() with the command-line options --inventory, --order, --dispatch,
// --tls-ca-file and --tls-server-name winning over the environment (a tool using it lets these
// through its Flags::AllowOnly).
Endpoints EndpointsFromEnv(const Flags& flags);

// Channels and stubs of the three services (thread-safe: share one Api between threads).
class Api final {
 public:
  // Tokens are signed with `jwt`'s private key file (else its development secret); throws as
  // auth::Minter does when it has neither.
  Api(Endpoints endpoints, auth::JwtConfig jwt);

  const Endpoints& endpoints() const { return endpoints_; }
  const auth::JwtConfig& jwt() const { return jwt_; }
  const auth::Minter& minter() const { return minter_; }
  // A token for `principal` (valid 12 h; role service: the service maximum, 1 h by default).
  std::string Token(const auth::Principal& principal) const;
  std::string Token(auth::Role role, std::string subject) const;

  inventory::v1::CatalogService::Stub& catalog() { return *catalog_; }
  inventory::v1::StallService::Stub& stalls() { return *stalls_; }
  inventory::v1::MarketAdminService::Stub& market_admin() { return *market_admin_; }
  // Role `service` only: the simulator reads reservations to check the services agree.
  inventory::v1::StockService::Stub& stock() { return *stock_; }
  order::v1::OrderService::Stub& orders() { return *orders_; }
  order::v1::TicketService::Stub& tickets() { return *tickets_; }
  order::v1::ProgrammeService::Stub& programmes() { return *programmes_; }
  dispatch::v1::CourierService::Stub& couriers() { return *couriers_; }
  dispatch::v1::DispatchOpsService::Stub& dispatch_ops() { return *dispatch_ops_; }

 private:
  Endpoints endpoints_;
  auth::JwtConfig jwt_;
  auth::Minter minter_;
  std::unique_ptr<inventory::v1::CatalogService::Stub> catalog_;
  std::unique_ptr<inventory::v1::StallService::Stub> stalls_;
  std::unique_ptr<inventory::v1::MarketAdminService::Stub> market_admin_;
  std::unique_ptr<inventory::v1::StockService::Stub> stock_;
  std::unique_ptr<order::v1::OrderService::Stub> orders_;
  std::unique_ptr<order::v1::TicketService::Stub> tickets_;
  std::unique_ptr<order::v1::ProgrammeService::Stub> programmes_;
  std::unique_ptr<dispatch::v1::CourierService::Stub> couriers_;
  std::unique_ptr<dispatch::v1::DispatchOpsService::Stub> dispatch_ops_;
};

// Adds `authorization: Bearer <token>` and a deadline `timeout` from now.
void Prepare(grpc::ClientContext& ctx, std::string_view token, absl::Duration timeout);

// The pasar.common.v1.ErrorReason short name of a refusal ("INSUFFICIENT_STOCK"): the trailing
// metadata `pasar-error-reason`, else the status message's "REASON: " prefix; empty when none.
std::string ErrorReason(const grpc::ClientContext& ctx, const grpc::Status& status);

// The result of one (possibly retried) call.
struct Outcome {
  grpc::Status status;
  std::string reason;  // ErrorReason of a refusal, empty otherwise
  int attempts = 0;

  bool ok() const { return status.ok(); }
  grpc::StatusCode code() const { return status.error_code(); }
  // "FAILED_PRECONDITION (INSUFFICIENT_STOCK): message".
  std::string Describe() const;
};

// Thrown by Check() for a failed call.
class RpcError final : public std::runtime_error {
 public:
  RpcError(std::string what, Outcome outcome)
      : std::runtime_error(std::move(what)), outcome_(std::move(outcome)) {}
  const Outcome& outcome() const { return outcome_; }

 private:
  Outcome outcome_;
};

struct CallOptions {
  absl::Duration timeout = absl::Seconds(10);  // per attempt
  int attempts = 0;                            // at most this many (1 = no retry; 0 = no limit)
  // Transient failures are retried, with the same request, until this much time has passed since
  // the first attempt: people retry for a while when a service restarts or the network drops.
  absl::Duration retry_for = absl::Minutes(1);
};

// Whether a failure is transient: UNAVAILABLE, ABORTED, DEADLINE_EXCEEDED, and
// RESOURCE_EXHAUSTED for the rate limit (not for TOO_MANY_ATTEMPTS).
bool Retryable(const Outcome& outcome);

// Runs a unary call `rpc(grpc::ClientContext*) -> grpc::Status` with a fresh context per
// attempt (the request, and so its request id, unchanged), retrying transient failures with
// exponential backoff (50 ms … 2 s) for CallOptions::retry_for.
template <class F>
Outcome Call(std::string_view token, F&& rpc, CallOptions options = {}) {
  absl::Duration backoff = absl::Milliseconds(50);
  const absl::Time give_up = absl::Now() + options.retry_for;
  for (int attempt = 1;; ++attempt) {
    grpc::ClientContext ctx;
    Prepare(ctx, token, options.timeout);
    Outcome out;
    out.status = rpc(&ctx);
    out.attempts = attempt;
    if (!out.status.ok()) out.reason = ErrorReason(ctx, out.status);
    if (out.ok() || !Retryable(out)) return out;
    if (options.attempts > 0 && attempt >= options.attempts) return out;
    if (absl::Now() + backoff > give_up) return out;
    absl::SleepFor(backoff);
    backoff = std::min(backoff * 2, absl::Seconds(2));
  }
}

// Throws RpcError("<what>: <Describe()>") unless the call succeeded.
void Check(const Outcome& outcome, std::string_view what);

}  // namespace pasar::town
