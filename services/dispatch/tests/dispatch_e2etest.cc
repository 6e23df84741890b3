// End-to-end: the real pasar-dispatch binary with PostgreSQL and Redis, fed with the order
// service's events as its relay would publish them, driven over gRPC.
#include <catch2/catch.hpp>

#include <csignal>
#include <set>

#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "tests/e2e.h"

namespace pasar::dispatch::testing {
namespace {

using auth::Role;

constexpr pg::Query kOffersOfCourier{"t_offers_of_courier",
                                     "SELECT count(*) FROM offers WHERE courier_id = $1::uuid"};
constexpr pg::Query kOfferFate{
    "t_offer_fate", "SELECT status, coalesce(withdraw_reason, '') FROM offers WHERE id = $1::uuid"};
constexpr pg::Query kMakersOfJob{"t_makers_of_job", "SELECT made_by FROM offers WHERE job_id = $1"};
constexpr pg::Query kAllMakers{"t_all_makers", "SELECT DISTINCT made_by FROM offers"};
constexpr pg::Query kPersistedFixes{"t_persisted_fixes", "SELECT count(*) FROM courier_locations"};
constexpr pg::Query kCountRows{
    "t_count_rows",
    "SELECT (SELECT count(*) FROM couriers), (SELECT count(*) FROM idempotency_keys), "
    "(SELECT count(*) FROM jobs), (SELECT count(*) FROM offers)"};

// Reads a WatchOffers stream on its own thread. Constructed once the stream is live: the
// server sends its initial metadata after registering the stream for live hints.
class Watcher final {
 public:
  Watcher(Client& c, const Courier& k) : ctx_(Ctx(k.token, std::chrono::seconds(120))) {
    reader_ = c.courier->WatchOffers(ctx_.get(), v1::WatchOffersRequest());
    reader_->WaitForInitialMetadata();  // bounded by the context's deadline
    thread_ = std::thread([this] {
      v1::WatchOffersResponse m;
      while (reader_->Read(&m)) {
        std::lock_guard lock(mu_);
        messages_.push_back(m);
      }
    });
  }
  ~Watcher() {
    ctx_->TryCancel();
    thread_.join();
    reader_->Finish();
  }
  // The first message (from index `from`) satisfying pred, waiting up to 30 s.
  template <class Pred>
  std::optional<v1::WatchOffersResponse> Wait(
      Pred&& pred, std::size_t from = 0,
      std::chrono::milliseconds timeout = std::chrono::seconds(30)) {
    std::optional<v1::WatchOffersResponse> found;
    Eventually(
        [&] {
          std::lock_guard lock(mu_);
          for (std::size_t i = from; i < messages_.size(); ++i) {
            if (pred(messages_[i])) {
              found = messages_[i];
              return true;
            }
          }
          return false;
        },
        timeout);
    return found;
  }
  std::size_t size() {
    std::lock_guard lock(mu_);
    return messages_.size();
  }

 private:
  std::unique_ptr<grpc::ClientContext> ctx_;
  std::unique_ptr<grpc::ClientReader<v1::WatchOffersResponse>> reader_;
  std::mutex mu_;
  std::vector<v1::WatchOffersResponse> messages_;
  std::thread thread_;
};

// One dispatch process with its database and Redis prefix.
struct Fixture {
  testkit::TempDatabase db;
  std::string prefix = testkit::UniqueRedisPrefix();
  redis::Client redis{redis::ConfigFromUrl(testkit::RequireEnv("PASAR_TEST_REDIS"), prefix)};
  std::string market = NewId();
  std::unique_ptr<testkit::ServiceProcess> process;
  std::unique_ptr<Client> client;
  std::unique_ptr<pg::Pool> pool;

  explicit Fixture(std::map<std::string, std::string> extra = {}) : extra_(std::move(extra)) {
    Restart();
    pool = std::make_unique<pg::Pool>(
        pg::PoolConfig{.conninfo = db.conninfo(), .search_path = "dispatch", .size = 2});
  }
  // (Re)starts the process; a running one is killed first (SIGKILL).
  void Restart() {
    client.reset();
    process.reset();
    process = std::make_unique<testkit::ServiceProcess>(testkit::BinaryPath("pasar-dispatch"),
                                                        DispatchEnv(db, prefix, extra_));
    client = std::make_unique<Client>(process->address());
  }
  Courier OnShift(const std::string& name, int64_t cash, double meters_north) {
    Courier k = CreateCourier(*client, market, name);
    REQUIRE(StartShift(*client, k, cash).ok());
    REQUIRE(Report(*client, k, North(meters_north)).accepted() == 1);
    return k;
  }
  std::map<std::string, std::string> extra_;

  Order NewOrder(std::vector<Ticket> tickets = {{"t-" + NewId(), 50'000, "1111"},
                                                {"t-" + NewId(), 30'000, "2222"}}) {
    Order o;
    o.market_id = market;
    o.tickets = std::move(tickets);
    return o;
  }
};

grpc::Status Accept(Client& c, const Courier& k, const std::string& offer_id,
                    v1::AcceptOfferResponse* resp, const std::string& request_id = NewId()) {
  v1::AcceptOfferRequest req;
  req.set_request_id(request_id);
  req.set_offer_id(offer_id);
  auto ctx = Ctx(k.token);
  return c.courier->AcceptOffer(ctx.get(), req, resp);
}

grpc::Status Decline(Client& c, const Courier& k, const std::string& offer_id) {
  v1::DeclineOfferRequest req;
  req.set_request_id(NewId());
  req.set_offer_id(offer_id);
  req.set_reason(v1::DECLINE_REASON_TOO_FAR);
  v1::DeclineOfferResponse resp;
  auto ctx = Ctx(k.token);
  return c.courier->DeclineOffer(ctx.get(), req, &resp);
}

struct Call {
  grpc::Status status;
  std::string reason;
};

Call Pickup(Client& c, const Courier& k, const std::string& job, const Ticket& t,
            const std::string& code, int64_t paid, v1::ConfirmPickupResponse* resp) {
  v1::ConfirmPickupRequest req;
  req.set_request_id(NewId());
  req.set_job_id(job);
  req.set_ticket_id(t.ticket_id);
  req.set_pickup_code(code);
  req.set_paid_to_trader_idr(paid);
  auto ctx = Ctx(k.token);
  Call call{c.courier->ConfirmPickup(ctx.get(), req, resp), ""};
  call.reason = Reason(*ctx);
  return call;
}

Call Deliver(Client& c, const Courier& k, const std::string& job, const std::string& pin,
             int64_t cash, v1::ConfirmDeliveryResponse* resp) {
  v1::ConfirmDeliveryRequest req;
  req.set_request_id(NewId());
  req.set_job_id(job);
  req.set_delivery_pin(pin);
  req.set_cash_collected_idr(cash);
  auto ctx = Ctx(k.token);
  Call call{c.courier->ConfirmDelivery(ctx.get(), req, resp), ""};
  call.reason = Reason(*ctx);
  return call;
}

v1::Job GetJob(Client& c, const std::string& id) {
  v1::GetJobRequest req;
  req.set_job_id(id);
  v1::GetJobResponse resp;
  auto ctx = Ctx(Token(Role::kOperator, "operator-1"));
  const grpc::Status s = c.ops->GetJob(ctx.get(), req, &resp);
  if (s.error_code() == grpc::NOT_FOUND) return v1::Job();  // not created yet
  if (!s.ok()) throw std::runtime_error("GetJob: " + s.error_message());
  return resp.job();
}

TEST_CASE("confirmed order: offer, accept, pickups with codes, delivery with PIN", "[e2e]") {
  Fixture f;
  Client& c = *f.client;
  const Courier budi = f.OnShift("Budi", 500'000, 800);
  const Courier other = f.OnShift("Other", 500'000, 20'000);  // far away: never offered
  Watcher watch(c, budi);
  const Order order = f.NewOrder();
  PublishConfirmed(f.redis, order);

  const auto offered = watch.Wait([](const auto& m) { return m.has_offer(); });
  REQUIRE(offered);
  const v1::Offer& offer = offered->offer();
  REQUIRE(offer.job().id() == order.order_id);
  REQUIRE(offer.job().status() == v1::JOB_STATUS_OFFERED);
  REQUIRE(offer.job().goods_total_idr() == 80'000);
  REQUIRE(offer.job().stops_size() == 2);
  REQUIRE(offer.countdown_seconds() >= 1);
  REQUIRE(offer.distance_to_market_meters() == Approx(800).margin(2));
  REQUIRE(offer.eta_seconds() > 0);

  // Someone else's offer does not exist for them.
  v1::AcceptOfferResponse accepted;
  REQUIRE(Accept(c, other, offer.offer_id(), &accepted).error_code() == grpc::NOT_FOUND);
  REQUIRE(Decline(c, other, offer.offer_id()).error_code() == grpc::NOT_FOUND);
  REQUIRE_FALSE(Current(c, other).has_offer());

  const std::string accept_id = NewId();
  REQUIRE(Accept(c, budi, offer.offer_id(), &accepted, accept_id).ok());
  REQUIRE(accepted.job().status() == v1::JOB_STATUS_ASSIGNED);
  REQUIRE(accepted.job().courier_id() == budi.id);
  v1::AcceptOfferResponse replay;  // idempotent replay
  REQUIRE(Accept(c, budi, offer.offer_id(), &replay, accept_id).ok());
  REQUIRE(replay.job().version() == accepted.job().version());

  REQUIRE(Eventually([&] { return EventsOfType(f.redis, "CourierAssigned").size() == 1; }));
  const auto assigned = EventsOfType(f.redis, "CourierAssigned").front().courier_assigned();
  REQUIRE(assigned.order_id() == order.order_id);
  REQUIRE(assigned.courier_id() == budi.id);
  REQUIRE(assigned.courier_name() == "Budi");
  REQUIRE(assigned.bundle_id().empty());  // a job alone
  REQUIRE(assigned.bundle_position() == 0);
  REQUIRE(assigned.vehicle_plate() == "N 1234 AB");
  REQUIRE(assigned.eta_seconds() == offer.eta_seconds());
  REQUIRE(watch.Wait([](const auto& m) {
    return m.has_job_update() && m.job_update().status() == v1::JOB_STATUS_ASSIGNED;
  }));

  const Ticket& t1 = order.tickets[0];
  const Ticket& t2 = order.tickets[1];
  v1::ConfirmPickupResponse picked;
  Call call = Pickup(c, budi, order.order_id, t1, "9999", t1.total_idr, &picked);
  REQUIRE(call.status.error_code() == grpc::FAILED_PRECONDITION);
  REQUIRE(call.reason == "WRONG_PICKUP_CODE");
  call = Pickup(c, budi, order.order_id, t1, t1.pickup_code, t1.total_idr - 1, &picked);
  REQUIRE(call.reason == "CASH_MISMATCH");
  call = Pickup(c, other, order.order_id, t1, t1.pickup_code, t1.total_idr, &picked);
  REQUIRE(call.status.error_code() == grpc::NOT_FOUND);
  REQUIRE_FALSE(Current(c, other).has_job());
  REQUIRE(Pickup(c, budi, order.order_id, t1, t1.pickup_code, t1.total_idr, &picked).status.ok());
  REQUIRE(picked.job().status() == v1::JOB_STATUS_PICKING_UP);

  // Not delivering yet: one stop left.
  v1::ConfirmDeliveryResponse delivered;
  call = Deliver(c, budi, order.order_id, order.pin, order.cash_to_collect(), &delivered);
  REQUIRE(call.reason == "INVALID_TRANSITION");

  REQUIRE(Pickup(c, budi, order.order_id, t2, t2.pickup_code, t2.total_idr, &picked).status.ok());
  REQUIRE(picked.job().status() == v1::JOB_STATUS_DELIVERING);
  auto cur = Current(c, budi);
  REQUIRE(cur.courier().state() == v1::COURIER_STATE_DELIVERING);
  REQUIRE(cur.courier().cash_on_hand_idr() == 500'000 - 80'000);

  // Another courier cannot deliver it, even with the right PIN.
  call = Deliver(c, other, order.order_id, order.pin, order.cash_to_collect(), &delivered);
  REQUIRE(call.status.error_code() == grpc::NOT_FOUND);
  call = Deliver(c, budi, order.order_id, "0000", order.cash_to_collect(), &delivered);
  REQUIRE(call.reason == "WRONG_DELIVERY_PIN");
  call = Deliver(c, budi, order.order_id, order.pin, order.cash_to_collect() - 500, &delivered);
  REQUIRE(call.reason == "CASH_MISMATCH");
  REQUIRE(
      Deliver(c, budi, order.order_id, order.pin, order.cash_to_collect(), &delivered).status.ok());
  REQUIRE(delivered.job().status() == v1::JOB_STATUS_DELIVERED);
  REQUIRE(delivered.earning_idr() == order.delivery_fee_idr);
  REQUIRE(delivered.courier().state() == v1::COURIER_STATE_IDLE);
  REQUIRE(delivered.courier().cash_on_hand_idr() == 420'000 + order.cash_to_collect());

  REQUIRE(Eventually([&] { return EventsOfType(f.redis, "DeliveryConfirmed").size() == 1; }));
  const auto pickups = EventsOfType(f.redis, "PickupConfirmed");
  REQUIRE(pickups.size() == 2);
  REQUIRE_FALSE(pickups[0].pickup_confirmed().all_picked_up());
  REQUIRE(pickups[1].pickup_confirmed().all_picked_up());
  REQUIRE(pickups[1].correlation_id() == order.order_id);
  const auto delivery = EventsOfType(f.redis, "DeliveryConfirmed").front().delivery_confirmed();
  REQUIRE(delivery.cash_collected_idr() == order.cash_to_collect());
  REQUIRE(delivery.courier_earning_idr() == order.delivery_fee_idr);
  REQUIRE(pg::Exec(*f.pool, kOffersOfCourier, other.id).Int(0, 0) == 0);

  // Operators see couriers around the market, nearest first.
  v1::ListCouriersRequest list;
  list.mutable_near()->set_lat(kMarketLat);
  list.mutable_near()->set_lng(kMarketLng);
  list.set_radius_meters(5000);
  v1::ListCouriersResponse listed;
  auto lctx = Ctx(Token(Role::kOperator, "operator-1"));
  REQUIRE(c.ops->ListCouriers(lctx.get(), list, &listed).ok());
  REQUIRE(listed.couriers_size() == 1);
  REQUIRE(listed.couriers(0).id() == budi.id);
  REQUIRE(listed.couriers(0).distance_meters() == Approx(800).margin(2));
}

TEST_CASE("the dispatch report of a market, and a market matched nearest first", "[e2e]") {
  Fixture f;
  Client& c = *f.client;
  const std::string op = Token(Role::kOperator, "operator-1");
  const int64_t t0 = absl::ToUnixMillis(absl::Now()) - 1000;

  v1::SetMarketDispatchRequest set;
  set.set_request_id(NewId());
  set.mutable_settings()->set_market_id(f.market);
  set.mutable_settings()->set_policy(v1::MATCHING_POLICY_GREEDY);
  v1::SetMarketDispatchResponse set_resp, replay;
  REQUIRE(c.ops->SetMarketDispatch(Ctx(op).get(), set, &set_resp).ok());
  REQUIRE(set_resp.settings().policy() == v1::MATCHING_POLICY_GREEDY);
  REQUIRE(set_resp.settings().has_updated_at());
  REQUIRE(c.ops->SetMarketDispatch(Ctx(op).get(), set, &replay).ok());
  REQUIRE(replay.SerializeAsString() == set_resp.SerializeAsString());
  set.mutable_settings()->set_policy(v1::MATCHING_POLICY_EXACT);  // same key, other request
  REQUIRE(c.ops->SetMarketDispatch(Ctx(op).get(), set, &replay).error_code() ==
          grpc::FAILED_PRECONDITION);
  REQUIRE(set_resp.settings().stacking_minutes() == 0);  // never set: off

  // The stacking bound: 0..60 minutes, else INVALID_ARGUMENT naming the field, nothing written.
  for (const int bad : {-1, 61}) {
    v1::SetMarketDispatchRequest wrong;
    wrong.set_request_id(NewId());
    wrong.mutable_settings()->set_market_id(f.market);
    wrong.mutable_settings()->set_stacking_minutes(bad);
    v1::SetMarketDispatchResponse ignored;
    const grpc::Status s = c.ops->SetMarketDispatch(Ctx(op).get(), wrong, &ignored);
    REQUIRE(s.error_code() == grpc::INVALID_ARGUMENT);
    REQUIRE(s.error_message().find("settings.stacking_minutes") != std::string::npos);
  }
  {
    // Set with the policy, read back; then off again (the greedy policy kept for what follows).
    v1::SetMarketDispatchRequest stack;
    stack.set_request_id(NewId());
    stack.mutable_settings()->set_market_id(f.market);
    stack.mutable_settings()->set_policy(v1::MATCHING_POLICY_GREEDY);
    stack.mutable_settings()->set_stacking_minutes(10);
    v1::SetMarketDispatchResponse stacked;
    REQUIRE(c.ops->SetMarketDispatch(Ctx(op).get(), stack, &stacked).ok());
    REQUIRE(stacked.settings().stacking_minutes() == 10);
    REQUIRE(stacked.settings().policy() == v1::MATCHING_POLICY_GREEDY);
    stack.set_request_id(NewId());
    stack.mutable_settings()->set_stacking_minutes(0);
    REQUIRE(c.ops->SetMarketDispatch(Ctx(op).get(), stack, &stacked).ok());
    REQUIRE(stacked.settings().stacking_minutes() == 0);
    REQUIRE(stacked.settings().policy() == v1::MATCHING_POLICY_GREEDY);
  }

  // Nearest first: of two couriers the nearer one is offered the job.
  const Courier near = f.OnShift("Near", 500'000, 700);
  const Courier far = f.OnShift("Far", 500'000, 2000);
  Watcher watch(c, near);
  const Order order = f.NewOrder();
  PublishConfirmed(f.redis, order);
  const auto offered = watch.Wait([](const auto& m) { return m.has_offer(); });
  REQUIRE(offered);
  v1::AcceptOfferResponse accepted;
  REQUIRE(Accept(c, near, offered->offer().offer_id(), &accepted).ok());
  v1::ConfirmPickupResponse picked;
  for (const Ticket& t : order.tickets) {
    REQUIRE(Pickup(c, near, order.order_id, t, t.pickup_code, t.total_idr, &picked).status.ok());
  }
  v1::ConfirmDeliveryResponse delivered;
  REQUIRE(
      Deliver(c, near, order.order_id, order.pin, order.cash_to_collect(), &delivered).status.ok());

  v1::GetDispatchReportRequest req;
  req.set_market_id(f.market);
  *req.mutable_since() = google::protobuf::util::TimeUtil::MillisecondsToTimestamp(t0);
  v1::GetDispatchReportResponse report;
  REQUIRE(c.ops->GetDispatchReport(Ctx(op).get(), req, &report).ok());
  REQUIRE(report.market_id() == f.market);
  REQUIRE(report.policy() == v1::MATCHING_POLICY_GREEDY);
  REQUIRE(report.orders_assigned() == 1);
  REQUIRE(report.trips() == 1);
  REQUIRE(report.orders_per_trip() == 1);
  REQUIRE(report.pickup_distance_total_meters() == Approx(700).margin(2));
  REQUIRE(report.pickup_distance_per_order_meters() == Approx(700).margin(2));
  REQUIRE(report.offers_made() == 1);
  REQUIRE(report.offers_per_assignment() == 1);
  REQUIRE(report.offers_declined() == 0);
  REQUIRE(report.offers_expired() == 0);
  REQUIRE(report.assign_latency_p50_ms() >= 0);
  REQUIRE(report.assign_latency_p99_ms() >= report.assign_latency_p50_ms());
  REQUIRE(report.couriers_on_shift() == 2);
  REQUIRE(report.shift_hours() > 0);
  REQUIRE(report.busy_hours() > 0);
  REQUIRE(report.utilisation() > 0);
  REQUIRE(report.utilisation() < 1);  // Far was idle all along
  REQUIRE(report.deliveries() == 1);
  REQUIRE(report.earnings_gini() == Approx(0.5));  // one of two couriers earned everything
  REQUIRE(report.idle_time_gini() > 0);

  // The same market on today's date (UTC), and every market at once.
  v1::GetDispatchReportRequest today;
  today.set_market_id(f.market);
  today.set_day(absl::FormatTime("%Y-%m-%d", absl::Now(), absl::UTCTimeZone()));
  today.set_time_zone("UTC");
  v1::GetDispatchReportResponse by_day;
  REQUIRE(c.ops->GetDispatchReport(Ctx(op).get(), today, &by_day).ok());
  REQUIRE(by_day.until().seconds() - by_day.since().seconds() == 24 * 3600);
  REQUIRE(by_day.deliveries() <= 1);  // 0 only when the day turned meanwhile
  v1::GetDispatchReportRequest all;
  v1::GetDispatchReportResponse all_resp;
  REQUIRE(c.ops->GetDispatchReport(Ctx(op).get(), all, &all_resp).ok());
  REQUIRE(all_resp.policy() == v1::MATCHING_POLICY_UNSPECIFIED);
  REQUIRE(all_resp.deliveries() == 1);

  // A market dispatch never saw is NOT_FOUND; bad input names the field; operators only.
  v1::GetDispatchReportRequest unknown;
  unknown.set_market_id(NewId());
  REQUIRE(c.ops->GetDispatchReport(Ctx(op).get(), unknown, &report).error_code() ==
          grpc::NOT_FOUND);
  v1::GetDispatchReportRequest bad = today;
  bad.set_day("2026-13-01");
  auto bctx = Ctx(op);
  REQUIRE(c.ops->GetDispatchReport(bctx.get(), bad, &report).error_code() ==
          grpc::INVALID_ARGUMENT);
  bad = today;
  bad.set_time_zone("Mars/Olympus");
  REQUIRE(c.ops->GetDispatchReport(Ctx(op).get(), bad, &report).error_message().find("time_zone") !=
          std::string::npos);
  bad = req;
  bad.mutable_until()->set_seconds(bad.since().seconds() - 10);
  REQUIRE(c.ops->GetDispatchReport(Ctx(op).get(), bad, &report).error_code() ==
          grpc::INVALID_ARGUMENT);
  REQUIRE(c.ops->GetDispatchReport(Ctx(far.token).get(), req, &report).error_code() ==
          grpc::PERMISSION_DENIED);
}

// A market with stacking on, three packed orders to one neighbourhood waiting, one courier
// coming on shift: one bundle, offered as one.
struct StackedTrip {
  std::vector<Order> orders;
  Courier courier;
  v1::Offer offer;
};
StackedTrip OfferStackedTrip(Fixture& f, const std::string& name) {
  Client& c = *f.client;
  v1::SetMarketDispatchRequest set;
  set.set_request_id(NewId());
  set.mutable_settings()->set_market_id(f.market);
  set.mutable_settings()->set_stacking_minutes(10);
  v1::SetMarketDispatchResponse set_resp;
  REQUIRE(c.ops->SetMarketDispatch(Ctx(Token(Role::kOperator, "operator-1")).get(), set, &set_resp)
              .ok());
  StackedTrip trip;
  for (int i = 0; i < 3; ++i) {
    trip.orders.push_back(f.NewOrder({{"t-" + NewId(), 20'000, "1111"}}));
    // The first order's ticket is packed before its job exists.
    if (i == 0) PublishPacked(f.redis, trip.orders.back());
    PublishConfirmed(f.redis, trip.orders.back());
    if (i > 0) PublishPacked(f.redis, trip.orders.back());
  }
  for (const Order& o : trip.orders) {
    REQUIRE(Eventually([&] {
      const v1::Job job = GetJob(c, o.order_id);
      return job.status() == v1::JOB_STATUS_PENDING && job.stops_size() == 1 &&
             job.stops(0).packed();
    }));
  }
  trip.courier = f.OnShift(name, 500'000, 800);
  trip.offer = WaitOffer(c, trip.courier);
  REQUIRE(!trip.offer.offer_id().empty());
  return trip;
}

TEST_CASE("a stacked trip: offered as one, picked up whole, delivered in order, one cancelled",
          "[e2e]") {
  Fixture f;
  Client& c = *f.client;
  StackedTrip trip = OfferStackedTrip(f, "Stacker");
  const v1::Offer& offer = trip.offer;
  const Courier& k = trip.courier;
  // Every job of the bundle in drop-off order, the first being the offer's job.
  REQUIRE(offer.trip_jobs_size() == 3);
  REQUIRE(offer.trip_jobs(0).id() == offer.job().id());
  std::set<std::string> ids;
  for (int i = 0; i < 3; ++i) {
    REQUIRE(offer.trip_jobs(i).bundle_position() == i);
    REQUIRE(offer.trip_jobs(i).bundle_id() == offer.job().bundle_id());
    REQUIRE(offer.trip_jobs(i).status() == v1::JOB_STATUS_OFFERED);
    REQUIRE(offer.trip_jobs(i).stops_size() == 1);
    ids.insert(offer.trip_jobs(i).id());
  }
  REQUIRE(ids.size() == 3);
  REQUIRE_FALSE(offer.job().bundle_id().empty());
  auto order_of = [&](const std::string& id) {
    for (const Order& o : trip.orders) {
      if (o.order_id == id) return o;
    }
    throw std::runtime_error("no order " + id);
  };
  const Order first = order_of(offer.trip_jobs(0).id());
  const Order second = order_of(offer.trip_jobs(1).id());
  const Order third = order_of(offer.trip_jobs(2).id());

  v1::AcceptOfferResponse accepted;
  REQUIRE(Accept(c, k, offer.offer_id(), &accepted).ok());
  REQUIRE(accepted.job().id() == first.order_id);
  // Each CourierAssigned names the trip and the drop-off place (for the customer's order view).
  REQUIRE(Eventually([&] { return EventsOfType(f.redis, "CourierAssigned").size() == 3; }));
  for (const auto& e : EventsOfType(f.redis, "CourierAssigned")) {
    const auto& a = e.courier_assigned();
    REQUIRE(a.bundle_id() == offer.job().bundle_id());
    REQUIRE(a.job_id() == offer.trip_jobs(a.bundle_position()).id());
  }
  for (const Order& o : trip.orders) {
    REQUIRE(GetJob(c, o.order_id).status() == v1::JOB_STATUS_ASSIGNED);
    REQUIRE(GetJob(c, o.order_id).courier_id() == k.id);
  }
  // The customer of the third drop-off sees two stops before theirs, nothing more.
  REQUIRE(GetJob(c, third.order_id).stops_before() == 2);
  REQUIRE(GetJob(c, first.order_id).stops_before() == 0);

  // The second order is cancelled before pickup: the others stay assigned to the courier.
  PublishCancelled(f.redis, second.order_id, f.market);
  Eventually([&] { return GetJob(c, second.order_id).status() == v1::JOB_STATUS_CANCELLED; });
  REQUIRE(GetJob(c, first.order_id).status() == v1::JOB_STATUS_ASSIGNED);
  REQUIRE(GetJob(c, third.order_id).status() == v1::JOB_STATUS_ASSIGNED);
  REQUIRE(Current(c, k).courier().state() == v1::COURIER_STATE_ASSIGNED);
  REQUIRE(Current(c, k).courier().current_job_id() == first.order_id);
  REQUIRE(GetJob(c, third.order_id).stops_before() == 1);

  // Pickup covers every ticket of the trip: after the first job's ticket the courier still has
  // the third's to collect, and no drop-off is handed over before.
  v1::ConfirmPickupResponse picked;
  const Ticket& t1 = first.tickets.front();
  REQUIRE(Pickup(c, k, first.order_id, t1, t1.pickup_code, t1.total_idr, &picked).status.ok());
  REQUIRE(picked.job().status() == v1::JOB_STATUS_DELIVERING);
  REQUIRE(Current(c, k).courier().state() == v1::COURIER_STATE_ASSIGNED);
  v1::ConfirmDeliveryResponse delivered;
  REQUIRE(Deliver(c, k, first.order_id, first.pin, first.cash_to_collect(), &delivered)
              .status.error_code() == grpc::FAILED_PRECONDITION);
  const Ticket& t3 = third.tickets.front();
  REQUIRE(Pickup(c, k, third.order_id, t3, t3.pickup_code, t3.total_idr, &picked).status.ok());
  REQUIRE(Current(c, k).courier().state() == v1::COURIER_STATE_DELIVERING);

  // Drop-offs in order, a PIN each: the third before the first is refused.
  REQUIRE(Deliver(c, k, third.order_id, third.pin, third.cash_to_collect(), &delivered)
              .status.error_code() == grpc::FAILED_PRECONDITION);
  REQUIRE(
      Deliver(c, k, first.order_id, first.pin, first.cash_to_collect(), &delivered).status.ok());
  REQUIRE(delivered.courier().state() == v1::COURIER_STATE_DELIVERING);
  REQUIRE(delivered.courier().current_job_id() == third.order_id);
  REQUIRE(GetJob(c, third.order_id).stops_before() == 0);
  REQUIRE(
      Deliver(c, k, third.order_id, third.pin, third.cash_to_collect(), &delivered).status.ok());
  REQUIRE(delivered.courier().state() == v1::COURIER_STATE_IDLE);
  REQUIRE(delivered.courier().current_job_id().empty());
  // Cash: 500,000 - 2 tickets + 2 collections.
  REQUIRE(delivered.courier().cash_on_hand_idr() ==
          500'000 - 40'000 + first.cash_to_collect() + third.cash_to_collect());

  // The report counts one trip (one ride to the market) for the orders of the bundle.
  v1::GetDispatchReportRequest req;
  req.set_market_id(f.market);
  *req.mutable_since() = google::protobuf::util::TimeUtil::MillisecondsToTimestamp(
      absl::ToUnixMillis(absl::Now() - absl::Minutes(10)));
  *req.mutable_until() = google::protobuf::util::TimeUtil::MillisecondsToTimestamp(
      absl::ToUnixMillis(absl::Now() + absl::Seconds(1)));
  v1::GetDispatchReportResponse report;
  REQUIRE(
      c.ops->GetDispatchReport(Ctx(Token(Role::kOperator, "operator-1")).get(), req, &report).ok());
  REQUIRE(report.trips() == 1);
  REQUIRE(report.orders_per_trip() == Approx(3.0));
  REQUIRE(report.deliveries() == 2);
}

TEST_CASE("a stacked trip is declined as a whole, and every job is matched again", "[e2e]") {
  Fixture f;
  Client& c = *f.client;
  StackedTrip trip = OfferStackedTrip(f, "Decliner");
  REQUIRE(trip.offer.trip_jobs_size() == 3);
  REQUIRE(Decline(c, trip.courier, trip.offer.offer_id()).ok());
  for (const Order& o : trip.orders) {
    const v1::Job job = GetJob(c, o.order_id);
    REQUIRE((job.status() == v1::JOB_STATUS_PENDING || job.status() == v1::JOB_STATUS_OFFERED));
    REQUIRE(job.courier_id().empty());
  }
  REQUIRE(Current(c, trip.courier).courier().state() == v1::COURIER_STATE_IDLE);
  REQUIRE_FALSE(Current(c, trip.courier).has_offer());  // excluded from every job of it
  // A second courier gets the trip.
  const Courier next = f.OnShift("Next", 500'000, 900);
  const v1::Offer again = WaitOffer(c, next);
  REQUIRE(again.trip_jobs_size() == 3);
  REQUIRE(again.job().bundle_id() != trip.offer.job().bundle_id());
}

TEST_CASE("five wrong codes per ticket, then TOO_MANY_ATTEMPTS, and keys are not reusable",
          "[e2e]") {
  Fixture f;
  Client& c = *f.client;
  const Courier k = f.OnShift("K", 500'000, 300);
  const Order order = f.NewOrder({{"t-" + NewId(), 20'000, "5555"}});
  PublishConfirmed(f.redis, order);
  const v1::Offer offer = WaitOffer(c, k);

  // Busy couriers cannot end their shift.
  v1::EndShiftRequest end;
  end.set_request_id(NewId());
  v1::EndShiftResponse ended;
  auto ectx = Ctx(k.token);
  REQUIRE(c.courier->EndShift(ectx.get(), end, &ended).error_code() == grpc::FAILED_PRECONDITION);
  REQUIRE(Reason(*ectx) == "COURIER_BUSY");

  v1::AcceptOfferResponse accepted;
  const std::string key = NewId();
  REQUIRE(Accept(c, k, offer.offer_id(), &accepted, key).ok());
  // The same request id for another request is refused.
  v1::StartShiftRequest shift;
  shift.set_request_id(key);
  shift.set_cash_on_hand_idr(1);
  v1::StartShiftResponse shifted;
  auto sctx = Ctx(k.token);
  REQUIRE(c.courier->StartShift(sctx.get(), shift, &shifted).ok());  // another rpc: another key
  v1::DeclineOfferRequest decline;
  decline.set_request_id(key);
  decline.set_offer_id(offer.offer_id());
  decline.set_reason(v1::DECLINE_REASON_OTHER);
  v1::DeclineOfferResponse declined;
  auto dctx = Ctx(k.token);
  REQUIRE(c.courier->DeclineOffer(dctx.get(), decline, &declined).error_code() ==
          grpc::FAILED_PRECONDITION);
  REQUIRE(Reason(*dctx) == "OFFER_EXPIRED");
  v1::AcceptOfferRequest other_offer;
  other_offer.set_request_id(key);
  other_offer.set_offer_id(NewId());
  auto actx = Ctx(k.token);
  REQUIRE(c.courier->AcceptOffer(actx.get(), other_offer, &accepted).error_code() ==
          grpc::FAILED_PRECONDITION);
  REQUIRE(Reason(*actx) == "IDEMPOTENCY_KEY_REUSED");

  const Ticket& t = order.tickets[0];
  v1::ConfirmPickupResponse picked;
  for (int i = 0; i < 5; ++i) {
    REQUIRE(Pickup(c, k, order.order_id, t, "0000", t.total_idr, &picked).reason ==
            "WRONG_PICKUP_CODE");
  }
  const Call blocked = Pickup(c, k, order.order_id, t, t.pickup_code, t.total_idr, &picked);
  REQUIRE(blocked.status.error_code() == grpc::RESOURCE_EXHAUSTED);
  REQUIRE(blocked.reason == "TOO_MANY_ATTEMPTS");
}

TEST_CASE("last fixes are persisted in batches and survive a restart", "[e2e]") {
  using google::protobuf::util::TimeUtil;
  Fixture f;
  const Courier k = f.OnShift("K", 500'000, 400);
  {
    // The same instant twice is a duplicate: accepted, and the first position stays; an older
    // fix is rejected. The fixes are 1 s ahead of the clock: taken at the server's time.
    const auto wall_ms = [] {
      return std::chrono::duration_cast<std::chrono::milliseconds>(
                 std::chrono::system_clock::now().time_since_epoch())
          .count();
    };
    const int64_t before_ms = wall_ms();
    const auto at = TimeUtil::MillisecondsToTimestamp(before_ms + 1000);
    auto ctx = Ctx(k.token);
    v1::ReportLocationsResponse resp;
    auto writer = f.client->courier->ReportLocations(ctx.get(), &resp);
    v1::ReportLocationsRequest msg;
    for (double meters : {400.0, 420.0}) {
      auto* fix = msg.add_fixes();
      *fix->mutable_location() = North(meters);
      *fix->mutable_recorded_at() = at;
    }
    REQUIRE(writer->Write(msg));
    msg.mutable_fixes(0)->mutable_recorded_at()->set_seconds(at.seconds() - 2);
    msg.mutable_fixes()->RemoveLast();
    REQUIRE(writer->Write(msg));
    writer->WritesDone();
    REQUIRE(writer->Finish().ok());
    REQUIRE(resp.accepted() == 2);
    REQUIRE(resp.rejected() == 1);
    const int64_t after_ms = wall_ms();
    REQUIRE(Eventually([&] {
      const int64_t last_ms =
          TimeUtil::TimestampToMilliseconds(Current(*f.client, k).courier().last_fix_at());
      return last_ms >= before_ms && last_ms <= after_ms;
    }));
  }
  REQUIRE(pg::Exec(*f.pool, kPersistedFixes).Int(0, 0) == 1);
  f.Restart();
  // No new fix after the restart: the offer needs the recovered one.
  const Order order = f.NewOrder();
  PublishConfirmed(f.redis, order);
  const v1::Offer offer = WaitOffer(*f.client, k);
  REQUIRE(offer.job().id() == order.order_id);
  REQUIRE(offer.distance_to_market_meters() == Approx(400).margin(2));
}

TEST_CASE("a decline and a timeout move the job on to other couriers", "[e2e]") {
  // One countdown for every offer: long enough that A's decline and the checks made while C's
  // offer is pending win against it on a loaded machine, short enough that B's lapse is quick.
  Fixture f(std::map<std::string, std::string>{{"PASAR_OFFER_TIMEOUT_MS", "8000"}});
  Client& c = *f.client;
  const Courier a = f.OnShift("A", 500'000, 300);
  const Courier b = f.OnShift("B", 500'000, 1000);
  const Courier k = f.OnShift("C", 500'000, 2000);
  const Order order = f.NewOrder();
  PublishConfirmed(f.redis, order);

  const v1::Offer first = WaitOffer(c, a);
  REQUIRE(first.job().id() == order.order_id);
  REQUIRE(Decline(c, a, first.offer_id()).ok());

  const v1::Offer second = WaitOffer(c, b);
  REQUIRE(second.job().id() == order.order_id);
  REQUIRE(second.offer_id() != first.offer_id());
  // B lets the countdown run out; the job moves on to C, never back to A.
  const v1::Offer third = WaitOffer(c, k);
  REQUIRE(third.job().id() == order.order_id);
  v1::AcceptOfferResponse resp;
  auto ctx = Ctx(b.token);
  v1::AcceptOfferRequest late;
  late.set_request_id(NewId());
  late.set_offer_id(second.offer_id());
  REQUIRE(c.courier->AcceptOffer(ctx.get(), late, &resp).error_code() == grpc::FAILED_PRECONDITION);
  REQUIRE(Reason(*ctx) == "OFFER_EXPIRED");
  REQUIRE(Current(c, b).courier().state() == v1::COURIER_STATE_IDLE);
  REQUIRE(pg::Exec(*f.pool, kOffersOfCourier, a.id).Int(0, 0) == 1);

  v1::GetStatsResponse stats;
  auto sctx = Ctx(Token(Role::kOperator, "operator-1"));
  REQUIRE(c.ops->GetStats(sctx.get(), v1::GetStatsRequest(), &stats).ok());
  REQUIRE(stats.offers_made() == 3);
  REQUIRE(stats.offers_declined() == 1);
  REQUIRE(stats.offers_expired() == 1);
}

TEST_CASE("three offer timeouts in a row take a courier off duty", "[e2e]") {
  // Nothing answers the offers: a short countdown only makes them lapse sooner.
  Fixture f(std::map<std::string, std::string>{{"PASAR_OFFER_TIMEOUT_MS", "1500"}});
  Client& c = *f.client;
  const Courier lazy = f.OnShift("Lazy", 500'000, 300);
  Watcher watch(c, lazy);
  std::set<std::string> orders;
  for (int i = 0; i < 3; ++i) {
    const Order o = f.NewOrder();
    orders.insert(o.order_id);
    PublishConfirmed(f.redis, o);
  }
  REQUIRE(
      Eventually([&] { return Current(c, lazy).courier().state() == v1::COURIER_STATE_OFF_DUTY; },
                 std::chrono::seconds(60)));
  REQUIRE(pg::Exec(*f.pool, kOffersOfCourier, lazy.id).Int(0, 0) == 3);
  // The courier is told: the first two offers expired, the third took them off duty.
  const auto off = watch.Wait([](const auto& m) {
    return m.has_offer_withdrawn() &&
           m.offer_withdrawn().reason() == v1::WITHDRAW_REASON_COURIER_OFF_DUTY;
  });
  REQUIRE(off);
  REQUIRE(watch.Wait([](const auto& m) {
    return m.has_offer_withdrawn() &&
           m.offer_withdrawn().reason() == v1::WITHDRAW_REASON_OFFER_EXPIRED;
  }));
  // No job is left with the courier: all three wait for someone else.
  for (const std::string& id : orders)
    REQUIRE(GetJob(c, id).status() == v1::JOB_STATUS_PENDING);
  REQUIRE_FALSE(Current(c, lazy).has_offer());

  // Pages of 2 cover the three jobs once, even with a job created between the pages; a token
  // only works with the filters it came with.
  const std::string op = Token(Role::kOperator, "operator-1");
  v1::ListJobsRequest list;
  list.set_market_id(f.market);
  list.set_page_size(2);
  v1::ListJobsResponse page;
  REQUIRE(c.ops->ListJobs(Ctx(op).get(), list, &page).ok());
  REQUIRE(page.jobs_size() == 2);
  REQUIRE_FALSE(page.next_page_token().empty());
  std::set<std::string> listed{page.jobs(0).id(), page.jobs(1).id()};
  REQUIRE(page.jobs(0).created_at().seconds() >= page.jobs(1).created_at().seconds());
  v1::ListJobsRequest other_filter = list;
  other_filter.set_page_token(page.next_page_token());
  other_filter.add_statuses(v1::JOB_STATUS_PENDING);
  v1::ListJobsResponse refused;
  const grpc::Status mismatch = c.ops->ListJobs(Ctx(op).get(), other_filter, &refused);
  REQUIRE(mismatch.error_code() == grpc::INVALID_ARGUMENT);
  REQUIRE(mismatch.error_message().rfind("page_token:", 0) == 0);
  const Order newer = f.NewOrder();
  PublishConfirmed(f.redis, newer);
  REQUIRE(Eventually([&] { return GetJob(c, newer.order_id).status() == v1::JOB_STATUS_PENDING; }));
  list.set_page_token(page.next_page_token());
  REQUIRE(c.ops->ListJobs(Ctx(op).get(), list, &page).ok());
  REQUIRE(page.jobs_size() == 1);
  REQUIRE(page.next_page_token().empty());
  listed.insert(page.jobs(0).id());
  REQUIRE(listed == orders);
}

TEST_CASE("courier pages start after the last courier shown, whoever is added", "[e2e]") {
  Fixture f;
  Client& c = *f.client;
  const std::string op = Token(Role::kOperator, "operator-1");
  const Courier budi = f.OnShift("Budi", 100'000, 100);
  const Courier citra = f.OnShift("Citra", 100'000, 200);
  const Courier dewi = f.OnShift("Dewi", 100'000, 300);
  const auto ids = [](const v1::ListCouriersResponse& page) {
    std::vector<std::string> out;
    for (const auto& k : page.couriers())
      out.push_back(k.id());
    return out;
  };

  // By name: a courier added before the listed ones does not shift the next page.
  v1::ListCouriersRequest by_name;
  by_name.set_home_market_id(f.market);
  by_name.set_page_size(2);
  v1::ListCouriersResponse page;
  REQUIRE(c.ops->ListCouriers(Ctx(op).get(), by_name, &page).ok());
  REQUIRE(ids(page) == std::vector<std::string>{budi.id, citra.id});
  REQUIRE_FALSE(page.next_page_token().empty());
  CreateCourier(c, f.market, "Adi");
  by_name.set_page_token(page.next_page_token());
  REQUIRE(c.ops->ListCouriers(Ctx(op).get(), by_name, &page).ok());
  REQUIRE(ids(page) == std::vector<std::string>{dewi.id});
  REQUIRE(page.next_page_token().empty());

  // Nearest first: likewise for a courier who shows up nearer.
  v1::ListCouriersRequest near;
  near.set_home_market_id(f.market);
  *near.mutable_near() = North(0);
  near.set_radius_meters(1000);
  // Fixes reach the listing once flushed (PASAR_LOCATION_FLUSH_MS).
  const auto all_near = [&](int n) {
    return Eventually([&] {
      v1::ListCouriersResponse all;
      return c.ops->ListCouriers(Ctx(op).get(), near, &all).ok() && all.couriers_size() == n;
    });
  };
  REQUIRE(all_near(3));
  near.set_page_size(2);
  REQUIRE(c.ops->ListCouriers(Ctx(op).get(), near, &page).ok());
  REQUIRE(ids(page) == std::vector<std::string>{budi.id, citra.id});
  REQUIRE(page.couriers(1).distance_meters() == Approx(200).margin(2));
  REQUIRE_FALSE(page.next_page_token().empty());
  f.OnShift("Eko", 100'000, 50);
  near.set_page_size(0);
  REQUIRE(all_near(4));
  near.set_page_size(2);
  near.set_page_token(page.next_page_token());
  REQUIRE(c.ops->ListCouriers(Ctx(op).get(), near, &page).ok());
  REQUIRE(ids(page) == std::vector<std::string>{dewi.id});
  REQUIRE(page.next_page_token().empty());
}

TEST_CASE("a courier without enough cash is never offered the job", "[e2e]") {
  // Offers stay pending for the whole test, so each courier keeps the offer first made.
  Fixture f(std::map<std::string, std::string>{{"PASAR_OFFER_TIMEOUT_MS", "60000"}});
  Client& c = *f.client;
  const Courier poor = f.OnShift("Poor", 79'999, 100);  // goods total is 80,000
  const Order order = f.NewOrder();
  PublishConfirmed(f.redis, order);
  REQUIRE(Eventually([&] { return GetJob(c, order.order_id).status() == v1::JOB_STATUS_PENDING; }));
  // A cheaper job of the same market, confirmed later: the window that offers it to the poor
  // courier also had the expensive one pending (older, so planned first) and the poor courier
  // near it, yet chose only the job the poor courier can advance.
  const Order cheap = f.NewOrder({{"t-" + NewId(), 79'999, "3333"}});
  PublishConfirmed(f.redis, cheap);
  const v1::Offer affordable = WaitOffer(c, poor);
  REQUIRE(affordable.job().id() == cheap.order_id);
  REQUIRE(GetJob(c, order.order_id).status() == v1::JOB_STATUS_PENDING);
  const Courier rich = f.OnShift("Rich", 1'000'000, 2500);
  const v1::Offer offer = WaitOffer(c, rich);
  REQUIRE(offer.job().id() == order.order_id);
  REQUIRE(Current(c, poor).offer().job().id() == cheap.order_id);
  REQUIRE(pg::Exec(*f.pool, kOffersOfCourier, poor.id).Int(0, 0) == 1);
  // Declaring less cash while the offer is pending: it can no longer be accepted.
  REQUIRE(StartShift(c, poor, 79'998).ok());
  v1::AcceptOfferResponse accepted;
  auto actx = Ctx(poor.token);
  v1::AcceptOfferRequest accept;
  accept.set_request_id(NewId());
  accept.set_offer_id(affordable.offer_id());
  REQUIRE(c.courier->AcceptOffer(actx.get(), accept, &accepted).error_code() ==
          grpc::FAILED_PRECONDITION);
  REQUIRE(Reason(*actx) == "INSUFFICIENT_CASH");
  REQUIRE(Current(c, poor).courier().cash_on_hand_idr() == 79'998);
}

TEST_CASE("a silent assigned courier is released and the job matched again", "[e2e]") {
  Fixture f(std::map<std::string, std::string>{{"PASAR_STALE_ASSIGNED_MS", "2000"}});
  Client& c = *f.client;
  const Courier silent = f.OnShift("Silent", 500'000, 200);
  const Order order = f.NewOrder();
  PublishConfirmed(f.redis, order);
  const v1::Offer offer = WaitOffer(c, silent);
  v1::AcceptOfferResponse accepted;
  REQUIRE(Accept(c, silent, offer.offer_id(), &accepted).ok());
  const Courier backup = f.OnShift("Backup", 500'000, 1500);  // reporting, fresh

  REQUIRE(Eventually([&] { return EventsOfType(f.redis, "CourierUnassigned").size() == 1; }));
  const auto released = EventsOfType(f.redis, "CourierUnassigned").front().courier_unassigned();
  REQUIRE(released.courier_id() == silent.id);
  REQUIRE(released.reason() == v1::WITHDRAW_REASON_COURIER_SILENT);
  const auto now = Current(c, silent);
  REQUIRE(now.courier().state() == v1::COURIER_STATE_IDLE);
  REQUIRE_FALSE(now.has_job());
  const v1::Offer again = WaitOffer(c, backup);
  REQUIRE(again.job().id() == order.order_id);
  REQUIRE(pg::Exec(*f.pool, kOffersOfCourier, silent.id).Int(0, 0) == 1);  // excluded
}

TEST_CASE("a courier released after the dispatch deadline: the job gets a new window", "[e2e]") {
  // Released 11 s after the assignment, hence after the 10 s deadline of the order. The offer
  // must be made and accepted within that deadline (and the new window's), so it is not short.
  Fixture f(std::map<std::string, std::string>{{"PASAR_STALE_ASSIGNED_MS", "11000"}});
  Client& c = *f.client;
  const Courier silent = f.OnShift("Silent", 500'000, 200);
  Order order = f.NewOrder();
  order.dispatch_timeout_seconds = 10;
  PublishConfirmed(f.redis, order);
  const v1::Offer offer = WaitOffer(c, silent);
  REQUIRE(offer.job().id() == order.order_id);
  const google::protobuf::Timestamp first_deadline = offer.job().dispatch_deadline();
  v1::AcceptOfferResponse accepted;
  REQUIRE(Accept(c, silent, offer.offer_id(), &accepted).ok());
  const Courier backup = f.OnShift("Backup", 500'000, 1500);  // reporting, fresh

  REQUIRE(Eventually([&] { return EventsOfType(f.redis, "CourierUnassigned").size() == 1; }));
  const auto released = EventsOfType(f.redis, "CourierUnassigned").front();
  REQUIRE(released.courier_unassigned().reason() == v1::WITHDRAW_REASON_COURIER_SILENT);
  REQUIRE(released.occurred_at() > first_deadline);
  const v1::Offer again = WaitOffer(c, backup);
  REQUIRE(again.job().id() == order.order_id);
  REQUIRE(again.job().dispatch_deadline() >= released.occurred_at());
  v1::AcceptOfferResponse taken;
  REQUIRE(Accept(c, backup, again.offer_id(), &taken).ok());
  REQUIRE(GetJob(c, order.order_id).status() == v1::JOB_STATUS_ASSIGNED);
  REQUIRE(EventsOfType(f.redis, "DispatchFailed").empty());
}

Call Unassign(Client& c, const std::string& job_id, v1::UnassignCourierResponse* resp,
              const std::string& request_id = NewId(),
              const std::string& token = Token(Role::kOperator, "operator-1")) {
  v1::UnassignCourierRequest req;
  req.set_request_id(request_id);
  req.set_job_id(job_id);
  req.set_note("courier phoned in sick");
  auto ctx = Ctx(token);
  Call call{c.ops->UnassignCourier(ctx.get(), req, resp), ""};
  call.reason = Reason(*ctx);
  return call;
}

TEST_CASE("an operator unassigns a courier: the job is matched again without them", "[e2e]") {
  Fixture f;
  Client& c = *f.client;
  const Courier first = f.OnShift("First", 500'000, 200);
  const Order order = f.NewOrder();
  PublishConfirmed(f.redis, order);
  const v1::Offer offer = WaitOffer(c, first);
  REQUIRE(offer.job().id() == order.order_id);
  v1::AcceptOfferResponse accepted;
  REQUIRE(Accept(c, first, offer.offer_id(), &accepted).ok());
  Watcher watch(c, first);

  v1::UnassignCourierResponse denied;
  REQUIRE(Unassign(c, order.order_id, &denied, NewId(), first.token).status.error_code() ==
          grpc::PERMISSION_DENIED);
  v1::UnassignCourierResponse bad;
  const Call empty_id = Unassign(c, "", &bad);
  REQUIRE(empty_id.status.error_code() == grpc::INVALID_ARGUMENT);
  REQUIRE(empty_id.status.error_message().rfind("job_id:", 0) == 0);
  v1::UnassignCourierRequest long_note;
  long_note.set_request_id(NewId());
  long_note.set_job_id(order.order_id);
  long_note.set_note(std::string(201, 'x'));
  auto nctx = Ctx(Token(Role::kOperator, "operator-1"));
  const grpc::Status note_status = c.ops->UnassignCourier(nctx.get(), long_note, &bad);
  REQUIRE(note_status.error_code() == grpc::INVALID_ARGUMENT);
  REQUIRE(note_status.error_message().rfind("note:", 0) == 0);
  REQUIRE(Unassign(c, "no-such-job", &bad).status.error_code() == grpc::NOT_FOUND);
  REQUIRE(GetJob(c, order.order_id).status() == v1::JOB_STATUS_ASSIGNED);

  const std::string key = NewId();
  v1::UnassignCourierResponse unassigned;
  REQUIRE(Unassign(c, order.order_id, &unassigned, key).status.ok());
  REQUIRE(unassigned.job().status() == v1::JOB_STATUS_PENDING);
  REQUIRE(unassigned.job().courier_id().empty());
  REQUIRE(unassigned.job().dispatch_deadline() > offer.job().dispatch_deadline());
  v1::UnassignCourierResponse replayed;
  REQUIRE(Unassign(c, order.order_id, &replayed, key).status.ok());
  REQUIRE(replayed.SerializeAsString() == unassigned.SerializeAsString());

  // The event leaves through the outbox relay, after the answer: wait for it.
  REQUIRE(Eventually([&] { return !EventsOfType(f.redis, "CourierUnassigned").empty(); }));
  const auto events = EventsOfType(f.redis, "CourierUnassigned");
  REQUIRE(events.size() == 1);
  REQUIRE(events.front().courier_unassigned().courier_id() == first.id);
  REQUIRE(events.front().courier_unassigned().reason() == v1::WITHDRAW_REASON_OPERATOR);
  REQUIRE(events.front().courier_unassigned().note() == "courier phoned in sick");
  const auto withdrawn = watch.Wait([&](const auto& m) {
    return m.has_job_withdrawn() && m.job_withdrawn().job_id() == order.order_id;
  });
  REQUIRE(withdrawn);
  REQUIRE(withdrawn->job_withdrawn().reason() == v1::WITHDRAW_REASON_OPERATOR);
  const auto now = Current(c, first);
  REQUIRE(now.courier().state() == v1::COURIER_STATE_IDLE);
  REQUIRE(now.courier().cash_on_hand_idr() == 500'000);
  REQUIRE_FALSE(now.has_job());

  const Courier backup = f.OnShift("Backup", 500'000, 1500);
  const v1::Offer again = WaitOffer(c, backup);
  REQUIRE(again.job().id() == order.order_id);
  REQUIRE(pg::Exec(*f.pool, kOffersOfCourier, first.id).Int(0, 0) == 1);  // excluded
  v1::AcceptOfferResponse taken;
  REQUIRE(Accept(c, backup, again.offer_id(), &taken).ok());

  // Goods on the bike: no more unassigning.
  v1::ConfirmPickupResponse picked;
  const Ticket& t = order.tickets[0];
  REQUIRE(Pickup(c, backup, order.order_id, t, t.pickup_code, t.total_idr, &picked).status.ok());
  const Call refused = Unassign(c, order.order_id, &bad);
  REQUIRE(refused.status.error_code() == grpc::FAILED_PRECONDITION);
  REQUIRE(refused.reason == "INVALID_TRANSITION");
  REQUIRE(GetJob(c, order.order_id).courier_id() == backup.id);
}

TEST_CASE("an operator unassigns a pending offer: withdrawn, and the job goes to another courier",
          "[e2e]") {
  Fixture f;
  Client& c = *f.client;
  const Courier first = f.OnShift("First", 500'000, 200);
  Watcher watch(c, first);
  const Order order = f.NewOrder();
  PublishConfirmed(f.redis, order);
  const auto offered = watch.Wait([](const auto& m) { return m.has_offer(); });
  REQUIRE(offered);
  const v1::Offer offer = offered->offer();
  REQUIRE(offer.job().id() == order.order_id);
  REQUIRE(GetJob(c, order.order_id).status() == v1::JOB_STATUS_OFFERED);

  const std::string key = NewId();
  v1::UnassignCourierResponse unassigned;
  REQUIRE(Unassign(c, order.order_id, &unassigned, key).status.ok());
  REQUIRE(unassigned.job().status() == v1::JOB_STATUS_PENDING);
  REQUIRE(unassigned.job().courier_id().empty());
  REQUIRE(unassigned.job().dispatch_deadline() > offer.job().dispatch_deadline());
  // Withdrawn by the operator, not left to expire.
  const pg::Result fate = pg::Exec(*f.pool, kOfferFate, offer.offer_id());
  REQUIRE(fate.Str(0, 0) == "WITHDRAWN");
  REQUIRE(fate.Str(0, 1) == "OPERATOR");
  // Nobody else is on shift and the first courier is excluded: the job stays PENDING, which a
  // new request cannot unassign.
  v1::UnassignCourierResponse again_refused;
  const Call pending = Unassign(c, order.order_id, &again_refused);
  REQUIRE(pending.status.error_code() == grpc::FAILED_PRECONDITION);
  REQUIRE(pending.reason == "INVALID_TRANSITION");

  const auto withdrawn = watch.Wait([&](const auto& m) {
    return m.has_offer_withdrawn() && m.offer_withdrawn().offer_id() == offer.offer_id();
  });
  REQUIRE(withdrawn);
  REQUIRE(withdrawn->offer_withdrawn().job_id() == order.order_id);
  REQUIRE(withdrawn->offer_withdrawn().reason() == v1::WITHDRAW_REASON_OPERATOR);
  const auto now = Current(c, first);
  REQUIRE(now.courier().state() == v1::COURIER_STATE_IDLE);
  REQUIRE_FALSE(now.has_offer());
  REQUIRE_FALSE(now.has_job());
  v1::AcceptOfferRequest late;
  late.set_request_id(NewId());
  late.set_offer_id(offer.offer_id());
  v1::AcceptOfferResponse accepted;
  auto actx = Ctx(first.token);
  REQUIRE(c.courier->AcceptOffer(actx.get(), late, &accepted).error_code() ==
          grpc::FAILED_PRECONDITION);
  REQUIRE(Reason(*actx) == "OFFER_EXPIRED");

  const Courier backup = f.OnShift("Backup", 500'000, 1500);
  const v1::Offer next = WaitOffer(c, backup);
  REQUIRE(next.job().id() == order.order_id);
  REQUIRE(next.offer_id() != offer.offer_id());
  REQUIRE(pg::Exec(*f.pool, kOffersOfCourier, first.id).Int(0, 0) == 1);  // excluded
  // A replay answers as the first time and takes nothing from the new offer.
  v1::UnassignCourierResponse replayed;
  REQUIRE(Unassign(c, order.order_id, &replayed, key).status.ok());
  REQUIRE(replayed.SerializeAsString() == unassigned.SerializeAsString());
  REQUIRE(GetJob(c, order.order_id).status() == v1::JOB_STATUS_OFFERED);
  REQUIRE(Current(c, backup).offer().offer_id() == next.offer_id());

  // The relay sends in outbox order and the backup's offer was made after the unassignment
  // committed: once its OfferMade is out, everything the unassignment wrote is out too.
  REQUIRE(Eventually([&] {
    for (const auto& e : EventsOfType(f.redis, "OfferMade")) {
      if (e.offer_made().offer_id() == next.offer_id()) return true;
    }
    return false;
  }));
  const auto offer_withdrawn = EventsOfType(f.redis, "OfferWithdrawn");
  REQUIRE(offer_withdrawn.size() == 1);
  REQUIRE(offer_withdrawn.front().offer_withdrawn().offer_id() == offer.offer_id());
  REQUIRE(offer_withdrawn.front().offer_withdrawn().courier_id() == first.id);
  REQUIRE(offer_withdrawn.front().offer_withdrawn().reason() == v1::WITHDRAW_REASON_OPERATOR);
  // CourierUnassigned tells the order service an assigned courier is gone; it never heard of
  // an offer, so none is published for one.
  REQUIRE(EventsOfType(f.redis, "CourierUnassigned").empty());
}

TEST_CASE("a job locked by five wrong pickup codes is unassigned and taken by another courier",
          "[e2e]") {
  Fixture f;
  Client& c = *f.client;
  const Courier clumsy = f.OnShift("Clumsy", 500'000, 200);
  const Order order = f.NewOrder({{"t-" + NewId(), 20'000, "5555"}});
  PublishConfirmed(f.redis, order);
  const v1::Offer offer = WaitOffer(c, clumsy);
  v1::AcceptOfferResponse accepted;
  REQUIRE(Accept(c, clumsy, offer.offer_id(), &accepted).ok());
  const Ticket& t = order.tickets[0];
  v1::ConfirmPickupResponse picked;
  for (int i = 0; i < 5; ++i) {
    REQUIRE(Pickup(c, clumsy, order.order_id, t, "0000", t.total_idr, &picked).reason ==
            "WRONG_PICKUP_CODE");
  }
  REQUIRE(Pickup(c, clumsy, order.order_id, t, t.pickup_code, t.total_idr, &picked).reason ==
          "TOO_MANY_ATTEMPTS");

  v1::UnassignCourierResponse unassigned;
  REQUIRE(Unassign(c, order.order_id, &unassigned).status.ok());
  REQUIRE(unassigned.job().status() == v1::JOB_STATUS_PENDING);
  const Courier next = f.OnShift("Next", 500'000, 1500);
  const v1::Offer again = WaitOffer(c, next);
  REQUIRE(again.job().id() == order.order_id);
  v1::AcceptOfferResponse taken;
  REQUIRE(Accept(c, next, again.offer_id(), &taken).ok());
  REQUIRE(Pickup(c, next, order.order_id, t, t.pickup_code, t.total_idr, &picked).status.ok());
  REQUIRE(picked.job().status() == v1::JOB_STATUS_DELIVERING);
}

TEST_CASE("a cancelled order withdraws the offer and the job", "[e2e]") {
  Fixture f;
  Client& c = *f.client;
  const Courier k = f.OnShift("K", 500'000, 300);
  Watcher watch(c, k);
  const Order first = f.NewOrder();
  PublishConfirmed(f.redis, first);
  REQUIRE(watch.Wait([](const auto& m) { return m.has_offer(); }));
  PublishCancelled(f.redis, first.order_id, f.market);
  const auto withdrawn = watch.Wait([](const auto& m) { return m.has_offer_withdrawn(); });
  REQUIRE(withdrawn);
  REQUIRE(withdrawn->offer_withdrawn().reason() == v1::WITHDRAW_REASON_ORDER_CANCELLED);
  REQUIRE(GetJob(c, first.order_id).status() == v1::JOB_STATUS_CANCELLED);
  REQUIRE(Current(c, k).courier().state() == v1::COURIER_STATE_IDLE);

  const Order second = f.NewOrder();
  PublishConfirmed(f.redis, second);
  const v1::Offer offer = WaitOffer(c, k);
  REQUIRE(offer.job().id() == second.order_id);
  v1::AcceptOfferResponse accepted;
  REQUIRE(Accept(c, k, offer.offer_id(), &accepted).ok());
  PublishCancelled(f.redis, second.order_id, f.market);
  const auto job_withdrawn = watch.Wait([](const auto& m) { return m.has_job_withdrawn(); });
  REQUIRE(job_withdrawn);
  REQUIRE(job_withdrawn->job_withdrawn().job_id() == second.order_id);
  REQUIRE(job_withdrawn->job_withdrawn().reason() == v1::WITHDRAW_REASON_ORDER_CANCELLED);
  REQUIRE(Eventually([&] { return EventsOfType(f.redis, "CourierUnassigned").size() == 1; }));
  REQUIRE(Current(c, k).courier().state() == v1::COURIER_STATE_IDLE);

  // An OrderCancelled for a job whose courier already holds goods (the order service cancels a
  // confirmed order only when dispatch accepted, so it cannot come from it): the courier, who
  // paid the trader out of their own cash, is not cut loose; the job goes on to delivery.
  const Order third = f.NewOrder();
  PublishConfirmed(f.redis, third);
  const v1::Offer third_offer = WaitOffer(c, k);
  REQUIRE(third_offer.job().id() == third.order_id);
  REQUIRE(Accept(c, k, third_offer.offer_id(), &accepted).ok());
  v1::ConfirmPickupResponse picked;
  const Ticket& t1 = third.tickets[0];
  const Ticket& t2 = third.tickets[1];
  REQUIRE(Pickup(c, k, third.order_id, t1, t1.pickup_code, t1.total_idr, &picked).status.ok());
  REQUIRE(picked.job().status() == v1::JOB_STATUS_PICKING_UP);
  PublishCancelled(f.redis, third.order_id, f.market);
  constexpr pg::Query kRemembered{"t_remembered_cancelled",
                                  "SELECT count(*) FROM cancelled_orders WHERE order_id = $1"};
  REQUIRE(
      Eventually([&] { return pg::Exec(*f.pool, kRemembered, third.order_id).Int(0, 0) == 1; }));
  REQUIRE(GetJob(c, third.order_id).status() == v1::JOB_STATUS_PICKING_UP);
  REQUIRE(Pickup(c, k, third.order_id, t2, t2.pickup_code, t2.total_idr, &picked).status.ok());
  v1::ConfirmDeliveryResponse delivered;
  REQUIRE(
      Deliver(c, k, third.order_id, third.pin, third.cash_to_collect(), &delivered).status.ok());
  REQUIRE(delivered.courier().cash_on_hand_idr() ==
          500'000 + third.delivery_fee_idr + third.service_fee_idr);
  REQUIRE(EventsOfType(f.redis, "CourierUnassigned").size() == 1);
}

namespace {

// The order service's request to cancel a confirmed order.
std::string PublishCancellationRequested(redis::Client& redis, const std::string& order_id,
                                         const std::string& market_id) {
  ev::Envelope e = Envelope(order_id);
  e.set_type("OrderCancellationRequested");
  auto* r = e.mutable_order_cancellation_requested();
  r->set_order_id(order_id);
  r->set_market_id(market_id);
  r->set_cancellation_id(NewId());
  r->set_reason(pasar::order::v1::CANCEL_REASON_CUSTOMER);
  r->set_note("tidak jadi");
  Publish(redis, e);
  return r->cancellation_id();
}

// Dispatch's answer to the request `cancellation_id`, once published.
std::optional<ev::CancellationSettled> Settled(redis::Client& redis,
                                               const std::string& cancellation_id) {
  for (const ev::Envelope& e : EventsOfType(redis, "CancellationSettled")) {
    if (e.cancellation_settled().cancellation_id() == cancellation_id) {
      return e.cancellation_settled();
    }
  }
  return std::nullopt;
}

}  // namespace

TEST_CASE("a cancellation request is accepted before pickup and refused after it", "[e2e]") {
  Fixture f;
  Client& c = *f.client;
  const Courier k = f.OnShift("K", 500'000, 300);
  Watcher watch(c, k);

  // Before the job exists (its OrderConfirmed not applied yet): accepted, and no job is made.
  const Order early = f.NewOrder();
  const std::string early_request = PublishCancellationRequested(f.redis, early.order_id, f.market);
  REQUIRE(Eventually([&] { return Settled(f.redis, early_request).has_value(); }));
  CHECK(Settled(f.redis, early_request)->accepted());
  PublishConfirmed(f.redis, early);

  // Assigned, nothing picked up: accepted; the courier is released and the job withdrawn.
  const Order assigned = f.NewOrder();
  PublishConfirmed(f.redis, assigned);
  const v1::Offer offer = WaitOffer(c, k);
  REQUIRE(offer.job().id() == assigned.order_id);  // never the early order's
  v1::AcceptOfferResponse accepted;
  REQUIRE(Accept(c, k, offer.offer_id(), &accepted).ok());
  const std::string accept_request =
      PublishCancellationRequested(f.redis, assigned.order_id, f.market);
  REQUIRE(Eventually([&] { return Settled(f.redis, accept_request).has_value(); }));
  const ev::CancellationSettled yes = *Settled(f.redis, accept_request);
  CHECK(yes.accepted());
  CHECK(yes.refusal().empty());
  CHECK(yes.courier_id() == k.id);
  CHECK(yes.order_id() == assigned.order_id);
  REQUIRE(watch.Wait([&](const auto& m) {
    return m.has_job_withdrawn() && m.job_withdrawn().job_id() == assigned.order_id;
  }));
  CHECK(GetJob(c, assigned.order_id).status() == v1::JOB_STATUS_CANCELLED);
  CHECK(Current(c, k).courier().state() == v1::COURIER_STATE_IDLE);
  v1::ConfirmPickupResponse picked;
  const Ticket& a1 = assigned.tickets[0];
  CHECK_FALSE(
      Pickup(c, k, assigned.order_id, a1, a1.pickup_code, a1.total_idr, &picked).status.ok());
  CHECK(Current(c, k).courier().cash_on_hand_idr() == 500'000);

  // One ticket picked up: refused; the courier keeps the job and delivers it.
  const Order picked_up = f.NewOrder();
  PublishConfirmed(f.redis, picked_up);
  const v1::Offer second = WaitOffer(c, k);
  REQUIRE(second.job().id() == picked_up.order_id);
  REQUIRE(Accept(c, k, second.offer_id(), &accepted).ok());
  const Ticket& p1 = picked_up.tickets[0];
  const Ticket& p2 = picked_up.tickets[1];
  REQUIRE(Pickup(c, k, picked_up.order_id, p1, p1.pickup_code, p1.total_idr, &picked).status.ok());
  const std::string refuse_request =
      PublishCancellationRequested(f.redis, picked_up.order_id, f.market);
  REQUIRE(Eventually([&] { return Settled(f.redis, refuse_request).has_value(); }));
  const ev::CancellationSettled no = *Settled(f.redis, refuse_request);
  CHECK_FALSE(no.accepted());
  CHECK(no.refusal() == "PICKED_UP");
  CHECK(no.courier_id() == k.id);
  CHECK(GetJob(c, picked_up.order_id).status() == v1::JOB_STATUS_PICKING_UP);
  REQUIRE(Pickup(c, k, picked_up.order_id, p2, p2.pickup_code, p2.total_idr, &picked).status.ok());
  v1::ConfirmDeliveryResponse delivered;
  REQUIRE(Deliver(c, k, picked_up.order_id, picked_up.pin, picked_up.cash_to_collect(), &delivered)
              .status.ok());
  // Delivered: a request now is refused as DELIVERED.
  const std::string late_request =
      PublishCancellationRequested(f.redis, picked_up.order_id, f.market);
  REQUIRE(Eventually([&] { return Settled(f.redis, late_request).has_value(); }));
  CHECK(Settled(f.redis, late_request)->refusal() == "DELIVERED");
  // The early order never became a job (its OrderConfirmed came after the accepted request).
  v1::GetJobRequest get;
  get.set_job_id(early.order_id);
  v1::GetJobResponse got;
  auto ctx = Ctx(Token(Role::kOperator, "operator-1"));
  CHECK(c.ops->GetJob(ctx.get(), get, &got).error_code() == grpc::NOT_FOUND);
}

TEST_CASE("a job nobody takes before its dispatch deadline fails", "[e2e]") {
  Fixture f;
  Order order = f.NewOrder();
  order.dispatch_timeout_seconds = 1;
  PublishConfirmed(f.redis, order);
  REQUIRE(Eventually([&] { return EventsOfType(f.redis, "DispatchFailed").size() == 1; }));
  const auto failed = EventsOfType(f.redis, "DispatchFailed").front();
  REQUIRE(failed.aggregate_id() == order.order_id);
  REQUIRE(failed.dispatch_failed().reason() == ev::DISPATCH_FAILURE_REASON_NO_COURIER);
  REQUIRE(GetJob(*f.client, order.order_id).status() == v1::JOB_STATUS_FAILED);
}

TEST_CASE("one matcher per market, and another instance takes over when it dies", "[e2e]") {
  // Watchers re-read only on live hints here (the backstop is a minute), so the offer reaching
  // the watcher on the instance that did not make it proves the cross-instance fan-out.
  // The lease outlives a slow window on a loaded machine (a lapse would let the other instance
  // match the market too); the survivor takes over once it expires after the kill.
  const std::map<std::string, std::string> settings{{"PASAR_WATCH_BACKSTOP_MS", "60000"},
                                                    {"PASAR_MATCHER_LEASE_MS", "6000"}};
  Fixture f(settings);
  testkit::ServiceProcess second(testkit::BinaryPath("pasar-dispatch"),
                                 DispatchEnv(f.db, f.prefix, settings));
  Client c2(second.address());
  std::vector<Courier> couriers;
  for (int i = 0; i < 4; ++i)
    couriers.push_back(f.OnShift("C" + std::to_string(i), 500'000, 300 + 200 * i));
  // Both processes listen for hints (one subscription each), and both streams are registered
  // (a Watcher exists once its stream is live): no offer can reach either stream through its
  // connect-time read.
  REQUIRE(Eventually([&] {
    const redis::Reply r =
        f.redis.Command({"PUBSUB", "NUMSUB", f.redis.Key("live.events.dispatch")});
    return r.size() == 2 && r.at(1).integer() == 2;
  }));
  Watcher on_first(*f.client, couriers[0]);
  Watcher on_second(c2, couriers[0]);
  REQUIRE(on_first.size() == 0);
  REQUIRE(on_second.size() == 0);
  std::vector<Order> orders;
  for (int i = 0; i < 3; ++i) {
    orders.push_back(f.NewOrder());
    PublishConfirmed(f.redis, orders.back());
  }
  for (const Order& o : orders) {
    REQUIRE(Eventually([&] { return GetJob(c2, o.order_id).status() == v1::JOB_STATUS_OFFERED; }));
  }
  REQUIRE(on_first.Wait([](const auto& m) { return m.has_offer(); }));
  REQUIRE(on_second.Wait([](const auto& m) { return m.has_offer(); }));
  const pg::Result makers = pg::Exec(*f.pool, kAllMakers);
  REQUIRE(makers.size() == 1);  // a single instance matched the market
  const std::string holder = makers.Str(0, 0);
  const bool first_holds =
      holder.find("-" + std::to_string(f.process->pid()) + "-") != std::string::npos;
  REQUIRE(
      (first_holds || holder.find("-" + std::to_string(second.pid()) + "-") != std::string::npos));
  testkit::ServiceProcess& victim = first_holds ? *f.process : second;
  Client& survivor = first_holds ? c2 : *f.client;
  victim.Kill(SIGKILL);

  const Order late = f.NewOrder();
  PublishConfirmed(f.redis, late);
  REQUIRE(
      Eventually([&] { return GetJob(survivor, late.order_id).status() == v1::JOB_STATUS_OFFERED; },
                 std::chrono::seconds(60)));
  const pg::Result late_makers = pg::Exec(*f.pool, kMakersOfJob, late.order_id);
  REQUIRE(late_makers.size() == 1);
  REQUIRE(late_makers.Str(0, 0) != holder);
}

TEST_CASE("bad input answers INVALID_ARGUMENT naming the field and writes nothing", "[e2e]") {
  Fixture f;
  Client& c = *f.client;
  const Courier k = CreateCourier(c, f.market, "K");
  const std::string op = Token(Role::kOperator, "operator-1");
  const pg::Result before = pg::Exec(*f.pool, kCountRows);

  auto expect = [](const grpc::Status& s, const std::string& field) {
    INFO(s.error_message());
    REQUIRE(s.error_code() == grpc::INVALID_ARGUMENT);
    REQUIRE(s.error_message().rfind(field + ":", 0) == 0);
  };

  {  // CreateCourier
    auto make = [&] {
      v1::CreateCourierRequest r;
      r.set_request_id(NewId());
      r.set_subject("s-" + NewId());
      r.set_name("Name");
      r.set_vehicle_plate("N 1 A");
      r.set_home_market_id(f.market);
      return r;
    };
    v1::CreateCourierResponse resp;
    auto r = make();
    r.clear_request_id();
    expect(c.ops->CreateCourier(Ctx(op).get(), r, &resp), "request_id");
    r = make();
    r.clear_subject();
    expect(c.ops->CreateCourier(Ctx(op).get(), r, &resp), "subject");
    r = make();
    r.set_name(std::string(101, 'x'));
    expect(c.ops->CreateCourier(Ctx(op).get(), r, &resp), "name");
    r = make();
    r.set_phone("0812");
    expect(c.ops->CreateCourier(Ctx(op).get(), r, &resp), "phone");
    r = make();
    r.set_vehicle_plate(std::string(17, 'N'));
    expect(c.ops->CreateCourier(Ctx(op).get(), r, &resp), "vehicle_plate");
    r = make();
    r.clear_home_market_id();
    expect(c.ops->CreateCourier(Ctx(op).get(), r, &resp), "home_market_id");
  }
  {  // ListCouriers, GetJob, ListJobs, GetStats
    v1::ListCouriersRequest lc;
    lc.mutable_near()->set_lat(95);
    lc.set_radius_meters(100);
    v1::ListCouriersResponse lcr;
    expect(c.ops->ListCouriers(Ctx(op).get(), lc, &lcr), "near");
    lc.mutable_near()->set_lat(kMarketLat);
    lc.mutable_near()->set_lng(kMarketLng);
    lc.set_radius_meters(0);
    expect(c.ops->ListCouriers(Ctx(op).get(), lc, &lcr), "radius_meters");
    lc.set_radius_meters(100);
    lc.set_page_size(-1);
    expect(c.ops->ListCouriers(Ctx(op).get(), lc, &lcr), "page_size");
    lc.set_page_size(0);
    lc.set_page_token("garbage!");
    expect(c.ops->ListCouriers(Ctx(op).get(), lc, &lcr), "page_token");
    lc.clear_page_token();
    lc.add_states(v1::COURIER_STATE_UNSPECIFIED);
    expect(c.ops->ListCouriers(Ctx(op).get(), lc, &lcr), "states[0]");
    v1::GetJobResponse gj;
    expect(c.ops->GetJob(Ctx(op).get(), v1::GetJobRequest(), &gj), "job_id");
    v1::ListJobsRequest lj;
    lj.add_statuses(static_cast<v1::JobStatus>(42));
    v1::ListJobsResponse ljr;
    expect(c.ops->ListJobs(Ctx(op).get(), lj, &ljr), "statuses[0]");
    v1::GetStatsRequest gs;
    gs.mutable_since()->set_seconds(4'000'000'000);
    v1::GetStatsResponse gsr;
    expect(c.ops->GetStats(Ctx(op).get(), gs, &gsr), "since");
  }
  {  // CourierService
    v1::StartShiftRequest ss;
    v1::StartShiftResponse ssr;
    expect(c.courier->StartShift(Ctx(k.token).get(), ss, &ssr), "request_id");
    ss.set_request_id(NewId());
    ss.set_cash_on_hand_idr(-1);
    expect(c.courier->StartShift(Ctx(k.token).get(), ss, &ssr), "cash_on_hand_idr");
    ss.set_cash_on_hand_idr(1000);
    ss.mutable_location()->set_lng(200);
    expect(c.courier->StartShift(Ctx(k.token).get(), ss, &ssr), "location");
    v1::EndShiftResponse esr;
    expect(c.courier->EndShift(Ctx(k.token).get(), v1::EndShiftRequest(), &esr), "request_id");

    v1::AcceptOfferRequest ao;
    ao.set_request_id(NewId());
    ao.set_offer_id("not-a-uuid");
    v1::AcceptOfferResponse aor;
    expect(c.courier->AcceptOffer(Ctx(k.token).get(), ao, &aor), "offer_id");
    v1::DeclineOfferRequest dof;
    dof.set_request_id(NewId());
    dof.set_offer_id(NewId());
    v1::DeclineOfferResponse dor;
    expect(c.courier->DeclineOffer(Ctx(k.token).get(), dof, &dor), "reason");
    dof.set_reason(v1::DECLINE_REASON_OTHER);
    dof.set_note(std::string(201, 'n'));
    expect(c.courier->DeclineOffer(Ctx(k.token).get(), dof, &dor), "note");

    v1::ConfirmPickupRequest cp;
    cp.set_request_id(NewId());
    cp.set_ticket_id("t");
    cp.set_pickup_code("1234");
    v1::ConfirmPickupResponse cpr;
    expect(c.courier->ConfirmPickup(Ctx(k.token).get(), cp, &cpr), "job_id");
    cp.set_job_id(NewId());
    cp.set_pickup_code("12a4");
    expect(c.courier->ConfirmPickup(Ctx(k.token).get(), cp, &cpr), "pickup_code");
    cp.set_pickup_code("1234");
    cp.set_paid_to_trader_idr(-5);
    expect(c.courier->ConfirmPickup(Ctx(k.token).get(), cp, &cpr), "paid_to_trader_idr");
    cp.set_paid_to_trader_idr(5);
    cp.clear_ticket_id();
    expect(c.courier->ConfirmPickup(Ctx(k.token).get(), cp, &cpr), "ticket_id");

    v1::ConfirmDeliveryRequest cd;
    cd.set_request_id(NewId());
    cd.set_job_id(NewId());
    cd.set_delivery_pin("12345");
    v1::ConfirmDeliveryResponse cdr;
    expect(c.courier->ConfirmDelivery(Ctx(k.token).get(), cd, &cdr), "delivery_pin");
    cd.set_delivery_pin("1234");
    cd.set_cash_collected_idr(-1);
    expect(c.courier->ConfirmDelivery(Ctx(k.token).get(), cd, &cdr), "cash_collected_idr");

    // ReportLocations: an empty message is refused; an impossible fix is counted rejected.
    auto ctx = Ctx(k.token);
    v1::ReportLocationsResponse rl;
    auto writer = c.courier->ReportLocations(ctx.get(), &rl);
    writer->Write(v1::ReportLocationsRequest());
    writer->WritesDone();
    expect(writer->Finish(), "fixes");
    common::v1::LatLng bad;
    bad.set_lat(91);
    bad.set_lng(0);
    const auto counted = Report(c, k, bad);
    REQUIRE(counted.accepted() == 0);
    REQUIRE(counted.rejected() == 1);
  }
  // Roles and identities.
  v1::ListJobsResponse ljr;
  REQUIRE(c.ops->ListJobs(Ctx(k.token).get(), v1::ListJobsRequest(), &ljr).error_code() ==
          grpc::PERMISSION_DENIED);
  REQUIRE(c.ops->ListJobs(Ctx("").get(), v1::ListJobsRequest(), &ljr).error_code() ==
          grpc::UNAUTHENTICATED);
  v1::ConfirmPickupRequest foreign;
  foreign.set_request_id(NewId());
  foreign.set_job_id(NewId());
  foreign.set_ticket_id("t");
  foreign.set_pickup_code("1234");
  v1::ConfirmPickupResponse fr;
  REQUIRE(c.courier->ConfirmPickup(Ctx(k.token).get(), foreign, &fr).error_code() ==
          grpc::NOT_FOUND);

  const pg::Result after = pg::Exec(*f.pool, kCountRows);
  for (int col = 0; col < 4; ++col)
    REQUIRE(after.Int(0, col) == before.Int(0, col));
}

}  // namespace
}  // namespace pasar::dispatch::testing
