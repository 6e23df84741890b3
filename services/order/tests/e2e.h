// Test support for tests that run the real pasar-order binary (and optionally pasar-inventory):
// a fresh database, a unique Redis prefix, tokens minted from the test secret, gRPC stubs.
#pragma once

#include <chrono>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
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

// Publishes an envelope on <prefix>events.dispatch exactly as dispatch's relay would; returns
// its stream entry id.
inline std::string PublishDispatchEvent(redis::Client& redis, const events::v1::Envelope& e,
                                        const std::string& aggregate) {
  return testkit::PublishAsRelay(redis, "events.dispatch", e.event_id(), e.type(), aggregate,
                                 e.SerializeAsString());
}

// True when the order service's consumer group ("order") has been delivered every entry of
// <prefix>events.dispatch up to `entry_id` and holds none unacknowledged: each of them was
// applied, skipped as a duplicate or refused, and (the consumer acknowledges after its commit)
// committed. XINFO GROUPS answers a flat list of field, value per group.
inline bool DispatchEventsConsumedUpTo(redis::Client& redis, const std::string& entry_id) {
  const auto parse = [](std::string_view id) {  // "<ms>-<seq>", compared as a pair of numbers
    const size_t dash = id.find('-');
    return std::pair<uint64_t, uint64_t>(std::stoull(std::string(id.substr(0, dash))),
                                         std::stoull(std::string(id.substr(dash + 1))));
  };
  const redis::Reply groups = redis.Command({"XINFO", "GROUPS", redis.Key("events.dispatch")});
  for (size_t g = 0; g < groups.size(); ++g) {
    const redis::Reply group = groups.at(g);
    std::map<std::string, redis::Reply> fields;
    for (size_t f = 0; f + 1 < group.size(); f += 2)
      fields.emplace(std::string(group.at(f).str()), group.at(f + 1));
    if (fields.count("name") == 0 || fields.at("name").str() != "order") continue;
    return fields.at("pending").integer() == 0 &&
           parse(fields.at("last-delivered-id").str()) >= parse(entry_id);
  }
  return false;  // the group does not exist yet
}

using testkit::Eventually;

}  // namespace pasar::order::testing
