// Test support for tests that run the real pasar-order binary (and optionally pasar-inventory):
// a fresh database, a unique Redis prefix, tokens minted from the test secret, gRPC stubs.
#pragma once

#include <chrono>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include <grpcpp/create_channel.h>
#include <grpcpp/security/credentials.h>

#include "pasar/auth/auth.h"
#include "pasar/events/v1/events.pb.h"
#include "pasar/order/v1/order.grpc.pb.h"
#include "pasar/pg/pg.h"
#include "pasar/redis/redis.h"
#include "pasar/testkit/call.h"
#include "pasar/testkit/eventually.h"
#include "pasar/testkit/relay.h"
#include "pasar/testkit/testkit.h"

namespace pasar::order::testing {

inline constexpr char kSecret[] = "order-e2e-secret";

inline auth::JwtConfig Jwt() {
  auth::JwtConfig c;
  c.secret = kSecret;
  return c;
}

inline std::string Token(auth::Role role, const std::string& subject,
                         std::vector<std::string> stalls = {}) {
  return auth::Mint(Jwt(), {subject, role, std::move(stalls)});
}

using testkit::Ctx;
using testkit::Reason;

// Environment of one pasar-order process on `db`: testkit's common settings plus order's own
// (extra settings override both). Calls to inventory get far longer than production's 3 s: on
// a loaded machine a slow answer must not turn into a refused PlaceOrder.
inline std::map<std::string, std::string> OrderEnv(const testkit::TempDatabase& db,
                                                   const std::string& prefix,
                                                   const std::string& inventory_addr,
                                                   std::map<std::string, std::string> extra = {}) {
  // insert keeps what `extra` already sets.
  extra.insert({
      {"PASAR_INVENTORY_ADDR", inventory_addr},
      {"PASAR_SWEEPER_INTERVAL_MS", "100"},
      {"PASAR_WATCH_BACKSTOP_MS", "500"},
      {"PASAR_PG_POOL_SIZE", "24"},
      {"PASAR_CONSUMER_CLAIM_IDLE_MS", "500"},
      {"PASAR_RESERVE_DEADLINE_MS", "20000"},
      {"PASAR_COMPENSATION_DEADLINE_MS", "20000"},
  });
  return testkit::ServiceEnv(db, prefix, kSecret, std::move(extra));
}

struct OrderClient {
  std::shared_ptr<grpc::Channel> channel;
  std::unique_ptr<v1::OrderService::Stub> orders;
  std::unique_ptr<v1::TicketService::Stub> tickets;
  explicit OrderClient(const std::string& address)
      : channel(grpc::CreateChannel(address, grpc::InsecureChannelCredentials())),
        orders(v1::OrderService::NewStub(channel)),
        tickets(v1::TicketService::NewStub(channel)) {}
};

// Publishes an envelope on <prefix>events.dispatch exactly as dispatch's relay would.
inline void PublishDispatchEvent(redis::Client& redis, const events::v1::Envelope& e,
                                 const std::string& aggregate) {
  testkit::PublishAsRelay(redis, "events.dispatch", e.event_id(), e.type(), aggregate,
                          e.SerializeAsString());
}

using testkit::Eventually;

}  // namespace pasar::order::testing
