// Host: the gRPC server of a service with health, reflection, limits, interceptors, metrics and
// graceful drain.
#include <fcntl.h>
#include <poll.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cmath>
#include <csignal>
#include <mutex>
#include <optional>
#include <set>
#include <stdexcept>
#include <thread>

#include <google/protobuf/descriptor.h>
#include <google/protobuf/message.h>
#include <grpcpp/ext/proto_server_reflection_plugin.h>
#include <grpcpp/grpcpp.h>
#include <grpcpp/health_check_service_interface.h>
#include <grpcpp/impl/server_builder_option.h>
#include <grpcpp/impl/server_builder_plugin.h>
#include <grpcpp/impl/server_initializer.h>
#include <grpcpp/resource_quota.h>
#include <grpcpp/security/server_credentials.h>
#include <grpcpp/support/server_interceptor.h>
#include <prometheus/counter.h>
#include <prometheus/exposer.h>
#include <prometheus/gauge.h>
#include <prometheus/histogram.h>
#include <prometheus/registry.h>

#include "absl/random/random.h"
#include "absl/strings/str_format.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "admission.h"
#include "pasar/rpc/serve.h"
#include "pasar/rpc/server.h"
#include "runtime.h"

namespace pasar::rpc {
namespace {

// ---------------------------------------------------------------------------------------------
// Metrics and the per-call interceptor (request id, metrics, one log line per RPC).

struct RpcMetrics {
  prometheus::Family<prometheus::Counter>& requests;
  prometheus::Family<prometheus::Histogram>& latency;
  prometheus::Gauge& serving;
};

const prometheus::Histogram::BucketBoundaries& LatencyBuckets() {
  static const auto* buckets = new prometheus::Histogram::BucketBoundaries{
      0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30};
  return *buckets;
}

constexpr size_t kMaxRequestIdLength = 128;
constexpr int kKeptIdleThreads = 64;

bool AcceptableRequestId(grpc::string_ref id) {
  if (id.size() == 0 || id.size() > kMaxRequestIdLength) return false;
  for (char c : id) {
    if (c < 0x21 || c > 0x7e) return false;
  }
  return true;
}

std::string NewRequestId() {
  thread_local absl::BitGen gen;
  return absl::StrFormat("%016x%016x", absl::Uniform<uint64_t>(gen), absl::Uniform<uint64_t>(gen));
}

class CallInterceptor final : public grpc::experimental::Interceptor {
 public:
  CallInterceptor(grpc::experimental::ServerRpcInfo* info, RpcMetrics* metrics)
      : info_(info),
        metrics_(metrics),
        start_(absl::Now()),
        request_type_(internal::RequestTypeOf(info->method())) {
    internal::RegisterCall(info_->server_context(), info_->method());
  }

  ~CallInterceptor() override {
    internal::UnregisterCall(info_->server_context());
    if (!finished_) Finish(grpc::StatusCode::CANCELLED);
  }

  void Intercept(grpc::experimental::InterceptorBatchMethods* methods) override {
    using grpc::experimental::InterceptionHookPoints;
    if (methods->QueryInterceptionHookPoint(InterceptionHookPoints::POST_RECV_INITIAL_METADATA)) {
      TakeRequestId(methods->GetRecvInitialMetadata());
    }
    // One spelling of an id (docs/conventions.md): the UUIDs of every received message's id
    // fields are lower-cased before the handler reads them. The message is of the method's
    // generated request type (RequestTypeOf finds only generated protobuf services).
    if (request_type_ != nullptr &&
        methods->QueryInterceptionHookPoint(InterceptionHookPoints::POST_RECV_MESSAGE)) {
      if (void* received = methods->GetRecvMessage(); received != nullptr) {
        auto* message = static_cast<google::protobuf::Message*>(received);
        if (message->GetDescriptor() == request_type_) internal::CanonicaliseIds(*message);
      }
    }
    if (methods->QueryInterceptionHookPoint(InterceptionHookPoints::PRE_SEND_INITIAL_METADATA) &&
        !request_id_.empty()) {
      methods->GetSendInitialMetadata()->emplace(internal::kRequestIdKey, request_id_);
    }
    if (methods->QueryInterceptionHookPoint(InterceptionHookPoints::PRE_SEND_STATUS)) {
      Finish(methods->GetSendStatus().error_code());
    }
    methods->Proceed();
  }

 private:
  // Keeps the client's x-request-id, or generates one and adds it to the received metadata so
  // that the handler's RequestId(ctx) sees it (the map refers to request_id_, which lives as
  // long as the call).
  void TakeRequestId(std::multimap<grpc::string_ref, grpc::string_ref>* metadata) {
    auto it = metadata->find(internal::kRequestIdKey);
    if (it != metadata->end() && AcceptableRequestId(it->second)) {
      request_id_.assign(it->second.data(), it->second.size());
      return;
    }
    metadata->erase(internal::kRequestIdKey);
    request_id_ = NewRequestId();
    metadata->emplace(grpc::string_ref(internal::kRequestIdKey), grpc::string_ref(request_id_));
  }

  void Finish(grpc::StatusCode code) {
    finished_ = true;
    const double seconds = absl::ToDoubleSeconds(absl::Now() - start_);
    const std::string method = info_->method();
    const std::string code_name(internal::CodeName(static_cast<int>(code)));
    metrics_->requests.Add({{"method", method}, {"code", code_name}}).Increment();
    metrics_->latency.Add({{"method", method}}, LatencyBuckets()).Observe(seconds);
    log::Log(
        code == grpc::StatusCode::INTERNAL || code == grpc::StatusCode::UNKNOWN ? "error" : "info",
        "rpc",
        {{"method", method},
         {"code", code_name},
         {"duration_ms", std::round(seconds * 1e6) / 1e3},
         {"peer", info_->server_context()->peer()},
         {"request_id", request_id_}});
  }

  grpc::experimental::ServerRpcInfo* info_;
  RpcMetrics* metrics_;
  absl::Time start_;
  const google::protobuf::Descriptor* request_type_;
  std::string request_id_;
  bool finished_ = false;
};

class CallInterceptorFactory final : public grpc::experimental::ServerInterceptorFactoryInterface {
 public:
  explicit CallInterceptorFactory(RpcMetrics* metrics) : metrics_(metrics) {}
  grpc::experimental::Interceptor* CreateServerInterceptor(
      grpc::experimental::ServerRpcInfo* info) override {
    return new CallInterceptor(info, metrics_);  // owned and deleted by gRPC
  }

 private:
  RpcMetrics* metrics_;
};

// ---------------------------------------------------------------------------------------------
// The names of the registered services (for per-service health), read from the server as it is
// built: a builder plugin is the only public place that sees them.

class ServiceNamesPlugin final : public grpc::ServerBuilderPlugin {
 public:
  explicit ServiceNamesPlugin(std::vector<std::string>* out) : out_(out) {}
  std::string name() override { return "pasar_service_names"; }
  void InitServer(grpc::ServerInitializer* /*si*/) override {}
  void Finish(grpc::ServerInitializer* si) override {
    out_->clear();
    for (const std::string& name : *si->GetServiceList()) {
      if (!name.starts_with("grpc.")) out_->push_back(name);  // not health/reflection
    }
  }
  void ChangeArguments(const std::string& /*name*/, void* /*value*/) override {}

 private:
  std::vector<std::string>* out_;
};

class ServiceNamesOption final : public grpc::ServerBuilderOption {
 public:
  explicit ServiceNamesOption(std::vector<std::string>* out) : out_(out) {}
  void UpdateArguments(grpc::ChannelArguments* /*args*/) override {}
  void UpdatePlugins(std::vector<std::unique_ptr<grpc::ServerBuilderPlugin>>* plugins) override {
    plugins->push_back(std::make_unique<ServiceNamesPlugin>(out_));
  }

 private:
  std::vector<std::string>* out_;
};

// ---------------------------------------------------------------------------------------------
// SIGTERM / SIGINT: the handler writes a byte to a pipe that Wait() polls.

std::atomic<int> signal_write_fd{-1};
int signal_read_fd = -1;

extern "C" void OnTerminationSignal(int /*signo*/) {
  const int fd = signal_write_fd.load();
  if (fd >= 0) {
    const char byte = 1;
    [[maybe_unused]] ssize_t ignored = ::write(fd, &byte, 1);
  }
}

void InstallSignalHandlers() {
  static std::once_flag once;
  std::call_once(once, [] {
    int fds[2];
    if (::pipe2(fds, O_CLOEXEC | O_NONBLOCK) != 0) throw std::runtime_error("pipe2 failed");
    signal_read_fd = fds[0];
    signal_write_fd.store(fds[1]);
    struct sigaction action {};
    action.sa_handler = OnTerminationSignal;
    sigemptyset(&action.sa_mask);
    action.sa_flags = SA_RESTART;
    ::sigaction(SIGTERM, &action, nullptr);
    ::sigaction(SIGINT, &action, nullptr);
  });
}

// True once a termination signal arrived (consumes it); waits at most `timeout`.
bool WaitForSignal(absl::Duration timeout) {
  pollfd fd{signal_read_fd, POLLIN, 0};
  if (::poll(&fd, 1, static_cast<int>(absl::ToInt64Milliseconds(timeout))) <= 0) return false;
  char buffer[16];
  while (::read(signal_read_fd, buffer, sizeof buffer) > 0) {
  }
  return true;
}

std::string HostPart(const std::string& listen) {
  const size_t colon = listen.rfind(':');
  return colon == std::string::npos ? listen : listen.substr(0, colon);
}

}  // namespace

// ---------------------------------------------------------------------------------------------

class Host::Impl final {
 public:
  Impl(ServerConfig config, std::vector<grpc::Service*> services,
       std::function<bool()> dependencies_ok)
      : config_(std::move(config)),
        services_(std::move(services)),
        dependencies_ok_(std::move(dependencies_ok)),
        registry_(std::make_shared<prometheus::Registry>()),
        metrics_{prometheus::BuildCounter()
                     .Name("pasar_rpc_requests_total")
                     .Help("RPCs handled, by method and status code")
                     .Labels({{"service", config_.service_name}})
                     .Register(*registry_),
                 prometheus::BuildHistogram()
                     .Name("pasar_rpc_duration_seconds")
                     .Help("RPC handling time in seconds, by method")
                     .Labels({{"service", config_.service_name}})
                     .Register(*registry_),
                 prometheus::BuildGauge()
                     .Name("pasar_serving")
                     .Help("1 while the service reports SERVING (its dependencies are reachable)")
                     .Labels({{"service", config_.service_name}})
                     .Register(*registry_)
                     .Add({})} {}

  ~Impl() {
    Shutdown();
    exposer_.reset();
  }

  void Add(grpc::Service* service) {
    if (server_ != nullptr) throw std::logic_error("Host::Add after Start");
    services_.push_back(service);
  }

  void SetAccess(const auth::Verifier& verifier, AccessTable access) {
    if (server_ != nullptr) throw std::logic_error("Host::SetAccess after Start");
    auto installed = std::make_shared<internal::Access>();
    installed->verifier = &verifier;
    for (MethodAccess& rule : access) {
      if (!installed->rules.emplace(rule.method, std::move(rule.roles)).second) {
        throw std::logic_error("access rule for " + rule.method + " given twice");
      }
    }
    access_ = std::move(installed);
  }

  void Start() {
    if (server_ != nullptr) throw std::logic_error("Host::Start called twice");
    log::SetService(config_.service_name);
    internal::SetShuttingDown(false);
    internal::InstallLimits(
        {config_.deadline_cap, config_.rate_limit_per_second, config_.max_streams_per_principal});
    grpc::EnableDefaultHealthCheckService(true);
    grpc::reflection::InitProtoReflectionServerBuilderPlugin();

    grpc::ServerBuilder builder;
    builder.AddListeningPort(config_.listen, Credentials(), &port_);
    for (grpc::Service* service : services_)
      builder.RegisterService(service);
    builder.SetMaxReceiveMessageSize(config_.max_message_bytes);
    builder.SetMaxSendMessageSize(config_.max_message_bytes);
    grpc::ResourceQuota quota("pasar-" + config_.service_name);
    quota.SetMaxThreads(config_.max_threads);
    builder.SetResourceQuota(quota);
    // The synchronous server keeps up to MAX_POLLERS idle threads and ends the others after
    // each call (default 2): with a few dozen concurrent callers it then starts and ends a
    // thread for most calls (measured: clone, mmap and munmap were 6% of inventory's CPU serving
    // catalogue pages). Idle threads are kept instead, up to the callers' usual concurrency.
    builder.SetSyncServerOption(grpc::ServerBuilder::SyncServerOption::MAX_POLLERS,
                                std::min(kKeptIdleThreads, config_.max_threads));
    builder.SetOption(std::make_unique<ServiceNamesOption>(&service_names_));
    std::vector<std::unique_ptr<grpc::experimental::ServerInterceptorFactoryInterface>> creators;
    creators.push_back(std::make_unique<CallInterceptorFactory>(&metrics_));
    builder.experimental().SetInterceptorCreators(std::move(creators));

    server_ = builder.BuildAndStart();
    if (server_ == nullptr || port_ == 0) {
      server_.reset();
      throw std::runtime_error("cannot serve gRPC on " + config_.listen);
    }
    if (access_ != nullptr) {
      if (const std::string gap = AccessGap(); !gap.empty()) {
        server_->Shutdown();
        server_->Wait();
        server_.reset();
        throw std::logic_error("access rules: " + gap);
      }
    }
    internal::InstallAccess(access_);
    address_ = HostPart(config_.listen) + ":" + std::to_string(port_);

    if (!config_.metrics_listen.empty()) {
      exposer_ = std::make_unique<prometheus::Exposer>(config_.metrics_listen);
      exposer_->RegisterCollectable(registry_);
      const std::vector<int> ports = exposer_->GetListeningPorts();
      metrics_port_ = ports.empty() ? 0 : ports.front();
      metrics_address_ = HostPart(config_.metrics_listen) + ":" + std::to_string(metrics_port_);
    }

    SetHealth(DependenciesOk());
    poller_ = std::thread([this] { PollHealth(); });
    Log("info", "listening", {{"grpc", address_}, {"metrics", metrics_address_}});
  }

  void Wait() {
    InstallSignalHandlers();
    while (!stop_requested_.load()) {
      if (WaitForSignal(absl::Milliseconds(200))) {
        Log("info", "termination signal received");
        break;
      }
    }
    Shutdown();
  }

  void Shutdown() {
    stop_requested_.store(true);
    std::call_once(shutdown_once_, [this] { Drain(); });
  }

  int port() const { return port_; }
  int metrics_port() const { return metrics_port_; }
  const std::string& address() const { return address_; }
  bool shutting_down() const { return shutting_down_.load(); }
  prometheus::Registry& metrics() { return *registry_; }
  const ServerConfig& config() const { return config_; }

 private:
  std::shared_ptr<grpc::ServerCredentials> Credentials() const {
    if (config_.tls_cert_file.empty()) return grpc::InsecureServerCredentials();
    grpc::SslServerCredentialsOptions options;
    options.pem_key_cert_pairs.push_back(
        {internal::ReadFile(config_.tls_key_file), internal::ReadFile(config_.tls_cert_file)});
    return grpc::SslServerCredentials(options);
  }

  // What the access rules miss (a method of a registered service without a rule) or name wrongly
  // (a rule for no registered method); "" when they match the services exactly.
  std::string AccessGap() const {
    std::set<std::string> methods;
    for (const std::string& name : service_names_) {
      const google::protobuf::ServiceDescriptor* service =
          google::protobuf::DescriptorPool::generated_pool()->FindServiceByName(name);
      if (service == nullptr) return "service " + name + " has no generated descriptor";
      for (int i = 0; i < service->method_count(); ++i) {
        methods.insert(MethodName(name, service->method(i)->name()));
      }
    }
    for (const std::string& method : methods) {
      if (!access_->rules.contains(method)) return "no rule for " + method;
    }
    for (const auto& [method, roles] : access_->rules) {
      if (!methods.contains(method)) return "a rule for " + method + ", which is not served";
    }
    return "";
  }

  bool DependenciesOk() {
    if (!dependencies_ok_) return true;
    try {
      return dependencies_ok_();
    } catch (const std::exception& e) {
      Log("warn", "dependency check threw", {{"error", e.what()}});
      return false;
    }
  }

  // Called by Start and then only by the poller thread.
  void SetHealth(bool ok) {
    if (last_health_ == ok) return;
    grpc::HealthCheckServiceInterface* health = server_->GetHealthCheckService();
    health->SetServingStatus("", ok);
    for (const std::string& name : service_names_)
      health->SetServingStatus(name, ok);
    metrics_.serving.Set(ok ? 1 : 0);
    if (last_health_.has_value() || !ok) {
      Log(ok ? "info" : "warn",
          ok ? "dependencies reachable, SERVING" : "dependencies unreachable, NOT_SERVING");
    }
    last_health_ = ok;
  }

  void PollHealth() {
    for (;;) {
      {
        absl::MutexLock lock(&mu_);
        if (mu_.AwaitWithTimeout(absl::Condition(&stop_poller_), absl::Seconds(1))) return;
      }
      const bool ok = DependenciesOk();
      absl::MutexLock lock(&mu_);
      if (stop_poller_) return;
      SetHealth(ok);
    }
  }

  void Drain() {
    shutting_down_.store(true);
    internal::SetShuttingDown(true);
    if (server_ == nullptr) return;
    Log("info", "draining",
        {{"grace_ms", std::to_string(absl::ToInt64Milliseconds(config_.drain_grace))}});
    {
      absl::MutexLock lock(&mu_);
      stop_poller_ = true;
    }
    if (poller_.joinable()) poller_.join();
    server_->GetHealthCheckService()->Shutdown();  // NOT_SERVING everywhere, from now on
    server_->Shutdown(std::chrono::system_clock::now() +
                      std::chrono::duration_cast<std::chrono::system_clock::duration>(
                          absl::ToChronoNanoseconds(config_.drain_grace)));
    server_->Wait();
    Log("info", "stopped");
  }

  const ServerConfig config_;
  std::vector<grpc::Service*> services_;
  std::shared_ptr<const internal::Access> access_;
  const std::function<bool()> dependencies_ok_;
  std::shared_ptr<prometheus::Registry> registry_;
  RpcMetrics metrics_;

  std::vector<std::string> service_names_;
  std::unique_ptr<grpc::Server> server_;
  std::unique_ptr<prometheus::Exposer> exposer_;
  int port_ = 0;
  int metrics_port_ = 0;
  std::string address_;
  std::string metrics_address_;
  std::optional<bool> last_health_;

  absl::Mutex mu_;
  bool stop_poller_ ABSL_GUARDED_BY(mu_) = false;
  std::thread poller_;
  std::atomic<bool> stop_requested_{false};
  std::atomic<bool> shutting_down_{false};
  std::once_flag shutdown_once_;
};

void WaitForTerminationSignal() {
  InstallSignalHandlers();
  while (!WaitForSignal(absl::Seconds(1))) {
  }
}

Host::Host(ServerConfig config, std::vector<grpc::Service*> services,
           std::function<bool()> dependencies_ok)
    : impl_(std::make_unique<Impl>(std::move(config), std::move(services),
                                   std::move(dependencies_ok))) {}
Host::~Host() = default;
void Host::Add(grpc::Service* service) {
  impl_->Add(service);
}
void Host::SetAccess(const auth::Verifier& verifier, AccessTable access) {
  impl_->SetAccess(verifier, std::move(access));
}
void Host::Start() {
  impl_->Start();
}
int Host::port() const {
  return impl_->port();
}
std::string Host::address() const {
  return impl_->address();
}
int Host::metrics_port() const {
  return impl_->metrics_port();
}
void Host::Wait() {
  impl_->Wait();
}
void Host::Shutdown() {
  impl_->Shutdown();
}
bool Host::shutting_down() const {
  return impl_->shutting_down();
}
prometheus::Registry& Host::metrics() {
  return impl_->metrics();
}
const ServerConfig& Host::config() const {
  return impl_->config();
}

}  // namespace pasar::rpc
