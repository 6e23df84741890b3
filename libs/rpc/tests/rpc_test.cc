#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <catch2/catch.hpp>
#include <chrono>
#include <csignal>
#include <cstdlib>
#include <string>
#include <thread>
#include <vector>

#include <grpcpp/generic/generic_stub.h>
#include <grpcpp/grpcpp.h>

#include "absl/flags/flag.h"
#include "grpc/health/v1/health.grpc.pb.h"
#include "pasar/rpc/client.h"
#include "pasar/rpc/server.h"
#include "pasar/rpc/status.h"
#include "pasar/testing/v1/echo.grpc.pb.h"

#ifdef PASAR_RPC_TEST_WITH_PG
#include "pasar/pg/pg.h"
#endif
#ifdef PASAR_RPC_TEST_WITH_REDIS
#include "pasar/redis/redis.h"
#endif

// A service's own setting, as a service declares it next to its Settings (ConfigFromEnvAndFlags
// refuses flags nobody declared).
ABSL_FLAG(std::string, some_flag, "", "a setting of the test service");

namespace rpc = pasar::rpc;
namespace auth = pasar::auth;
namespace v1 = pasar::testing::v1;
using grpc::health::v1::HealthCheckRequest;
using grpc::health::v1::HealthCheckResponse;

namespace {

constexpr char kSecret[] = "rpc-test-secret";
constexpr char kEchoService[] = "pasar.testing.v1.EchoService";

auth::JwtConfig Jwt() {
  auth::JwtConfig jwt;
  jwt.secret = kSecret;
  return jwt;
}

// The test service: thin handlers over the library's helpers, like a real adapter.
class EchoApi final : public v1::EchoService::Service {
 public:
  explicit EchoApi(const auth::Verifier& verifier) : verifier_(verifier) {}

  grpc::Status Echo(grpc::ServerContext* ctx, const v1::EchoRequest* req,
                    v1::EchoResponse* resp) override {
    return rpc::Guard([&]() -> grpc::Status {
      auto who = rpc::Authenticate(ctx, verifier_,
                                   {auth::Role::kCustomer, auth::Role::kTrader,
                                    auth::Role::kOperator, auth::Role::kService});
      if (!who.ok()) return rpc::ToGrpc(who.status());
      if (req->text() == "throw") throw std::runtime_error("boom");
      resp->set_text(req->text());
      resp->set_subject(who->subject);
      resp->set_request_id(rpc::RequestId(ctx));
      resp->set_deadline_left_ms(absl::ToInt64Milliseconds(rpc::TimeLeft(ctx)));
      *resp->mutable_received() = *req;
      return grpc::Status::OK;
    });
  }

  grpc::Status Refuse(grpc::ServerContext* ctx, const v1::RefuseRequest* req,
                      v1::RefuseResponse*) override {
    return rpc::Refuse(ctx, grpc::StatusCode::FAILED_PRECONDITION, req->reason(), "refused");
  }

  grpc::Status Watch(grpc::ServerContext* ctx, const v1::WatchRequest* req,
                     grpc::ServerWriter<v1::WatchResponse>* writer) override {
    return rpc::Guard([&]() -> grpc::Status {
      auto who = rpc::Authenticate(ctx, verifier_, {});
      if (!who.ok()) return rpc::ToGrpc(who.status());
      rpc::StreamSlot slot(ctx, who->subject);
      if (!slot.ok()) return slot.status();
      for (int seq = 0; req->count() == 0 || seq < req->count(); ++seq) {
        if (ctx->IsCancelled() || rpc::ShuttingDown()) break;
        v1::WatchResponse msg;
        msg.set_seq(seq);
        if (!writer->Write(msg)) break;
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
      }
      return grpc::Status::OK;
    });
  }

 private:
  const auth::Verifier& verifier_;
};

// A Host with the echo service on 127.0.0.1:0 and a switchable dependency check.
struct Fixture {
  explicit Fixture(rpc::ServerConfig config = {}) {
    config.service_name = "echo-test";
    config.jwt = Jwt();
    host = std::make_unique<rpc::Host>(std::move(config), std::vector<grpc::Service*>{&api},
                                       [this] { return deps_ok.load(); });
    host->Start();
    channel = grpc::CreateChannel(host->address(), grpc::InsecureChannelCredentials());
    echo = v1::EchoService::NewStub(channel);
    health = grpc::health::v1::Health::NewStub(channel);
  }

  std::atomic<bool> deps_ok{true};
  auth::Verifier verifier{Jwt()};
  EchoApi api{verifier};
  std::unique_ptr<rpc::Host> host;
  std::shared_ptr<grpc::Channel> channel;
  std::unique_ptr<v1::EchoService::Stub> echo;
  std::unique_ptr<grpc::health::v1::Health::Stub> health;
};

void Authorize(grpc::ClientContext& ctx, std::string_view subject,
               auth::Role role = auth::Role::kCustomer) {
  // Long enough that a stream a test keeps open outlives the test on a slow machine.
  rpc::Prepare(ctx, auth::Mint(Jwt(), {std::string(subject), role, {}}),
               std::chrono::system_clock::now() + std::chrono::seconds(30));
}

HealthCheckResponse::ServingStatus Health(Fixture& f, const std::string& service) {
  grpc::ClientContext ctx;
  ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(5));
  HealthCheckRequest req;
  req.set_service(service);
  HealthCheckResponse resp;
  grpc::Status status = f.health->Check(&ctx, req, &resp);
  REQUIRE(status.ok());
  return resp.status();
}

// Polls the health status until it equals `want` (the poller runs every second); bounded by
// 30 s, which only a failing test waits out.
bool HealthBecomes(Fixture& f, const std::string& service,
                   HealthCheckResponse::ServingStatus want) {
  for (int i = 0; i < 300; ++i) {
    if (Health(f, service) == want) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  return false;
}

// GET path from 127.0.0.1:port with a plain socket; returns the whole response.
std::string HttpGet(int port, const std::string& path) {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  REQUIRE(fd >= 0);
  timeval timeout{5, 0};
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  REQUIRE(::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0);
  const std::string request =
      "GET " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n";
  REQUIRE(::write(fd, request.data(), request.size()) == static_cast<ssize_t>(request.size()));
  std::string response;
  char buffer[4096];
  for (ssize_t n; (n = ::read(fd, buffer, sizeof buffer)) > 0;)
    response.append(buffer, n);
  ::close(fd);
  return response;
}

// Asks the server's reflection service (v1alpha) to list its services; returns the raw response
// bytes. Uses the generic stub: linking generated reflection stubs next to grpc++_reflection
// would abort (duplicate descriptors).
std::string ReflectionListServices(const std::shared_ptr<grpc::Channel>& channel) {
  grpc::CompletionQueue cq;
  grpc::GenericStub stub(channel);
  grpc::ClientContext ctx;
  ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
  auto call =
      stub.PrepareCall(&ctx, "/grpc.reflection.v1alpha.ServerReflection/ServerReflectionInfo", &cq);
  int next_tag = 0;
  auto step = [&](auto&& start) {
    void* want = reinterpret_cast<void*>(static_cast<intptr_t>(++next_tag));
    start(want);
    void* got = nullptr;
    bool ok = false;
    const auto status =
        cq.AsyncNext(&got, &ok, std::chrono::system_clock::now() + std::chrono::seconds(10));
    return status == grpc::CompletionQueue::GOT_EVENT && got == want && ok;
  };
  // ServerReflectionRequest{list_services = "*"}: field 7, length-delimited.
  const std::string request("\x3a\x01*", 3);
  grpc::Slice slice(request);
  grpc::ByteBuffer request_buffer(&slice, 1);
  grpc::ByteBuffer response_buffer;
  grpc::Status status;
  REQUIRE(step([&](void* tag) { call->StartCall(tag); }));
  REQUIRE(step([&](void* tag) { call->Write(request_buffer, tag); }));
  REQUIRE(step([&](void* tag) { call->WritesDone(tag); }));
  REQUIRE(step([&](void* tag) { call->Read(&response_buffer, tag); }));
  REQUIRE(step([&](void* tag) { call->Finish(&status, tag); }));
  cq.Shutdown();
  void* ignored_tag = nullptr;
  bool ignored_ok = false;
  while (cq.Next(&ignored_tag, &ignored_ok)) {
  }
  CHECK(status.ok());
  std::vector<grpc::Slice> slices;
  REQUIRE(response_buffer.Dump(&slices).ok());
  std::string response;
  for (const grpc::Slice& s : slices)
    response.append(reinterpret_cast<const char*>(s.begin()), s.size());
  return response;
}

}  // namespace

TEST_CASE("Reflection lists the registered services") {
  Fixture f;
  const std::string response = ReflectionListServices(f.channel);
  CHECK(response.find(kEchoService) != std::string::npos);
  CHECK(response.find("grpc.health.v1.Health") != std::string::npos);
}

TEST_CASE("Status helpers") {
  grpc::Status invalid = rpc::InvalidArgument("lines[2].quantity", "must be > 0");
  CHECK(invalid.error_code() == grpc::StatusCode::INVALID_ARGUMENT);
  CHECK(invalid.error_message() == "lines[2].quantity: must be > 0");

  grpc::Status missing = rpc::NotFound("order 42");
  CHECK(missing.error_code() == grpc::StatusCode::NOT_FOUND);
  CHECK(missing.error_message() == "order 42 not found");

  grpc::Status refused = rpc::Refuse(nullptr, grpc::StatusCode::FAILED_PRECONDITION,
                                     "MARKET_CLOSED", "opens at 05:00");
  CHECK(refused.error_message() == "MARKET_CLOSED: opens at 05:00");

  CHECK(rpc::ToGrpc(absl::OkStatus()).ok());
  grpc::Status converted = rpc::ToGrpc(absl::PermissionDeniedError("no"));
  CHECK(converted.error_code() == grpc::StatusCode::PERMISSION_DENIED);
  CHECK(converted.error_message() == "no");
}

TEST_CASE("Guard maps exceptions to status codes") {
  CHECK(rpc::Guard([] { return grpc::Status::OK; }).ok());
  CHECK(rpc::Guard([]() -> grpc::Status { throw std::runtime_error("x"); }).error_code() ==
        grpc::StatusCode::INTERNAL);
  CHECK(rpc::Guard([]() -> grpc::Status { throw 42; }).error_code() == grpc::StatusCode::INTERNAL);
#ifdef PASAR_RPC_TEST_WITH_PG
  namespace pg = pasar::pg;
  CHECK(rpc::Guard([]() -> grpc::Status { throw pg::ConnectionError("down"); }).error_code() ==
        grpc::StatusCode::UNAVAILABLE);
  CHECK(rpc::Guard([]() -> grpc::Status { throw pg::PoolTimeout("busy"); }).error_code() ==
        grpc::StatusCode::UNAVAILABLE);
  CHECK(rpc::Guard([]() -> grpc::Status {
          throw pg::Error("could not serialize", "40001");
        }).error_code() == grpc::StatusCode::ABORTED);
  CHECK(rpc::Guard([]() -> grpc::Status { throw pg::Error("deadlock", "40P01"); }).error_code() ==
        grpc::StatusCode::ABORTED);
  CHECK(rpc::Guard([]() -> grpc::Status { throw pg::Error("syntax", "42601"); }).error_code() ==
        grpc::StatusCode::INTERNAL);
#endif
#ifdef PASAR_RPC_TEST_WITH_REDIS
  CHECK(rpc::Guard([]() -> grpc::Status { throw pasar::redis::Error("gone"); }).error_code() ==
        grpc::StatusCode::UNAVAILABLE);
#endif
}

TEST_CASE("ConfigFromEnvAndFlags: environment, then flags, extra keys") {
  ::setenv("PASAR_LISTEN", "127.0.0.1:7000", 1);
  ::setenv("PASAR_PG", "host=/tmp dbname=x", 1);
  ::setenv("PASAR_INVENTORY_ADDR", "127.0.0.1:7100", 1);
  ::setenv("PASAR_JWT_SECRET", "env-secret", 1);
  ::setenv("PASAR_RATE_LIMIT_PER_SECOND", "50", 1);
  ::setenv("PASAR_JWT_JWKS_FILE", "/keys/people.jwks", 1);
  std::vector<std::string> args{"svc",
                                "--listen=127.0.0.1:7001",
                                "--metrics-listen=127.0.0.1:9100",
                                "--some-flag=value",
                                "--deadline-cap-seconds=2.5",
                                "--redis_prefix=t1:",
                                "--jwt-service-jwks-file=/keys/service.jwks",
                                "--jwt-max-lifetime-seconds=3600"};
  std::vector<char*> argv;
  for (std::string& a : args)
    argv.push_back(a.data());
  rpc::ServerConfig config =
      rpc::ConfigFromEnvAndFlags("order", static_cast<int>(argv.size()), argv.data());
  CHECK(config.service_name == "order");
  CHECK(config.listen == "127.0.0.1:7001");
  CHECK(config.metrics_listen == "127.0.0.1:9100");
  CHECK(config.pg == "host=/tmp dbname=x");
  CHECK(config.redis_prefix == "t1:");
  CHECK(config.jwt.secret == "env-secret");
  CHECK(config.jwt.jwks_file == "/keys/people.jwks");
  CHECK(config.jwt.service_jwks_file == "/keys/service.jwks");
  CHECK(config.jwt.max_lifetime == absl::Hours(1));
  CHECK(config.jwt.issuer == "pasar");
  CHECK(config.rate_limit_per_second == 50);
  CHECK(config.deadline_cap == absl::Milliseconds(2500));
  CHECK(config.Extra("inventory_addr") == "127.0.0.1:7100");
  CHECK(config.Extra("some_flag") == "value");
  CHECK(config.Extra("absent", "fallback") == "fallback");
  CHECK(config.extra.count("listen") == 0);
  CHECK(config.extra.count("jwt_secret") == 0);
  CHECK(config.extra.count("jwt_jwks_file") == 0);
  CHECK(config.extra.count("jwt_service_jwks_file") == 0);

  config.extra["window_ms"] = "250";
  config.extra["bad_ms"] = "25x";
  config.extra["huge"] = "99";
  CHECK(config.ExtraInt("absent", 7, 1, 10) == 7);
  CHECK(config.ExtraInt("huge", 7, 1, 100) == 99);
  CHECK_THROWS_WITH(config.ExtraInt("huge", 7, 1, 10), Catch::Contains("PASAR_HUGE"));
  CHECK(config.ExtraMillis("window_ms", absl::Seconds(2)) == absl::Milliseconds(250));
  CHECK(config.ExtraMillis("absent", absl::Seconds(2)) == absl::Seconds(2));
  CHECK_THROWS_AS(config.ExtraMillis("bad_ms", absl::Seconds(2)), std::invalid_argument);

  std::vector<std::string> bad{"svc", "--max-threads=lots"};
  std::vector<char*> bad_argv{bad[0].data(), bad[1].data()};
  CHECK_THROWS_AS(rpc::ConfigFromEnvAndFlags("x", 2, bad_argv.data()), std::invalid_argument);
  std::vector<std::string> positional{"svc", "oops"};
  std::vector<char*> positional_argv{positional[0].data(), positional[1].data()};
  CHECK_THROWS_AS(rpc::ConfigFromEnvAndFlags("x", 2, positional_argv.data()),
                  std::invalid_argument);
  for (const char* name : {"PASAR_LISTEN", "PASAR_PG", "PASAR_INVENTORY_ADDR", "PASAR_JWT_SECRET",
                           "PASAR_RATE_LIMIT_PER_SECOND", "PASAR_JWT_JWKS_FILE"}) {
    ::unsetenv(name);
  }
}

TEST_CASE("Authenticate: tokens, roles, request ids and the deadline cap") {
  rpc::ServerConfig config;
  config.deadline_cap = absl::Seconds(2);
  Fixture f(config);
  REQUIRE(f.host->port() > 0);

  SECTION("a valid customer token is accepted and the request id is echoed") {
    grpc::ClientContext ctx;
    Authorize(ctx, "auth-cust-1");
    ctx.AddMetadata("x-request-id", "req-abc-123");
    v1::EchoRequest req;
    req.set_text("hello");
    v1::EchoResponse resp;
    grpc::Status status = f.echo->Echo(&ctx, req, &resp);
    REQUIRE(status.ok());
    CHECK(resp.text() == "hello");
    CHECK(resp.subject() == "auth-cust-1");
    CHECK(resp.request_id() == "req-abc-123");
    // The client asked for 30 s; the server caps at 2 s.
    CHECK(resp.deadline_left_ms() <= 2000);
    CHECK(resp.deadline_left_ms() > 0);
    auto echoed = ctx.GetServerInitialMetadata().find("x-request-id");
    REQUIRE(echoed != ctx.GetServerInitialMetadata().end());
    CHECK(std::string(echoed->second.data(), echoed->second.size()) == "req-abc-123");
  }
  SECTION("without x-request-id the server generates one") {
    grpc::ClientContext ctx;
    Authorize(ctx, "auth-cust-2");
    v1::EchoResponse resp;
    REQUIRE(f.echo->Echo(&ctx, v1::EchoRequest(), &resp).ok());
    CHECK(resp.request_id().size() == 32);
    auto echoed = ctx.GetServerInitialMetadata().find("x-request-id");
    REQUIRE(echoed != ctx.GetServerInitialMetadata().end());
    CHECK(std::string(echoed->second.data(), echoed->second.size()) == resp.request_id());
  }
  SECTION("missing, malformed and foreign tokens are UNAUTHENTICATED") {
    for (std::string header :
         {std::string(), std::string("Basic abc"), std::string("Bearer not.a.token"),
          "Bearer " + auth::Mint({.secret = "other"}, {"x", auth::Role::kCustomer, {}})}) {
      INFO(header);
      grpc::ClientContext ctx;
      if (!header.empty()) ctx.AddMetadata("authorization", header);
      v1::EchoResponse resp;
      CHECK(f.echo->Echo(&ctx, v1::EchoRequest(), &resp).error_code() ==
            grpc::StatusCode::UNAUTHENTICATED);
    }
  }
  SECTION("a role not allowed is PERMISSION_DENIED") {
    grpc::ClientContext ctx;
    Authorize(ctx, "auth-courier-1", auth::Role::kCourier);
    v1::EchoResponse resp;
    grpc::Status status = f.echo->Echo(&ctx, v1::EchoRequest(), &resp);
    CHECK(status.error_code() == grpc::StatusCode::PERMISSION_DENIED);
    CHECK(status.error_message().find("courier") != std::string::npos);
  }
  SECTION("an exception in the handler is INTERNAL without its text") {
    grpc::ClientContext ctx;
    Authorize(ctx, "auth-cust-3");
    v1::EchoRequest req;
    req.set_text("throw");
    v1::EchoResponse resp;
    grpc::Status status = f.echo->Echo(&ctx, req, &resp);
    CHECK(status.error_code() == grpc::StatusCode::INTERNAL);
    CHECK(status.error_message().find("boom") == std::string::npos);
  }
}

TEST_CASE("UUIDs in a request's id fields reach the handler in lower case") {
  Fixture f;
  constexpr char kUpper[] = "0F8FAD5B-D9CB-469F-A165-70867728950E";
  constexpr char kLower[] = "0f8fad5b-d9cb-469f-a165-70867728950e";
  v1::EchoRequest req;
  req.set_text(kUpper);
  req.set_stall_id(kUpper);
  req.add_product_ids(kLower);
  req.add_product_ids("6EC0BD7F-11C0-43DA-975E-2A8AD9EBAE0B");
  req.add_product_ids("not-a-uuid");
  v1::EchoLine* line = req.add_lines();
  line->set_product_id(kUpper);
  line->set_name(kUpper);
  req.set_request_id(kUpper);
  grpc::ClientContext ctx;
  Authorize(ctx, "ids-cust");
  v1::EchoResponse resp;
  REQUIRE(f.echo->Echo(&ctx, req, &resp).ok());
  const v1::EchoRequest& got = resp.received();
  CHECK(got.stall_id() == kLower);
  REQUIRE(got.product_ids_size() == 3);
  CHECK(got.product_ids(0) == kLower);
  CHECK(got.product_ids(1) == "6ec0bd7f-11c0-43da-975e-2a8ad9ebae0b");
  CHECK(got.product_ids(2) == "not-a-uuid");  // not a UUID: the handler refuses it as before
  REQUIRE(got.lines_size() == 1);
  CHECK(got.lines(0).product_id() == kLower);
  // Not id fields: as sent.
  CHECK(got.lines(0).name() == kUpper);
  CHECK(got.text() == kUpper);
  CHECK(got.request_id() == kUpper);
}

TEST_CASE("Refuse puts the reason in the message and the trailing metadata") {
  Fixture f;
  grpc::ClientContext ctx;
  v1::RefuseRequest req;
  req.set_reason("INSUFFICIENT_STOCK");
  v1::RefuseResponse resp;
  grpc::Status status = f.echo->Refuse(&ctx, req, &resp);
  CHECK(status.error_code() == grpc::StatusCode::FAILED_PRECONDITION);
  CHECK(status.error_message() == "INSUFFICIENT_STOCK: refused");
  CHECK(rpc::ErrorReason(ctx) == "INSUFFICIENT_STOCK");

  grpc::ClientContext ok_ctx;  // an answer without the trailer has no reason
  Authorize(ok_ctx, "auth-cust-4");
  v1::EchoResponse echoed;
  REQUIRE(f.echo->Echo(&ok_ctx, v1::EchoRequest(), &echoed).ok());
  CHECK(rpc::ErrorReason(ok_ctx).empty());
}

TEST_CASE("Health follows dependencies_ok for the server and each service") {
  Fixture f;
  CHECK(Health(f, "") == HealthCheckResponse::SERVING);
  CHECK(Health(f, kEchoService) == HealthCheckResponse::SERVING);
  f.deps_ok = false;
  CHECK(HealthBecomes(f, "", HealthCheckResponse::NOT_SERVING));
  CHECK(Health(f, kEchoService) == HealthCheckResponse::NOT_SERVING);
  f.deps_ok = true;
  CHECK(HealthBecomes(f, "", HealthCheckResponse::SERVING));
  CHECK(HealthBecomes(f, kEchoService, HealthCheckResponse::SERVING));
}

TEST_CASE("Metrics count RPCs by method and code") {
  rpc::ServerConfig config;
  config.metrics_listen = "127.0.0.1:0";
  Fixture f(config);
  REQUIRE(f.host->metrics_port() > 0);
  for (int i = 0; i < 3; ++i) {
    grpc::ClientContext ctx;
    Authorize(ctx, "metrics-cust");
    v1::EchoResponse resp;
    REQUIRE(f.echo->Echo(&ctx, v1::EchoRequest(), &resp).ok());
  }
  grpc::ClientContext refuse_ctx;
  v1::RefuseResponse refuse_resp;
  f.echo->Refuse(&refuse_ctx, v1::RefuseRequest(), &refuse_resp);

  const std::string page = HttpGet(f.host->metrics_port(), "/metrics");
  CHECK(page.find("200 OK") != std::string::npos);
  CHECK(page.find("pasar_rpc_requests_total{service=\"echo-test\",code=\"OK\",method=\"/"
                  "pasar.testing.v1.EchoService/Echo\"} 3") != std::string::npos);
  CHECK(page.find("code=\"FAILED_PRECONDITION\",method=\"/pasar.testing.v1.EchoService/"
                  "Refuse\"} 1") != std::string::npos);
  CHECK(page.find("pasar_rpc_duration_seconds_count{service=\"echo-test\",method=\"/"
                  "pasar.testing.v1.EchoService/Echo\"} 3") != std::string::npos);
  CHECK(page.find("pasar_serving{service=\"echo-test\"} 1") != std::string::npos);
}

TEST_CASE("The per-principal rate limit trips, per subject") {
  rpc::ServerConfig config;
  config.rate_limit_per_second = 2;
  Fixture f(config);
  int ok = 0;
  int exhausted = 0;
  for (int i = 0; i < 30; ++i) {
    grpc::ClientContext ctx;
    Authorize(ctx, "rate-cust-1");
    v1::EchoResponse resp;
    grpc::Status status = f.echo->Echo(&ctx, v1::EchoRequest(), &resp);
    if (status.ok()) ++ok;
    if (status.error_code() == grpc::StatusCode::RESOURCE_EXHAUSTED) {
      ++exhausted;
      // Every refusal says why (errors.proto, ERROR_REASON_RATE_LIMITED): the trailer and the
      // message prefix.
      CHECK(rpc::ErrorReason(ctx) == "RATE_LIMITED");
      CHECK(status.error_message().rfind("RATE_LIMITED: rate limit of 2 requests", 0) == 0);
    }
  }
  CHECK(ok >= 2);
  CHECK(exhausted > 0);
  CHECK(ok + exhausted == 30);
  // Another principal has its own bucket.
  grpc::ClientContext ctx;
  Authorize(ctx, "rate-cust-2");
  v1::EchoResponse resp;
  CHECK(f.echo->Echo(&ctx, v1::EchoRequest(), &resp).ok());
}

TEST_CASE("Message size limit") {
  rpc::ServerConfig config;
  config.max_message_bytes = 64 * 1024;
  Fixture f(config);
  grpc::ClientContext ctx;
  Authorize(ctx, "size-cust");
  v1::EchoRequest req;
  req.set_text(std::string(100 * 1024, 'x'));
  v1::EchoResponse resp;
  CHECK(f.echo->Echo(&ctx, req, &resp).error_code() == grpc::StatusCode::RESOURCE_EXHAUSTED);
}

TEST_CASE("Concurrent streams per principal are limited") {
  rpc::ServerConfig config;
  config.max_streams_per_principal = 2;
  Fixture f(config);
  v1::WatchRequest forever;  // count 0: until cancelled
  std::vector<std::unique_ptr<grpc::ClientContext>> contexts;
  std::vector<std::unique_ptr<grpc::ClientReader<v1::WatchResponse>>> readers;
  for (int i = 0; i < 2; ++i) {
    contexts.push_back(std::make_unique<grpc::ClientContext>());
    Authorize(*contexts.back(), "stream-cust");
    readers.push_back(f.echo->Watch(contexts.back().get(), forever));
    v1::WatchResponse first;
    REQUIRE(readers.back()->Read(&first));  // the handler holds its slot now
  }
  {
    grpc::ClientContext ctx;
    Authorize(ctx, "stream-cust");
    auto third = f.echo->Watch(&ctx, forever);
    v1::WatchResponse msg;
    CHECK_FALSE(third->Read(&msg));
    const grpc::Status refused = third->Finish();
    CHECK(refused.error_code() == grpc::StatusCode::RESOURCE_EXHAUSTED);
    // The refusal says why (errors.proto, ERROR_REASON_RATE_LIMITED): trailer and message prefix.
    CHECK(rpc::ErrorReason(ctx) == "RATE_LIMITED");
    CHECK(refused.error_message().rfind("RATE_LIMITED: too many concurrent streams", 0) == 0);
  }
  {
    grpc::ClientContext ctx;  // someone else is not affected
    Authorize(ctx, "stream-other");
    v1::WatchRequest two;
    two.set_count(2);
    auto other = f.echo->Watch(&ctx, two);
    v1::WatchResponse msg;
    int n = 0;
    while (other->Read(&msg))
      ++n;
    CHECK(n == 2);
    CHECK(other->Finish().ok());
  }
  // Ending one stream frees its slot.
  contexts[0]->TryCancel();
  v1::WatchResponse drain;
  while (readers[0]->Read(&drain)) {
  }
  readers[0]->Finish();
  bool reacquired = false;
  for (int attempt = 0; attempt < 300 && !reacquired; ++attempt) {  // up to 30 s
    grpc::ClientContext ctx;
    Authorize(ctx, "stream-cust");
    v1::WatchRequest one;
    one.set_count(1);
    auto again = f.echo->Watch(&ctx, one);
    v1::WatchResponse msg;
    while (again->Read(&msg)) {
    }
    reacquired = again->Finish().ok();
    if (!reacquired) std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  CHECK(reacquired);
  contexts[1]->TryCancel();
  while (readers[1]->Read(&drain)) {
  }
  readers[1]->Finish();
}

TEST_CASE("SIGTERM drains: streams end, Wait returns") {
  Fixture f;
  grpc::ClientContext stream_ctx;
  Authorize(stream_ctx, "drain-cust");
  stream_ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(60));
  v1::WatchRequest forever;
  auto reader = f.echo->Watch(&stream_ctx, forever);
  v1::WatchResponse msg;
  REQUIRE(reader->Read(&msg));

  // Wait() installs its handlers (replacing Catch's); raise only once they are there (bounded).
  struct sigaction before {};
  ::sigaction(SIGTERM, nullptr, &before);
  std::thread waiter([&] { f.host->Wait(); });
  bool installed = false;
  for (int i = 0; i < 750 && !installed; ++i) {  // up to 15 s
    struct sigaction current {};
    ::sigaction(SIGTERM, nullptr, &current);
    installed = current.sa_handler != before.sa_handler;
    if (!installed) std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  REQUIRE(installed);
  ::raise(SIGTERM);
  waiter.join();  // returns only after the drain
  CHECK(f.host->shutting_down());
  CHECK(rpc::ShuttingDown());
  int more = 0;
  while (reader->Read(&msg))
    ++more;
  CHECK(reader->Finish().ok());  // the handler saw the drain and ended the stream itself
  // The server no longer answers.
  grpc::ClientContext ctx;
  Authorize(ctx, "drain-cust");
  ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(2));
  v1::EchoResponse resp;
  CHECK_FALSE(f.echo->Echo(&ctx, v1::EchoRequest(), &resp).ok());
}
