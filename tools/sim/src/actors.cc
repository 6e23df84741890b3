#include "actors.h"

#include <algorithm>
#include <map>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/time/clock.h"
#include "plan.h"
#include "programme.h"
#include "rng.h"

namespace pasar::sim {
namespace {

namespace ord = pasar::order::v1;
namespace dsp = pasar::dispatch::v1;
using town::Call;
using town::Outcome;

constexpr absl::Duration kStreamLife = absl::Hours(24);

// The index of the customer whose order this is; -1 when the order is not one of this run's.
int OrderIndex(World& world, const std::string& order_id) {
  auto placed = world.orders.Await(order_id, absl::Seconds(5));
  return placed ? placed->index : -1;
}

// Decisions about foreign orders still need a seed: derive one from the order id.
int IndexOrHash(int index, const std::string& order_id) {
  if (index >= 0) return index;
  return 1000000 + static_cast<int>(Rng(0, order_id, 0).Int(0, 1000000));
}

void SleepUnless(absl::Duration d, const std::atomic<bool>& stop) {
  const absl::Time until = absl::Now() + d;
  while (!stop && absl::Now() < until) {
    absl::SleepFor(std::min(absl::Milliseconds(100), until - absl::Now()));
  }
}

}  // namespace

// ---------------------------------------------------------------------------------------------
// Customers

namespace {

void CustomerCancels(World& world, const std::shared_ptr<PlacedOrder>& order) {
  {
    absl::MutexLock lock(&order->mu);
    if (order->terminal) return;  // nothing left to cancel
  }
  ++world.counters.cancel_requests;
  ord::CancelOrderRequest req;
  req.set_request_id(world.Key(absl::StrCat("cancel:", order->index)));
  req.set_order_id(order->id);
  req.set_reason("berubah pikiran");
  ord::CancelOrderResponse resp;
  const Outcome out = Call(order->token, [&](grpc::ClientContext* c) {
    return world.api.orders().CancelOrder(c, req, &resp);
  });
  if (out.ok()) {
    // CANCELLED, or (once confirmed) a request dispatch settles: its answer shows in the order
    // (cancellation ACCEPTED, or REFUSED when goods were already picked up), counted at the end.
    absl::MutexLock lock(&order->mu);
    order->last = resp.order();
    return;
  }
  if (out.reason == "INVALID_TRANSITION") {
    ++world.counters.cancel_too_late;  // picked up or delivered meanwhile, as the order saw it
    return;
  }
  world.Note(absl::StrCat("customer ", order->index, ": CancelOrder: ", out.Describe()));
}

}  // namespace

void CustomerArrives(World& world, Scheduler& scheduler, int index) {
  if (world.stopping) return;
  const CustomerPlan plan = PlanCustomer(world.config.town, world.config, index);
  ++world.counters.arrivals;
  auto placed = std::make_shared<PlacedOrder>();
  placed->index = index;
  placed->customer = absl::StrCat("customer-", world.run_id, "-", index);
  placed->token = world.api.Token(auth::Role::kCustomer, placed->customer);
  placed->market = plan.market;
  LinkResident(world, index, placed->customer, placed->token);

  ord::QuoteOrderRequest quote;
  quote.set_market_id(world.seeded.id(plan.market));
  for (const CartItem& item : plan.cart) {
    ord::CartLine* line = quote.add_lines();
    line->set_product_id(world.seeded.id(item.product));
    line->set_quantity(item.quantity);
  }
  quote.mutable_drop_off()->set_lat(plan.drop_off.lat);
  quote.mutable_drop_off()->set_lng(plan.drop_off.lng);
  auto refuse = [&](const Outcome& out) {
    const std::string why = out.reason.empty() ? out.Describe() : out.reason;
    absl::MutexLock lock(&world.counters.mu);
    ++world.counters.refused[why];
  };
  // The app shows the price first; a refusal here (e.g. sold out) and the customer leaves.
  ord::QuoteOrderResponse quoted;
  Outcome out = Call(placed->token, [&](grpc::ClientContext* c) {
    return world.api.orders().QuoteOrder(c, quote, &quoted);
  });
  if (!out.ok()) return refuse(out);

  ord::PlaceOrderRequest req;
  req.set_request_id(world.Key(absl::StrCat("place:", index)));
  req.set_market_id(quote.market_id());
  *req.mutable_lines() = quote.lines();
  *req.mutable_drop_off() = quote.drop_off();
  req.set_drop_off_address(plan.address);
  req.set_drop_off_note(plan.note);
  ord::PlaceOrderResponse resp;
  const absl::Time t0 = absl::Now();
  out = Call(placed->token,
             [&](grpc::ClientContext* c) { return world.api.orders().PlaceOrder(c, req, &resp); });
  placed->place_latency = absl::Now() - t0;
  if (!out.ok()) return refuse(out);
  CountBenefit(world, resp);
  placed->id = resp.order().id();
  {
    absl::MutexLock lock(&placed->mu);
    placed->last = resp.order();
  }
  world.orders.Add(placed);
  ++world.counters.placed;
  if (plan.cancels) {
    scheduler.After(world.clock.Real(plan.cancel_after_sim_seconds),
                    [&world, placed] { CustomerCancels(world, placed); });
  }
}

// ---------------------------------------------------------------------------------------------
// Traders

Trader::Trader(World& world, Scheduler& scheduler, const town::Stall& stall)
    : world_(world),
      scheduler_(scheduler),
      stall_(stall),
      stall_id_(world.seeded.id(stall.id)),
      token_(town::TraderToken(world.api, stall.trader_subject, stall_id_)),
      tolerance_percent_(world.config.town.market(stall.market).weighed_tolerance_percent) {}

Trader::~Trader() {
  Stop();
}

void Trader::Start() {
  thread_ = std::thread([this] { Run(); });
}

void Trader::Stop() {
  stop_ = true;
  {
    absl::MutexLock lock(&mu_);
    if (stream_ != nullptr) stream_->TryCancel();
  }
  if (thread_.joinable()) thread_.join();
}

void Trader::Run() {
  while (!stop_) {
    grpc::ClientContext ctx;
    town::Prepare(ctx, token_, kStreamLife);
    {
      absl::MutexLock lock(&mu_);
      if (stop_) return;
      stream_ = &ctx;
    }
    ord::WatchTicketsRequest req;
    req.add_stall_ids(stall_id_);
    auto reader = world_.api.tickets().WatchTickets(&ctx, req);
    ord::WatchTicketsResponse msg;
    while (reader->Read(&msg))
      OnTicket(msg.ticket());
    const grpc::Status st = reader->Finish();
    {
      absl::MutexLock lock(&mu_);
      stream_ = nullptr;
    }
    if (stop_) return;
    if (st.error_code() != grpc::UNAVAILABLE) {
      world_.Note(absl::StrCat("trader ", stall_.id, ": WatchTickets ended: ",
                               Outcome{st, town::ErrorReason(ctx, st), 1}.Describe()));
    }
    SleepUnless(absl::Milliseconds(500), stop_);
  }
}

void Trader::OnTicket(const ord::Ticket& ticket) {
  if (ticket.status() != ord::TICKET_STATUS_PENDING) return;
  {
    absl::MutexLock lock(&mu_);
    if (!seen_.insert(ticket.id()).second) return;
  }
  ++world_.counters.tickets;
  const absl::Time seen_at = absl::Now();
  scheduler_.After(absl::ZeroDuration(), [this, ticket, seen_at] {
    const int index = OrderIndex(world_, ticket.order_id());
    const TicketPlan plan = PlanTicket(world_.config, stall_, tolerance_percent_,
                                       IndexOrHash(index, ticket.order_id()), ticket);
    if (plan.silent) {  // left for the order service's trader response timeout
      ++world_.counters.tickets_unanswered;
      return;
    }
    scheduler_.At(seen_at + world_.clock.Real(plan.decide_after_sim_seconds),
                  [this, ticket, index] { Decide(ticket, index); });
  });
}

void Trader::Decide(const ord::Ticket& ticket, int order_index) {
  if (stop_) return;
  const TicketPlan plan = PlanTicket(world_.config, stall_, tolerance_percent_,
                                     IndexOrHash(order_index, ticket.order_id()), ticket);
  if (plan.reject_all) {
    ord::RejectTicketRequest req;
    req.set_request_id(world_.Key("reject:" + ticket.id()));
    req.set_ticket_id(ticket.id());
    req.set_reason(ord::REJECT_REASON_TOO_BUSY);
    req.set_note("maaf, sedang ramai");
    ord::RejectTicketResponse resp;
    const Outcome out = Call(token_, [&](grpc::ClientContext* c) {
      return world_.api.tickets().RejectTicket(c, req, &resp);
    });
    if (out.ok()) {
      ++world_.counters.tickets_rejected;
    } else if (out.reason != "INVALID_TRANSITION") {
      world_.Note(absl::StrCat("trader ", stall_.id, ": RejectTicket: ", out.Describe()));
    }
    return;
  }
  ord::AcceptTicketRequest req;
  req.set_request_id(world_.Key("accept:" + ticket.id()));
  req.set_ticket_id(ticket.id());
  int rejected = 0, adjusted = 0;
  for (int i = 0; i < ticket.lines_size() && i < static_cast<int>(plan.lines.size()); ++i) {
    const LinePlan& lp = plan.lines[i];
    if (lp.kind == LinePlan::Kind::kAsOrdered) continue;  // unlisted lines: as ordered
    ord::LineDecision* d = req.add_lines();
    d->set_product_id(ticket.lines(i).product_id());
    if (lp.kind == LinePlan::Kind::kRejected) {
      d->mutable_rejected()->set_reason(ord::REJECT_REASON_OUT_OF_STOCK);
      d->mutable_rejected()->set_note("habis");
      ++rejected;
    } else {
      d->mutable_accepted()->set_final_quantity(0);
      d->mutable_accepted()->set_line_total_idr(lp.line_total_idr);
      ++adjusted;
    }
  }
  ord::AcceptTicketResponse resp;
  const Outcome out = Call(token_, [&](grpc::ClientContext* c) {
    return world_.api.tickets().AcceptTicket(c, req, &resp);
  });
  if (!out.ok()) {
    if (out.reason != "INVALID_TRANSITION") {  // the order was cancelled meanwhile
      world_.Note(absl::StrCat("trader ", stall_.id, ": AcceptTicket: ", out.Describe()));
    }
    return;
  }
  world_.counters.lines_rejected += rejected;
  world_.counters.weighed_adjusted += adjusted;
  const std::string code =
      resp.ticket().pickup_code().empty() ? ticket.pickup_code() : resp.ticket().pickup_code();
  scheduler_.After(world_.clock.Real(plan.prepare_sim_seconds),
                   [this, id = ticket.id(), code] { MarkReady(id, code); });
}

void Trader::MarkReady(const std::string& ticket_id, const std::string& code) {
  if (stop_) return;
  ord::MarkTicketReadyRequest req;
  req.set_request_id(world_.Key("ready:" + ticket_id));
  req.set_ticket_id(ticket_id);
  ord::MarkTicketReadyResponse resp;
  const Outcome out = Call(token_, [&](grpc::ClientContext* c) {
    return world_.api.tickets().MarkTicketReady(c, req, &resp);
  });
  // The goods are packed: the trader tells the code to the courier at the stall in person,
  // whether or not the "ready" tap got through (the code in hand is the proof of pickup).
  world_.handover.Tell(ticket_id, out.ok() && !resp.ticket().pickup_code().empty()
                                      ? resp.ticket().pickup_code()
                                      : code);
  if (!out.ok() && out.reason != "INVALID_TRANSITION") {
    world_.Note(absl::StrCat("trader ", stall_.id, ": MarkTicketReady: ", out.Describe()));
  }
}

// ---------------------------------------------------------------------------------------------
// Couriers

Courier::Courier(World& world, Scheduler& scheduler, const town::Courier& courier)
    : world_(world),
      scheduler_(scheduler),
      courier_(courier),
      token_(world.api.Token(auth::Role::kCourier, courier.subject)),
      speed_(world.config.ojek_speed_kmh / 3.6 * world.config.speedup) {
  leg_from_ = leg_to_ = courier.start;
  leg_start_ = absl::Now();
}

Courier::~Courier() {
  Stop();
}

void Courier::Start() {
  dsp::StartShiftRequest req;
  req.set_request_id(world_.Key("shift:" + courier_.id));
  req.set_cash_on_hand_idr(courier_.cash_on_hand_idr);
  req.mutable_location()->set_lat(courier_.start.lat);
  req.mutable_location()->set_lng(courier_.start.lng);
  dsp::StartShiftResponse resp;
  town::Check(
      Call(token_,
           [&](grpc::ClientContext* c) { return world_.api.couriers().StartShift(c, req, &resp); }),
      "StartShift " + courier_.id);
  started_ = true;
  report_thread_ = std::thread([this] { ReportLoop(); });
  offer_thread_ = std::thread([this] { OfferLoop(); });
  job_thread_ = std::thread([this] { JobLoop(); });
}

void Courier::Cancel(grpc::ClientContext** slot) {
  absl::MutexLock lock(&mu_);
  if (*slot != nullptr) (*slot)->TryCancel();
}

void Courier::Stop() {
  if (stop_.exchange(true)) return;
  Cancel(&offer_stream_);
  Cancel(&report_stream_);
  for (std::thread* t : {&report_thread_, &offer_thread_, &job_thread_}) {
    if (t->joinable()) t->join();
  }
  if (started_) {
    dsp::EndShiftRequest req;
    req.set_request_id(world_.Key("end-shift:" + courier_.id));
    dsp::EndShiftResponse resp;
    (void)Call(
        token_,
        [&](grpc::ClientContext* c) { return world_.api.couriers().EndShift(c, req, &resp); },
        {absl::Seconds(5), 2});  // COURIER_BUSY when a job is left over: fine, day is over
  }
}

geo::LatLng Courier::Position(absl::Time t) const {
  absl::MutexLock lock(&mu_);
  const double travelled = std::max(0.0, absl::ToDoubleSeconds(t - leg_start_)) * speed_;
  return Toward(leg_from_, leg_to_, travelled);
}

void Courier::ReportLoop() {
  const absl::Duration step = world_.clock.Real(world_.config.fix_interval_sim_seconds);
  absl::Time last = absl::Now();
  while (!stop_) {
    grpc::ClientContext ctx;
    town::Prepare(ctx, token_, kStreamLife);
    {
      absl::MutexLock lock(&mu_);
      if (stop_) return;
      report_stream_ = &ctx;
    }
    dsp::ReportLocationsResponse resp;
    auto writer = world_.api.couriers().ReportLocations(&ctx, &resp);
    while (!stop_) {
      SleepUnless(absl::Seconds(1), stop_);
      const absl::Time now = absl::Now();
      // One fix per simulated fix interval since the last, at most 100 per message.
      if (now - last > step * 100) last = now - step * 100;
      dsp::ReportLocationsRequest req;
      for (absl::Time t = last + step; t <= now && req.fixes_size() < 100; t += step) {
        last = t;
        const geo::LatLng p = Position(t);
        dsp::LocationFix* fix = req.add_fixes();
        fix->mutable_location()->set_lat(p.lat);
        fix->mutable_location()->set_lng(p.lng);
        fix->mutable_recorded_at()->set_seconds(absl::ToUnixSeconds(t));
        fix->mutable_recorded_at()->set_nanos(static_cast<int32_t>(
            absl::ToInt64Nanoseconds(t - absl::FromUnixSeconds(absl::ToUnixSeconds(t)))));
        fix->set_accuracy_meters(8);
      }
      if (req.fixes_size() == 0) continue;
      if (!writer->Write(req)) break;
      world_.counters.fixes_sent += req.fixes_size();
    }
    writer->WritesDone();
    const grpc::Status st = writer->Finish();
    {
      absl::MutexLock lock(&mu_);
      report_stream_ = nullptr;
    }
    if (stop_) return;
    if (st.error_code() != grpc::UNAVAILABLE) {
      world_.Note(absl::StrCat("courier ", courier_.id, ": ReportLocations ended: ",
                               Outcome{st, town::ErrorReason(ctx, st), 1}.Describe()));
    }
    SleepUnless(absl::Milliseconds(500), stop_);
  }
}

void Courier::OfferLoop() {
  while (!stop_) {
    grpc::ClientContext ctx;
    town::Prepare(ctx, token_, kStreamLife);
    {
      absl::MutexLock lock(&mu_);
      if (stop_) return;
      offer_stream_ = &ctx;
    }
    auto reader = world_.api.couriers().WatchOffers(&ctx, dsp::WatchOffersRequest());
    dsp::WatchOffersResponse msg;
    while (reader->Read(&msg)) {
      switch (msg.event_case()) {
        case dsp::WatchOffersResponse::kOffer:
          OnOffer(msg.offer());
          break;
        case dsp::WatchOffersResponse::kJobUpdate: {
          const dsp::Job& job = msg.job_update();
          const dsp::JobStatus s = job.status();
          if (s == dsp::JOB_STATUS_ASSIGNED || s == dsp::JOB_STATUS_PICKING_UP ||
              s == dsp::JOB_STATUS_DELIVERING) {
            Take(job);  // e.g. after a reconnect: the job in hand
          } else if (s == dsp::JOB_STATUS_CANCELLED || s == dsp::JOB_STATUS_FAILED) {
            absl::MutexLock lock(&mu_);
            withdrawn_.insert(job.id());
            if (current_job_ == job.id()) abort_job_ = true;
          }
          break;
        }
        case dsp::WatchOffersResponse::kJobWithdrawn: {
          absl::MutexLock lock(&mu_);
          withdrawn_.insert(msg.job_withdrawn().job_id());
          if (current_job_ == msg.job_withdrawn().job_id()) abort_job_ = true;
          break;
        }
        default:
          break;
      }
    }
    const grpc::Status st = reader->Finish();
    {
      absl::MutexLock lock(&mu_);
      offer_stream_ = nullptr;
    }
    if (stop_) return;
    if (st.error_code() != grpc::UNAVAILABLE) {
      world_.Note(absl::StrCat("courier ", courier_.id, ": WatchOffers ended: ",
                               Outcome{st, town::ErrorReason(ctx, st), 1}.Describe()));
    }
    SleepUnless(absl::Milliseconds(500), stop_);
  }
}

void Courier::OnOffer(const dsp::Offer& offer) {
  {
    absl::MutexLock lock(&mu_);
    if (!offers_seen_.insert(offer.offer_id()).second) return;
  }
  ++world_.counters.offers_seen;
  scheduler_.After(absl::ZeroDuration(), [this, offer] {
    const int index = IndexOrHash(OrderIndex(world_, offer.job().order_id()), offer.job().id());
    const OfferPlan plan = PlanOffer(world_.config, courier_.id, index);
    scheduler_.After(world_.clock.Real(plan.think_sim_seconds), [this, offer] { Answer(offer); });
  });
}

void Courier::Answer(const dsp::Offer& offer) {
  if (stop_) return;
  const int index = IndexOrHash(OrderIndex(world_, offer.job().order_id()), offer.job().id());
  const OfferPlan plan = PlanOffer(world_.config, courier_.id, index);
  if (plan.decline) {
    dsp::DeclineOfferRequest req;
    req.set_request_id(world_.Key("decline:" + offer.offer_id()));
    req.set_offer_id(offer.offer_id());
    req.set_reason(plan.reason);
    req.set_note("maaf");
    dsp::DeclineOfferResponse resp;
    const Outcome out = Call(token_, [&](grpc::ClientContext* c) {
      return world_.api.couriers().DeclineOffer(c, req, &resp);
    });
    if (out.ok()) {
      ++world_.counters.offers_declined;
    } else if (out.reason != "OFFER_EXPIRED") {
      world_.Note(absl::StrCat("courier ", courier_.id, ": DeclineOffer: ", out.Describe()));
    }
    return;
  }
  dsp::AcceptOfferRequest req;
  req.set_request_id(world_.Key("accept:" + offer.offer_id()));
  req.set_offer_id(offer.offer_id());
  dsp::AcceptOfferResponse resp;
  const Outcome out = Call(token_, [&](grpc::ClientContext* c) {
    return world_.api.couriers().AcceptOffer(c, req, &resp);
  });
  if (out.ok()) {
    if (offer.trip_jobs_size() > 1) {
      TakeTrip({offer.trip_jobs().begin(), offer.trip_jobs().end()});
    } else {
      Take(resp.job());
    }
  } else if (out.reason != "OFFER_EXPIRED") {
    world_.Note(absl::StrCat("courier ", courier_.id, ": AcceptOffer: ", out.Describe()));
  }
}

void Courier::Take(const dsp::Job& job) {
  absl::MutexLock lock(&mu_);
  if (!jobs_taken_.insert(job.id()).second) return;
  queue_.push_back({job});
}

void Courier::TakeTrip(const std::vector<dsp::Job>& jobs) {
  absl::MutexLock lock(&mu_);
  std::vector<dsp::Job> trip;
  for (const dsp::Job& job : jobs) {
    if (jobs_taken_.insert(job.id()).second) trip.push_back(job);
  }
  if (!trip.empty()) queue_.push_back(std::move(trip));
}

void Courier::JobLoop() {
  while (!stop_) {
    std::vector<dsp::Job> trip;
    {
      absl::MutexLock lock(&mu_);
      auto ready = [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) { return stop_ || !queue_.empty(); };
      mu_.AwaitWithTimeout(absl::Condition(&ready), absl::Milliseconds(200));
      if (queue_.empty()) continue;
      trip = std::move(queue_.front());
      queue_.pop_front();
      current_job_ = trip.front().id();
      abort_job_ = false;
    }
    busy_ = true;
    if (trip.size() == 1) {
      DoJob(std::move(trip.front()));
    } else {
      DoTrip(std::move(trip));
    }
    busy_ = false;
    absl::MutexLock lock(&mu_);
    current_job_.clear();
  }
}

bool Courier::Ride(geo::LatLng to) {
  absl::Duration duration;
  {
    absl::MutexLock lock(&mu_);
    const absl::Time now = absl::Now();
    const double travelled = std::max(0.0, absl::ToDoubleSeconds(now - leg_start_)) * speed_;
    leg_from_ = Toward(leg_from_, leg_to_, travelled);
    leg_to_ = to;
    leg_start_ = now;
    duration = absl::Seconds(geo::DistanceMeters(leg_from_, to) / speed_);
  }
  const absl::Time arrive = absl::Now() + duration;
  while (!Interrupted() && absl::Now() < arrive) {
    absl::SleepFor(std::min(absl::Milliseconds(100), arrive - absl::Now()));
  }
  if (!Interrupted()) return true;
  // Stop where we are.
  const absl::Time now = absl::Now();
  const geo::LatLng here = Position(now);
  absl::MutexLock lock(&mu_);
  leg_from_ = leg_to_ = here;
  leg_start_ = now;
  return false;
}

bool Courier::Pause(double sim_seconds) {
  const absl::Time until = absl::Now() + world_.clock.Real(sim_seconds);
  while (!Interrupted() && absl::Now() < until) {
    absl::SleepFor(std::min(absl::Milliseconds(100), until - absl::Now()));
  }
  return !Interrupted();
}

bool Courier::StillMine(const dsp::Job& job) {
  dsp::GetCurrentJobResponse resp;
  const Outcome out = Call(token_, [&](grpc::ClientContext* c) {
    return world_.api.couriers().GetCurrentJob(c, dsp::GetCurrentJobRequest(), &resp);
  });
  if (!out.ok()) return true;  // cannot tell: keep going
  if (!resp.has_job()) return false;
  if (resp.job().id() == job.id()) return true;
  // A later job of a stacked trip: the current job is the trip's first undelivered one.
  absl::MutexLock lock(&mu_);
  return !job.bundle_id().empty() && resp.job().bundle_id() == job.bundle_id() &&
         !withdrawn_.contains(job.id());
}

void Courier::DoJob(dsp::Job job) {
  if (!Ride({job.pickup().lat(), job.pickup().lng()})) return;
  std::map<std::string, std::string> codes;  // ticket -> the stall's code (for a return)
  if (!PickUp(job, codes)) return;
  Deliver(job, codes);
}

void Courier::DoTrip(std::vector<dsp::Job> jobs) {
  if (!Ride({jobs.front().pickup().lat(), jobs.front().pickup().lng()})) return;
  std::map<std::string, std::string> codes;
  // When each order's own tickets were all on board: it could have left then, alone.
  std::map<std::string, absl::Time> ready;
  std::vector<dsp::Job> carried;
  // The trip's story in town seconds since the courier reached the market, printed when an
  // order of it is past the bound (where the time went).
  const absl::Time at_market = absl::Now();
  const double speedup = world_.config.speedup;
  const auto since = [&](absl::Time t) { return absl::ToDoubleSeconds(t - at_market) * speedup; };
  std::string story;
  for (dsp::Job& job : jobs) {
    {
      absl::MutexLock lock(&mu_);
      current_job_ = job.id();
      abort_job_ = false;
    }
    const absl::Time from = absl::Now();
    const int stalls = job.stops_size();
    if (PickUp(job, codes)) {
      ready[job.id()] = absl::Now();
      carried.push_back(job);
      absl::StrAppendFormat(&story, " | %s: %d stall(s) %.0f..%.0f s", job.order_id(), stalls,
                            since(from), since(ready[job.id()]));
    } else if (stop_) {
      return;
    } else {
      absl::StrAppendFormat(&story, " | %s: not picked up (%.0f s)", job.order_id(),
                            since(absl::Now()));
    }
  }
  bool past = false;
  const double bound_s = world_.config.stacking_minutes * 60.0;
  std::vector<dsp::Job> to_return;  // failed drop-offs: their goods go back after the last one
  failed_door_time_ = absl::ZeroDuration();
  for (const dsp::Job& job : carried) {
    {
      absl::MutexLock lock(&mu_);
      current_job_ = job.id();
      abort_job_ = false;
    }
    if (!Deliver(job, codes, &to_return)) {
      if (stop_) return;
      continue;
    }
    if (carried.size() < 2) continue;
    // Its solo delivery: from its own tickets on board, the ride market -> drop-off and the
    // stop at the door; the delay in town seconds.
    const geo::LatLng market{job.pickup().lat(), job.pickup().lng()};
    const geo::LatLng drop{job.drop_off().lat(), job.drop_off().lng()};
    const double solo_s = geo::DistanceMeters(market, drop) / speed_ * speedup + 30;
    const double took_s = absl::ToDoubleSeconds(absl::Now() - ready[job.id()]) * speedup;
    // The bound is the plan's promise: the time the courier spent at earlier doors of the trip
    // where nobody answered is not the plan's and is taken out; an order late only because of
    // it is counted on its own (stacked_late_after_failure), not as past the bound.
    const double door_s = absl::ToDoubleSeconds(failed_door_time_) * speedup;
    const double delay_s = took_s - solo_s - door_s;
    ++world_.counters.stacked_orders;
    absl::StrAppendFormat(
        &story, " | %s delivered at %.0f s: solo %.0f s, failed doors %.0f s, delay %.0f s",
        job.order_id(), since(absl::Now()), solo_s, door_s, delay_s);
    if (delay_s > bound_s) {
      ++world_.counters.stacked_past_bound;
      past = true;
    } else if (delay_s + door_s > bound_s) {
      ++world_.counters.stacked_late_after_failure;
    }
    const auto delay_ms = static_cast<int64_t>(delay_s * 1000);
    int64_t seen = world_.counters.stacked_max_delay_ms.load();
    while (delay_ms > seen &&
           !world_.counters.stacked_max_delay_ms.compare_exchange_weak(seen, delay_ms)) {
    }
  }
  if (past) {
    world_.Note(absl::StrCat("courier ", courier_.id, ": stacked order past the bound",
                             absl::StrFormat(" (%.0f s); trip from the market on:", bound_s),
                             story));
  }
  // Every drop-off done: the failed ones' goods back to their stalls.
  for (const dsp::Job& job : to_return) {
    {
      absl::MutexLock lock(&mu_);
      current_job_ = job.id();
      abort_job_ = false;
    }
    ReturnGoods(job, codes);
    if (stop_) return;
  }
}

bool Courier::PickUp(dsp::Job& job, std::map<std::string, std::string>& codes) {
  for (const dsp::JobStop& stop : job.stops()) {
    if (stop.picked_up()) continue;
    if (!Pause(60)) return false;  // find the stall inside the market
    // Wait at the stall until the trader has packed the goods and tells the code; check now
    // and then that the job is still ours (a missed withdrawal must not keep us here).
    std::optional<std::string> code;
    const absl::Time give_up = absl::Now() + world_.config.drain_timeout;
    while (!code && !Interrupted() && absl::Now() < give_up) {
      code = world_.handover.Await(stop.ticket_id(), absl::Now() + absl::Seconds(3), abort_job_);
      if (!code && !StillMine(job)) return false;
    }
    if (!code) return false;
    codes[stop.ticket_id()] = *code;
    dsp::ConfirmPickupRequest req;
    req.set_request_id(world_.Key("pickup:" + stop.ticket_id()));
    req.set_job_id(job.id());
    req.set_ticket_id(stop.ticket_id());
    req.set_pickup_code(*code);
    req.set_paid_to_trader_idr(stop.amount_idr());
    dsp::ConfirmPickupResponse resp;
    const Outcome out = Call(token_, [&](grpc::ClientContext* c) {
      return world_.api.couriers().ConfirmPickup(c, req, &resp);
    });
    if (!out.ok()) {
      if (out.reason != "INVALID_TRANSITION" && out.reason != "ORDER_CANCELLED") {
        world_.Note(absl::StrCat("courier ", courier_.id, ": ConfirmPickup: ", out.Describe()));
      }
      return false;
    }
    job = resp.job();
  }
  return true;
}

bool Courier::Deliver(const dsp::Job& job, const std::map<std::string, std::string>& codes,
                      std::vector<dsp::Job>* to_return) {
  if (!Ride({job.drop_off().lat(), job.drop_off().lng()})) return false;
  if (!Pause(30)) return false;  // park, ring the bell
  // The customer reads the PIN from their app and tells it.
  auto placed = world_.orders.Find(job.order_id());
  if (!placed) {
    world_.Note(absl::StrCat("courier ", courier_.id, ": no customer for order ", job.order_id()));
    return false;
  }
  if (PlanAbsent(world_.config, placed->index)) {
    if (!FailAtDoor(job)) return false;
    if (to_return != nullptr) {
      to_return->push_back(job);
    } else {
      ReturnGoods(job, codes);
    }
    return false;
  }
  ord::GetOrderRequest get;
  get.set_order_id(job.order_id());
  ord::GetOrderResponse order;
  const Outcome seen = Call(placed->token, [&](grpc::ClientContext* c) {
    return world_.api.orders().GetOrder(c, get, &order);
  });
  if (!seen.ok()) {
    world_.Note(absl::StrCat("customer ", placed->index, ": GetOrder: ", seen.Describe()));
    return false;
  }
  dsp::ConfirmDeliveryRequest req;
  req.set_request_id(world_.Key("deliver:" + job.id()));
  req.set_job_id(job.id());
  req.set_delivery_pin(order.order().delivery_pin());
  req.set_cash_collected_idr(job.cash_to_collect_idr());
  dsp::ConfirmDeliveryResponse resp;
  const Outcome out = Call(token_, [&](grpc::ClientContext* c) {
    return world_.api.couriers().ConfirmDelivery(c, req, &resp);
  });
  if (out.ok()) {
    ++deliveries_;
    return true;
  }
  world_.Note(absl::StrCat("courier ", courier_.id, ": ConfirmDelivery: ", out.Describe()));
  return false;
}

bool Courier::FailAtDoor(const dsp::Job& job) {
  const absl::Time first_ring = absl::Now();
  struct AtDoor {  // however the wait ends, it was spent at this door
    Courier& courier;
    absl::Time since;
    ~AtDoor() { courier.failed_door_time_ += absl::Now() - since; }
  } at_door{*this, first_ring};
  // Ring, call, wait: the market's rule (kSimFailureAttempts attempts) before declaring.
  for (int i = 0; i < kSimFailureAttempts; ++i) {
    dsp::ReportDeliveryAttemptRequest req;
    req.set_request_id(world_.Key(absl::StrCat("attempt:", job.id(), ":", i)));
    req.set_job_id(job.id());
    req.set_outcome(dsp::DELIVERY_ATTEMPT_OUTCOME_NO_ANSWER);
    *req.mutable_location() = job.drop_off();
    dsp::ReportDeliveryAttemptResponse resp;
    const Outcome out = Call(token_, [&](grpc::ClientContext* c) {
      return world_.api.couriers().ReportDeliveryAttempt(c, req, &resp);
    });
    if (!out.ok()) {
      world_.Note(
          absl::StrCat("courier ", courier_.id, ": ReportDeliveryAttempt: ", out.Describe()));
      return false;
    }
    ++world_.counters.delivery_attempts;
    if (!Pause(60)) return false;
  }
  dsp::DeclareDeliveryFailedRequest declare;
  declare.set_request_id(world_.Key("declare-failed:" + job.id()));
  declare.set_job_id(job.id());
  dsp::DeclareDeliveryFailedResponse declared;
  const Outcome failed = Call(token_, [&](grpc::ClientContext* c) {
    return world_.api.couriers().DeclareDeliveryFailed(c, declare, &declared);
  });
  if (!failed.ok()) {
    world_.Note(
        absl::StrCat("courier ", courier_.id, ": DeclareDeliveryFailed: ", failed.Describe()));
    return false;
  }
  return true;
}

void Courier::ReturnGoods(const dsp::Job& job, const std::map<std::string, std::string>& codes) {
  // Back to the market, stall by stall: the stall's code and the trader's refund.
  if (!Ride({job.pickup().lat(), job.pickup().lng()})) return;
  for (const dsp::JobStop& stop : job.stops()) {
    if (!Pause(60)) return;
    const auto code = codes.find(stop.ticket_id());
    if (code == codes.end()) continue;
    dsp::ConfirmReturnRequest req;
    req.set_request_id(world_.Key("return:" + stop.ticket_id()));
    req.set_job_id(job.id());
    req.set_ticket_id(stop.ticket_id());
    req.set_stall_code(code->second);
    req.set_refunded_idr(stop.amount_idr());
    dsp::ConfirmReturnResponse resp;
    const Outcome out = Call(token_, [&](grpc::ClientContext* c) {
      return world_.api.couriers().ConfirmReturn(c, req, &resp);
    });
    if (!out.ok()) {
      world_.Note(absl::StrCat("courier ", courier_.id, ": ConfirmReturn: ", out.Describe()));
    }
  }
}

}  // namespace pasar::sim
