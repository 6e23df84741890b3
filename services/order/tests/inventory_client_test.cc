// The inventory client's market cache, against an in-process CatalogService (no servers needed).
#include <catch2/catch.hpp>

#include <atomic>
#include <chrono>

#include <grpcpp/security/server_credentials.h>
#include <grpcpp/server.h>
#include <grpcpp/server_builder.h>

#include "clients/inventory_client.h"

namespace {

using namespace pasar;
namespace inv = pasar::inventory::v1;

class CountingCatalog final : public inv::CatalogService::Service {
 public:
  grpc::Status GetMarket(grpc::ServerContext*, const inv::GetMarketRequest* req,
                         inv::GetMarketResponse* resp) override {
    ++calls;
    if (req->market_id() == "missing") return grpc::Status(grpc::StatusCode::NOT_FOUND, "market");
    resp->mutable_market()->set_id(req->market_id());
    resp->mutable_market()->set_name("Pasar Baru");
    return grpc::Status::OK;
  }
  std::atomic<int> calls{0};
};

struct Fake {
  CountingCatalog catalog;
  std::unique_ptr<grpc::Server> server;
  int port = 0;
  Fake() {
    grpc::ServerBuilder builder;
    builder.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(), &port);
    builder.RegisterService(&catalog);
    server = builder.BuildAndStart();
    REQUIRE(server);
  }
  ~Fake() { server->Shutdown(); }
  std::string address() const { return "127.0.0.1:" + std::to_string(port); }
};

auth::JwtConfig Jwt() {
  auth::JwtConfig c;
  c.secret = "test";
  return c;
}

// Generous: only bounds a call that would fail anyway (a loaded machine is slow, not wrong).
order::InventoryClient::Deadline Soon() {
  return std::chrono::system_clock::now() + std::chrono::seconds(30);
}

}  // namespace

TEST_CASE("markets are read from inventory once per cache TTL, failures are not cached") {
  Fake fake;
  order::InventoryClient client(fake.address(), Jwt(), absl::Minutes(1));
  inv::Market m;
  REQUIRE(client.GetMarket("m1", Soon(), &m).ok());
  REQUIRE(client.GetMarket("m1", Soon(), &m).ok());
  CHECK(m.name() == "Pasar Baru");
  CHECK(fake.catalog.calls == 1);
  REQUIRE(client.GetMarket("m2", Soon(), &m).ok());
  CHECK(m.id() == "m2");
  CHECK(fake.catalog.calls == 2);
  CHECK(client.GetMarket("missing", Soon(), &m).status.error_code() == grpc::StatusCode::NOT_FOUND);
  CHECK(client.GetMarket("missing", Soon(), &m).status.error_code() == grpc::StatusCode::NOT_FOUND);
  CHECK(fake.catalog.calls == 4);
}

TEST_CASE("without a cache TTL every call reads the market") {
  Fake fake;
  order::InventoryClient client(fake.address(), Jwt());
  inv::Market m;
  REQUIRE(client.GetMarket("m1", Soon(), &m).ok());
  REQUIRE(client.GetMarket("m1", Soon(), &m).ok());
  CHECK(fake.catalog.calls == 2);
}

TEST_CASE("a failed call's outcome is unknown only when the request may have been applied") {
  using order::InventoryClient;
  using order::Upstream;
  auto unknown = [](grpc::StatusCode code) {
    return InventoryClient::OutcomeUnknown(Upstream{grpc::Status(code, "x"), ""});
  };
  for (grpc::StatusCode code :
       {grpc::StatusCode::DEADLINE_EXCEEDED, grpc::StatusCode::UNAVAILABLE,
        grpc::StatusCode::CANCELLED, grpc::StatusCode::UNKNOWN, grpc::StatusCode::INTERNAL}) {
    INFO(code);
    CHECK(unknown(code));
  }
  for (grpc::StatusCode code :
       {grpc::StatusCode::FAILED_PRECONDITION, grpc::StatusCode::NOT_FOUND,
        grpc::StatusCode::INVALID_ARGUMENT, grpc::StatusCode::PERMISSION_DENIED,
        grpc::StatusCode::RESOURCE_EXHAUSTED}) {
    INFO(code);
    CHECK_FALSE(unknown(code));
  }
}
