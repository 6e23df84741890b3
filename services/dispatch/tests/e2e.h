// Support for tests that run the real pasar-dispatch binary: a fresh database, a unique Redis
// prefix, short timers, tokens minted from the test secret, gRPC stubs, the order service's
// events fed into <prefix>events.order as its relay would, and dispatch's events read back.
#pragma once

#include <chrono>
#include <map>
#include <memory>
#include <mutex>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include <grpcpp/create_channel.h>
#include <grpcpp/security/credentials.h>

#include "google/protobuf/util/time_util.h"
#include "pasar/auth/auth.h"
#include "pasar/dispatch/v1/dispatch.grpc.pb.h"
#include "pasar/events/v1/events.pb.h"
#include "pasar/pg/pg.h"
#include "pasar/redis/redis.h"
#include "pasar/testkit/call.h"
#include "pasar/testkit/eventually.h"
#include "pasar/testkit/relay.h"
#include "pasar/testkit/testkit.h"

namespace pasar::dispatch::testing {

namespace v1 = ::pasar::dispatch::v1;
namespace ev = ::pasar::events::v1;

inline constexpr char kSecret[] = "dispatch-e2e-secret";
// Pasar Baru, Lumajang.
inline constexpr double kMarketLat = -8.1335;
inline constexpr double kMarketLng = 113.2249;

inline auth::JwtConfig Jwt() {
  auth::JwtConfig c;
  c.secret = kSecret;
  return c;
}

inline std::string Token(auth::Role role, const std::string& subject) {
  return auth::Mint(Jwt(), {subject, role, {}});
}

using testkit::Ctx;
using testkit::Reason;

inline std::string NewId() {
  static std::mutex mu;
  static std::mt19937_64 rng{std::random_device{}()};
  std::lock_guard lock(mu);
  char buf[40];
  const uint64_t a = rng(), b = rng();
  std::snprintf(buf, sizeof buf, "%08x-%04x-4%03x-a%03x-%012llx", static_cast<unsigned>(a >> 32),
                static_cast<unsigned>((a >> 16) & 0xffff), static_cast<unsigned>(a & 0xfff),
                static_cast<unsigned>(b >> 52) & 0xfff,
                static_cast<unsigned long long>(b & 0xffffffffffffULL));
  return buf;
}

// A point `meters` north of the market.
inline common::v1::LatLng North(double meters) {
  common::v1::LatLng p;
  p.set_lat(kMarketLat + meters / 111195.08);
  p.set_lng(kMarketLng);
  return p;
}

using testkit::Eventually;

// testkit's common settings plus short timers for tests; `extra` overrides both. Offers wait a
// minute for an answer: a test that accepts or declines must win against the countdown however
// slow the machine, so only tests about the countdown itself shorten it (and answer nothing in
// the meantime that a lapse would change).
inline std::map<std::string, std::string> DispatchEnv(
    const testkit::TempDatabase& db, const std::string& prefix,
    std::map<std::string, std::string> extra = {}) {
  // insert keeps what `extra` already sets.
  extra.insert({
      {"PASAR_BATCH_WINDOW_MS", "200"},
      {"PASAR_OFFER_TIMEOUT_MS", "60000"},
      {"PASAR_MATCHER_LEASE_MS", "2000"},
      {"PASAR_LOCATION_FLUSH_MS", "200"},
      {"PASAR_SWEEP_INTERVAL_MS", "100"},
      {"PASAR_CONSUMER_CLAIM_IDLE_MS", "1000"},
  });
  return testkit::ServiceEnv(db, prefix, kSecret, std::move(extra));
}

struct Client {
  std::shared_ptr<grpc::Channel> channel;
  std::unique_ptr<v1::CourierService::Stub> courier;
  std::unique_ptr<v1::DispatchOpsService::Stub> ops;
  explicit Client(const std::string& address)
      : channel(grpc::CreateChannel(address, grpc::InsecureChannelCredentials())),
        courier(v1::CourierService::NewStub(channel)),
        ops(v1::DispatchOpsService::NewStub(channel)) {}
};

// One ticket of a confirmed order.
struct Ticket {
  std::string ticket_id;
  int64_t total_idr;
  std::string pickup_code;
};

struct Order {
  std::string order_id = NewId();
  std::string market_id;
  std::vector<Ticket> tickets;
  std::string pin = "4321";
  int64_t delivery_fee_idr = 10'000;
  int64_t service_fee_idr = 2'000;
  int dispatch_timeout_seconds = 600;
  int64_t goods() const {
    int64_t g = 0;
    for (const auto& t : tickets)
      g += t.total_idr;
    return g;
  }
  int64_t cash_to_collect() const { return goods() + delivery_fee_idr + service_fee_idr; }
};

inline ev::Envelope Envelope(const std::string& order_id) {
  ev::Envelope e;
  e.set_event_id(NewId());
  e.set_producer("order");
  e.set_aggregate_id(order_id);
  e.set_correlation_id(order_id);
  *e.mutable_occurred_at() = google::protobuf::util::TimeUtil::GetCurrentTime();
  return e;
}

// Publishes `e` on <prefix>events.order exactly as the order service's relay would.
inline void Publish(redis::Client& redis, const ev::Envelope& e) {
  testkit::PublishAsRelay(redis, "events.order", e.event_id(), e.type(), e.aggregate_id(),
                          e.SerializeAsString());
}

// OrderConfirmed for `order`, as the order service's relay would publish it.
inline void PublishConfirmed(redis::Client& redis, const Order& order) {
  ev::Envelope e = Envelope(order.order_id);
  e.set_type("OrderConfirmed");
  auto* c = e.mutable_order_confirmed();
  c->set_order_id(order.order_id);
  c->set_market_id(order.market_id);
  c->set_market_name("Pasar Baru");
  c->set_customer_subject("customer-1");
  c->mutable_pickup()->set_lat(kMarketLat);
  c->mutable_pickup()->set_lng(kMarketLng);
  *c->mutable_drop_off() = North(1500);
  c->set_drop_off_address("Jl. Panglima Sudirman 1");
  for (const auto& t : order.tickets) {
    auto* ct = c->add_tickets();
    ct->set_ticket_id(t.ticket_id);
    ct->set_stall_id("stall-" + t.ticket_id);
    ct->set_stall_name("Stall");
    ct->set_total_idr(t.total_idr);
    ct->set_pickup_code(t.pickup_code);
  }
  c->set_delivery_pin(order.pin);
  c->set_goods_total_idr(order.goods());
  c->set_delivery_fee_idr(order.delivery_fee_idr);
  c->set_service_fee_idr(order.service_fee_idr);
  c->set_cash_to_collect_idr(order.cash_to_collect());
  c->set_distance_meters(1800);
  c->set_dispatch_timeout_seconds(order.dispatch_timeout_seconds);
  *c->mutable_dispatch_deadline() =
      google::protobuf::util::TimeUtil::GetCurrentTime() +
      google::protobuf::util::TimeUtil::SecondsToDuration(order.dispatch_timeout_seconds);
  Publish(redis, e);
}

// TicketReady for every ticket of `order` (its trader packed it), as the relay would publish it.
inline void PublishPacked(redis::Client& redis, const Order& order) {
  for (const auto& t : order.tickets) {
    ev::Envelope e = Envelope(order.order_id);
    e.set_type("TicketReady");
    auto* r = e.mutable_ticket_ready();
    r->set_order_id(order.order_id);
    r->set_ticket_id(t.ticket_id);
    r->set_stall_id("stall-" + t.ticket_id);
    Publish(redis, e);
  }
}

inline void PublishCancelled(redis::Client& redis, const std::string& order_id,
                             const std::string& market_id) {
  ev::Envelope e = Envelope(order_id);
  e.set_type("OrderCancelled");
  auto* c = e.mutable_order_cancelled();
  c->set_order_id(order_id);
  c->set_market_id(market_id);
  c->set_job_may_exist(true);
  Publish(redis, e);
}

// Every envelope on <prefix>events.dispatch so far.
inline std::vector<ev::Envelope> DispatchEvents(redis::Client& redis) {
  std::vector<ev::Envelope> out;
  const redis::Reply r = redis.Command({"XRANGE", redis.Key("events.dispatch"), "-", "+"});
  for (size_t i = 0; i < r.size(); ++i) {
    const redis::Reply fields = r.at(i).at(1);
    for (size_t f = 0; f + 1 < fields.size(); f += 2) {
      if (fields.at(f).str() == "payload") {
        ev::Envelope e;
        e.ParseFromString(std::string(fields.at(f + 1).str()));
        out.push_back(std::move(e));
      }
    }
  }
  return out;
}

inline std::vector<ev::Envelope> EventsOfType(redis::Client& redis, const std::string& type) {
  std::vector<ev::Envelope> out;
  for (auto& e : DispatchEvents(redis)) {
    if (e.type() == type) out.push_back(std::move(e));
  }
  return out;
}

// A courier as the tests drive it.
struct Courier {
  std::string subject;
  std::string token;
  std::string id;
};

inline Courier CreateCourier(Client& c, const std::string& market_id, const std::string& name) {
  Courier k;
  k.subject = "courier-" + NewId();
  k.token = Token(auth::Role::kCourier, k.subject);
  v1::CreateCourierRequest req;
  req.set_request_id(NewId());
  req.set_subject(k.subject);
  req.set_name(name);
  req.set_phone("+6281234567890");
  req.set_vehicle_plate("N 1234 AB");
  req.set_home_market_id(market_id);
  v1::CreateCourierResponse resp;
  auto ctx = Ctx(Token(auth::Role::kOperator, "operator-1"));
  const grpc::Status s = c.ops->CreateCourier(ctx.get(), req, &resp);
  if (!s.ok()) throw std::runtime_error("CreateCourier: " + s.error_message());
  k.id = resp.courier().id();
  return k;
}

inline grpc::Status StartShift(Client& c, const Courier& k, int64_t cash) {
  v1::StartShiftRequest req;
  req.set_request_id(NewId());
  req.set_cash_on_hand_idr(cash);
  v1::StartShiftResponse resp;
  auto ctx = Ctx(k.token);
  return c.courier->StartShift(ctx.get(), req, &resp);
}

// Sends one fix (recorded now) on a ReportLocations stream and closes it.
inline v1::ReportLocationsResponse Report(Client& c, const Courier& k,
                                          const common::v1::LatLng& where) {
  auto ctx = Ctx(k.token);
  v1::ReportLocationsResponse resp;
  auto writer = c.courier->ReportLocations(ctx.get(), &resp);
  v1::ReportLocationsRequest msg;
  auto* fix = msg.add_fixes();
  *fix->mutable_location() = where;
  *fix->mutable_recorded_at() = google::protobuf::util::TimeUtil::GetCurrentTime();
  writer->Write(msg);
  writer->WritesDone();
  const grpc::Status s = writer->Finish();
  if (!s.ok()) throw std::runtime_error("ReportLocations: " + s.error_message());
  return resp;
}

inline v1::GetCurrentJobResponse Current(Client& c, const Courier& k) {
  v1::GetCurrentJobResponse resp;
  auto ctx = Ctx(k.token);
  const grpc::Status s = c.courier->GetCurrentJob(ctx.get(), {}, &resp);
  if (!s.ok()) throw std::runtime_error("GetCurrentJob: " + s.error_message());
  return resp;
}

// Waits for a pending offer of `k` and returns it (empty offer_id on timeout).
inline v1::Offer WaitOffer(Client& c, const Courier& k,
                           std::chrono::milliseconds timeout = std::chrono::seconds(30)) {
  v1::Offer offer;
  Eventually(
      [&] {
        auto cur = Current(c, k);
        if (!cur.has_offer()) return false;
        offer = cur.offer();
        return true;
      },
      timeout);
  return offer;
}

}  // namespace pasar::dispatch::testing
