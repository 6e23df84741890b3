// The server bootstrap every Pasar service uses: configuration, the gRPC server with health,
// reflection, limits and interceptors (logging, metrics, request ids), Prometheus /metrics,
// authentication with per-principal limits, and graceful drain on SIGTERM/SIGINT.
//
// A service's main() goes through pasar::service::Main (libs/service), which builds the Host:
//   rpc::Host host(config, {&api}, [&] { return pool.Ping() && redis.Ping(); });
//   host.SetAccess(verifier, access_table);              // who may call which method (serve.h)
//   host.Start();                                         // logs {"msg":"listening",...}
//   host.Wait();                                          // returns after SIGTERM and the drain
//
// A handler (pasar/rpc/serve.h):
//   grpc::Status GetOrder(grpc::ServerContext* ctx, const Req* req, Resp* resp) override {
//     return pasar::rpc::Serve(ctx, *req, [&](const auth::Principal& who) -> absl::Status {
//       // outgoing calls: client_ctx.set_deadline(pasar::rpc::EffectiveDeadline(ctx));
//       ...
//     });
//   }
// A server-streaming handler additionally holds a StreamSlot and loops while
//   !ctx->IsCancelled() && !pasar::rpc::ShuttingDown()   (waiting at most ~1 s per iteration).
#pragma once

#include <chrono>
#include <functional>
#include <initializer_list>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include <grpcpp/server_context.h>
#include <grpcpp/support/status.h>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "pasar/auth/auth.h"
#include "pasar/rpc/log.h"
#include "pasar/rpc/serve.h"
#include "pasar/rpc/status.h"

namespace grpc {
class Service;
}
namespace prometheus {
class Registry;
}

namespace pasar::rpc {

struct ServerConfig {
  std::string service_name;             // "inventory", "order", "dispatch" (logs, metrics)
  std::string listen = "127.0.0.1:0";   // PASAR_LISTEN / --listen; port 0 picks a free port
  std::string metrics_listen;           // PASAR_METRICS_LISTEN / --metrics-listen; empty: off
  std::string pg;                       // PASAR_PG / --pg (libpq conninfo)
  std::string redis;                    // PASAR_REDIS / --redis (redis://host:port[/db])
  std::string redis_prefix = "pasar:";  // PASAR_REDIS_PREFIX / --redis-prefix
  auth::JwtConfig jwt;                  // PASAR_JWT_* (auth::JwtConfigFrom; + --jwt-... flags)
  int max_message_bytes = 4 << 20;      // PASAR_MAX_MESSAGE_BYTES: receive and send limit
  absl::Duration deadline_cap = absl::Seconds(30);  // PASAR_DEADLINE_CAP_SECONDS
  int rate_limit_per_second = 200;     // PASAR_RATE_LIMIT_PER_SECOND: per principal (burst = 1 s),
                                       // role `service` exempt
  int max_streams_per_principal = 16;  // PASAR_MAX_STREAMS_PER_PRINCIPAL
  int max_threads = 2000;              // PASAR_MAX_THREADS: ResourceQuota (sync streams hold one)
  absl::Duration drain_grace = absl::Seconds(5);  // PASAR_DRAIN_GRACE_SECONDS
  std::string tls_cert_file;  // PASAR_TLS_CERT_FILE: PEM; with tls_key_file enables TLS
  std::string tls_key_file;   // PASAR_TLS_KEY_FILE
  // The service's own settings: the value (as text) of every flag the program declares besides
  // the ones above (ABSL_FLAG next to the service's Settings, e.g. "inventory_addr" from
  // PASAR_INVENTORY_ADDR or --inventory-addr), and every other PASAR_<X> variable as "x".
  std::map<std::string, std::string> extra;

  // extra[key] or `fallback` when absent or empty.
  std::string Extra(const std::string& key, std::string fallback = {}) const;
  // extra[key] as an integer in [min, max], or `fallback` when absent. Throws
  // std::invalid_argument naming PASAR_<KEY> when it is not an integer or out of range.
  int64_t ExtraInt(const std::string& key, int64_t fallback, int64_t min, int64_t max) const;
  // extra[key] as a whole number of milliseconds in [min, max], or `fallback` when absent.
  absl::Duration ExtraMillis(const std::string& key, absl::Duration fallback,
                             absl::Duration min = absl::Milliseconds(1),
                             absl::Duration max = absl::Hours(24 * 365)) const;
};

// Defaults, then the environment (PASAR_<NAME>), then the command line (--name=value or
// --name value; names with '-' or '_'), through the process's Abseil flags (pasar/flags/flags.h):
// the flags above are declared by libs/rpc, the service's own by the service. Throws
// std::invalid_argument for an unknown flag, a malformed value or a word that is not a flag;
// --help prints every flag and exits. The process's flags are left as they were.
ServerConfig ConfigFromEnvAndFlags(std::string service_name, int argc, char** argv);

class Host final {
 public:
  // `services` are not owned and must outlive the Host. dependencies_ok is polled every second
  // (exceptions count as false) to drive grpc.health.v1: SERVING / NOT_SERVING for "" and every
  // registered service name.
  Host(ServerConfig config, std::vector<grpc::Service*> services,
       std::function<bool()> dependencies_ok);
  // One more service (not owned), before Start.
  void Add(grpc::Service* service);
  // Who may call which method (pasar/rpc/serve.h), applied by rpc::Serve to every call; the
  // verifier (not owned) must outlive the Host. Before Start, which throws std::logic_error when
  // a method of a registered service has no rule or a rule names a method not served.
  void SetAccess(const auth::Verifier& verifier, AccessTable access);
  ~Host();  // Shutdown() if still running
  Host(const Host&) = delete;
  Host& operator=(const Host&) = delete;

  // Builds and starts the server (health, reflection v1alpha, interceptors, limits), the metrics
  // exposer and the health poller, installs the process limits used by Authenticate /
  // StreamSlot / EffectiveDeadline, then logs {"msg":"listening","service":..,"grpc":"h:p",
  // "metrics":"h:p"}. Throws std::runtime_error when a port cannot be bound.
  void Start();
  int port() const;             // the bound gRPC port (after Start)
  std::string address() const;  // host:port actually bound, e.g. "127.0.0.1:41234"
  int metrics_port() const;     // bound metrics port, 0 when disabled

  // Blocks until SIGTERM/SIGINT (handlers installed by Wait) or Shutdown(), then drains.
  void Wait();
  // Graceful drain: health NOT_SERVING, stop accepting, let calls finish up to drain_grace
  // (streaming handlers see shutting_down() and return), then cancel the rest. Idempotent;
  // callable from any thread.
  void Shutdown();
  bool shutting_down() const;

  prometheus::Registry& metrics();  // add service metrics here; exposed on metrics_listen
  const ServerConfig& config() const;

 private:
  class Impl;
  std::unique_ptr<Impl> impl_;
};

// True once the Host of this process has started draining (SIGTERM or Shutdown()); cleared by
// Host::Start (a process runs one Host; tests run them one after another). Streaming handlers
// poll it (or Host::shutting_down()) and return so the drain completes in time.
bool ShuttingDown();

// The caller's principal from `authorization: Bearer <jwt>`: UNAUTHENTICATED when missing or
// invalid, PERMISSION_DENIED when its role is not in `allowed` (empty list: any role),
// RESOURCE_EXHAUSTED past the per-principal rate limit (reason RATE_LIMITED: message prefix, and
// the trailing metadata is added to `ctx`), DEADLINE_EXCEEDED if the client's deadline has
// already passed.
absl::StatusOr<auth::Principal> Authenticate(grpc::ServerContext* ctx,
                                             const auth::Verifier& verifier,
                                             std::initializer_list<auth::Role> allowed);

// min(client deadline, now + deadline_cap). Handlers pass it on to everything they wait for:
// outgoing gRPC calls (ClientContext::set_deadline), lock/row waits, polling loops of unary
// calls. Streaming RPCs are long-lived by design and are bounded by cancellation and
// shutting_down() instead.
std::chrono::system_clock::time_point EffectiveDeadline(const grpc::ServerContext* ctx);
// Time left until EffectiveDeadline (never negative).
absl::Duration TimeLeft(const grpc::ServerContext* ctx);

// The request id of the call: metadata x-request-id if the client sent one, else the id
// generated by the logging interceptor (empty outside a Host). Also echoed to the client in
// the initial metadata `x-request-id`.
std::string RequestId(const grpc::ServerContext* ctx);

// One concurrent stream of a principal. Streaming handlers take one first thing in their body and
// keep it for the life of the stream:
//   rpc::StreamSlot slot(ctx, who.subject);
//   if (!slot.ok()) return slot.refusal();   // RESOURCE_EXHAUSTED, reason RATE_LIMITED
class StreamSlot final {
 public:
  // `ctx` (may be null) receives the refusal's trailing metadata.
  StreamSlot(grpc::ServerContext* ctx, std::string subject);
  ~StreamSlot();
  StreamSlot(StreamSlot&& other) noexcept;
  StreamSlot& operator=(StreamSlot&&) = delete;
  StreamSlot(const StreamSlot&) = delete;
  StreamSlot& operator=(const StreamSlot&) = delete;

  bool ok() const { return acquired_; }
  // OK, or RESOURCE_EXHAUSTED "RATE_LIMITED: too many concurrent streams ..." (with the trailer).
  grpc::Status status() const;
  // The same as an absl::Status, for the body of rpc::Serve:
  //   if (!slot.ok()) return slot.refusal();
  absl::Status refusal() const;

 private:
  grpc::ServerContext* ctx_ = nullptr;
  std::string subject_;
  bool acquired_ = false;
};

}  // namespace pasar::rpc
