// rpc::Serve and the access table: the roles of each method are applied in one place, the
// request id is checked, and a body's absl::Status reaches the client as its gRPC status (a
// refusal with its reason).
#include <catch2/catch.hpp>

#include <memory>
#include <string>
#include <vector>

#include <grpcpp/grpcpp.h>

#include "pasar/request/status.h"
#include "pasar/rpc/client.h"
#include "pasar/rpc/serve.h"
#include "pasar/rpc/server.h"
#include "pasar/testing/v1/echo.grpc.pb.h"

namespace rpc = pasar::rpc;
namespace auth = pasar::auth;
namespace request = pasar::request;
namespace v1 = pasar::testing::v1;

namespace {

constexpr char kSecret[] = "serve-test-secret";

auth::JwtConfig Jwt() {
  auth::JwtConfig jwt;
  jwt.secret = kSecret;
  return jwt;
}

// Handlers with no opening of their own: the table says who may call them.
class ServedEcho final : public v1::EchoService::Service {
 public:
  grpc::Status Echo(grpc::ServerContext* ctx, const v1::EchoRequest* req,
                    v1::EchoResponse* resp) override {
    return rpc::Serve(ctx, *req, [&](const auth::Principal& who) -> absl::Status {
      if (req->text() == "missing") return request::NotFound("echo");
      resp->set_text(req->text());
      resp->set_subject(who.subject);
      return absl::OkStatus();
    });
  }
  grpc::Status Refuse(grpc::ServerContext* ctx, const v1::RefuseRequest* req,
                      v1::RefuseResponse*) override {
    return rpc::Serve(ctx, *req, [&](const auth::Principal&) -> absl::Status {
      return request::Refused(req->reason(), "refused");
    });
  }
  grpc::Status Watch(grpc::ServerContext* ctx, const v1::WatchRequest* req,
                     grpc::ServerWriter<v1::WatchResponse>* writer) override {
    return rpc::Serve(ctx, *req, [&](const auth::Principal&) -> absl::Status {
      v1::WatchResponse msg;
      writer->Write(msg);
      return absl::OkStatus();
    });
  }
};

std::string Method(std::string_view name) {
  return rpc::MethodName(v1::EchoService::service_full_name(), name);
}

rpc::AccessTable FullTable() {
  return {{Method("Echo"), {auth::Role::kCustomer, auth::Role::kOperator}},
          {Method("Refuse"), {auth::Role::kOperator}},
          {Method("Watch"), {}}};
}

struct Fixture {
  explicit Fixture(rpc::AccessTable table) {
    rpc::ServerConfig config;
    config.service_name = "serve-test";
    config.jwt = Jwt();
    host = std::make_unique<rpc::Host>(std::move(config), std::vector<grpc::Service*>{&api},
                                       [] { return true; });
    host->SetAccess(verifier, std::move(table));
  }
  void Start() {
    host->Start();
    echo = v1::EchoService::NewStub(rpc::Dial(host->address()));
  }
  std::unique_ptr<grpc::ClientContext> Ctx(auth::Role role, std::string_view subject = "s-1") {
    auto ctx = std::make_unique<grpc::ClientContext>();
    rpc::Prepare(*ctx, auth::Mint(Jwt(), {std::string(subject), role, {}}, absl::Minutes(5)),
                 std::chrono::system_clock::now() + std::chrono::seconds(10));
    return ctx;
  }

  auth::Verifier verifier{Jwt()};
  ServedEcho api;
  std::unique_ptr<rpc::Host> host;
  std::unique_ptr<v1::EchoService::Stub> echo;
};

}  // namespace

TEST_CASE("a host does not start when a served method has no rule or a rule serves nothing") {
  rpc::AccessTable missing = FullTable();
  missing.pop_back();
  Fixture without_watch(missing);
  CHECK_THROWS_WITH(without_watch.host->Start(),
                    Catch::Contains("no rule for") && Catch::Contains("/Watch"));

  rpc::AccessTable extra = FullTable();
  extra.push_back({Method("Shout"), {}});
  Fixture with_shout(extra);
  CHECK_THROWS_WITH(with_shout.host->Start(), Catch::Contains("Shout"));
}

TEST_CASE("the table's roles are applied to every call and the body gets the principal") {
  Fixture f(FullTable());
  f.Start();
  v1::EchoRequest req;
  req.set_text("hello");
  req.set_request_id("r-1");
  v1::EchoResponse resp;

  grpc::ClientContext anonymous;
  CHECK(f.echo->Echo(&anonymous, req, &resp).error_code() == grpc::StatusCode::UNAUTHENTICATED);
  CHECK(f.echo->Echo(f.Ctx(auth::Role::kCourier).get(), req, &resp).error_code() ==
        grpc::StatusCode::PERMISSION_DENIED);
  const grpc::Status ok = f.echo->Echo(f.Ctx(auth::Role::kOperator, "op-7").get(), req, &resp);
  INFO(ok.error_message());
  REQUIRE(ok.ok());
  CHECK(resp.subject() == "op-7");
  CHECK(resp.text() == "hello");

  // An empty role list admits every signed-in role.
  v1::WatchRequest watch;
  auto watch_ctx = f.Ctx(auth::Role::kCourier);
  auto stream = f.echo->Watch(watch_ctx.get(), watch);
  v1::WatchResponse msg;
  while (stream->Read(&msg)) {
  }
  CHECK(stream->Finish().ok());
}

TEST_CASE("a request's request_id is required and checked before the body runs") {
  Fixture f(FullTable());
  f.Start();
  v1::EchoRequest req;
  req.set_text("hello");
  v1::EchoResponse resp;
  const grpc::Status none = f.echo->Echo(f.Ctx(auth::Role::kCustomer).get(), req, &resp);
  CHECK(none.error_code() == grpc::StatusCode::INVALID_ARGUMENT);
  CHECK(none.error_message() == "request_id: is required");
  req.set_request_id("has space");
  const grpc::Status bad = f.echo->Echo(f.Ctx(auth::Role::kCustomer).get(), req, &resp);
  CHECK(bad.error_code() == grpc::StatusCode::INVALID_ARGUMENT);
  CHECK(bad.error_message().rfind("request_id: ", 0) == 0);
  CHECK(resp.text().empty());
  req.set_request_id("r-1");
  CHECK(f.echo->Echo(f.Ctx(auth::Role::kCustomer).get(), req, &resp).ok());
}

TEST_CASE("the body's status reaches the client; a refusal carries its reason") {
  Fixture f(FullTable());
  f.Start();
  v1::EchoRequest req;
  req.set_text("missing");
  req.set_request_id("r-2");
  v1::EchoResponse resp;
  const grpc::Status missing = f.echo->Echo(f.Ctx(auth::Role::kCustomer).get(), req, &resp);
  CHECK(missing.error_code() == grpc::StatusCode::NOT_FOUND);
  CHECK(missing.error_message() == "echo not found");

  v1::RefuseRequest refuse;
  refuse.set_reason("MARKET_CLOSED");
  v1::RefuseResponse refused;
  auto ctx = f.Ctx(auth::Role::kOperator);
  const grpc::Status s = f.echo->Refuse(ctx.get(), refuse, &refused);
  CHECK(s.error_code() == grpc::StatusCode::FAILED_PRECONDITION);
  CHECK(s.error_message() == "MARKET_CLOSED: refused");
  CHECK(rpc::ErrorReason(*ctx) == "MARKET_CLOSED");
}
