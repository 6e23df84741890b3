#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <iostream>
#include <memory>
#include <optional>
#include <random>
#include <stdexcept>
#include <thread>

#include <nlohmann/json.hpp>

#include "google/protobuf/util/time_util.h"

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/time/clock.h"
#include "actors.h"
#include "plan.h"
#include "programme.h"
#include "sim.h"
#include "world.h"

namespace pasar::sim {
namespace {

namespace inv = pasar::inventory::v1;
namespace ord = pasar::order::v1;
namespace dsp = pasar::dispatch::v1;
using google::protobuf::util::TimeUtil;
using town::Call;
using town::Outcome;

absl::Time FromProto(const google::protobuf::Timestamp& t) {
  return absl::FromUnixSeconds(t.seconds()) + absl::Nanoseconds(t.nanos());
}
bool Set(const google::protobuf::Timestamp& t) {
  return t.seconds() != 0 || t.nanos() != 0;
}

bool Final(ord::OrderStatus s) {
  return s == ord::ORDER_STATUS_DELIVERED || s == ord::ORDER_STATUS_CANCELLED ||
         s == ord::ORDER_STATUS_RETURNED;
}

std::string ReasonName(ord::CancelReason r) {
  std::string name = ord::CancelReason_Name(r);
  constexpr std::string_view kPrefix = "CANCEL_REASON_";
  if (name.rfind(kPrefix, 0) == 0) name = name.substr(kPrefix.size());
  return absl::AsciiStrToLower(name);
}

Percentiles Summarise(std::vector<double> values) {
  Percentiles p;
  p.count = static_cast<int64_t>(values.size());
  if (values.empty()) return p;
  std::sort(values.begin(), values.end());
  auto rank = [&](double q) {  // nearest rank
    const size_t i = static_cast<size_t>(std::ceil(q * static_cast<double>(values.size())));
    return values[std::min(values.size() - 1, i == 0 ? 0 : i - 1)];
  };
  p.p50 = rank(0.50);
  p.p99 = rank(0.99);
  return p;
}

std::string RandomRunId() {
  std::random_device rd;
  return absl::StrFormat("%06x", rd() & 0xffffff);
}

struct StockLevel {
  int64_t stock = 0;
  int64_t reserved = 0;
};

// Every product of the town's markets as the catalog shows it now, by product id.
std::map<std::string, StockLevel> ReadStock(World& world, const std::string& token) {
  std::map<std::string, StockLevel> out;
  for (const town::Market& m : world.config.town.markets) {
    inv::ListProductsRequest req;
    req.set_market_id(world.seeded.id(m.id));
    req.set_page_size(100);
    do {
      inv::ListProductsResponse resp;
      town::Check(Call(token,
                       [&](grpc::ClientContext* c) {
                         return world.api.catalog().ListProducts(c, req, &resp);
                       }),
                  "ListProducts");
      for (const inv::Product& p : resp.products())
        out[p.id()] = {p.stock(), p.reserved()};
      req.set_page_token(resp.next_page_token());
    } while (!req.page_token().empty());
  }
  return out;
}

// FNV-1a over (customer index, cart) of every placed order, in customer order: two runs with
// the same seed place the same orders exactly when their digests are equal.
std::string CartsDigest(World& world) {
  std::vector<int> indices;
  for (const auto& placed : world.orders.All())
    indices.push_back(placed->index);
  std::sort(indices.begin(), indices.end());
  uint64_t h = 0xcbf29ce484222325ULL;
  auto add = [&](std::string_view text) {
    for (unsigned char c : text) {
      h ^= c;
      h *= 0x100000001b3ULL;
    }
  };
  for (int i : indices) {
    const CustomerPlan plan = PlanCustomer(world.config.town, world.config, i);
    add(absl::StrCat("#", i, "@", plan.market));
    for (const CartItem& item : plan.cart)
      add(absl::StrCat(";", item.product, "x", item.quantity));
  }
  return absl::StrFormat("%016x", h);
}

// Follows every order as its customer's app would (GetOrder), for the live progress line and
// to know when the day has drained.
class Tracker final {
 public:
  explicit Tracker(World& world) : world_(world) {}

  // Refreshes the orders not yet final; returns how many are still open.
  int Refresh() {
    int open = 0;
    for (const auto& placed : world_.orders.All()) {
      {
        absl::MutexLock lock(&placed->mu);
        if (placed->terminal) continue;
      }
      ord::GetOrderRequest req;
      req.set_order_id(placed->id);
      ord::GetOrderResponse resp;
      const Outcome out =
          Call(placed->token,
               [&](grpc::ClientContext* c) { return world_.api.orders().GetOrder(c, req, &resp); },
               {absl::Seconds(5), 2});
      absl::MutexLock lock(&placed->mu);
      if (out.ok()) {
        placed->last = resp.order();
        placed->terminal = Final(resp.order().status());
      }
      if (!placed->terminal) ++open;
    }
    return open;
  }

  std::string Line(const std::vector<std::unique_ptr<Courier>>& couriers) const {
    int64_t confirmed = 0, assigned = 0, delivered = 0, cancelled = 0;
    for (const auto& placed : world_.orders.All()) {
      absl::MutexLock lock(&placed->mu);
      const ord::Order& o = placed->last;
      if (Set(o.confirmed_at())) ++confirmed;
      if (o.has_courier() || o.status() == ord::ORDER_STATUS_DELIVERED) ++assigned;
      if (o.status() == ord::ORDER_STATUS_DELIVERED) ++delivered;
      if (o.status() == ord::ORDER_STATUS_CANCELLED) ++cancelled;
    }
    int busy = 0;
    for (const auto& c : couriers)
      busy += c->busy() ? 1 : 0;
    const absl::Time now = absl::Now();
    const int64_t sim = static_cast<int64_t>(world_.clock.SimSeconds(now));
    return absl::StrFormat(
        "[town +%d:%02d:%02d x%g | real %ds] placed %d confirmed %d assigned %d delivered %d "
        "cancelled %d | couriers busy %d/%d",
        sim / 3600, sim / 60 % 60, sim % 60, world_.config.speedup,
        static_cast<int>(absl::ToDoubleSeconds(now - world_.clock.start)),
        world_.counters.placed.load(), confirmed, assigned, delivered, cancelled, busy,
        static_cast<int>(couriers.size()));
  }

 private:
  World& world_;
};

// One job held by one courier from `start` to `end`.
struct Holding {
  absl::Time start;
  absl::Time end;
  std::string job;
  std::string bundle;  // the stacked trip it was carried in ("" alone)
};

// The services agree on every final order, each asked for its own part: the order service
// (the order), dispatch (GetJob) and inventory (GetReservation, as the order service would).
void CheckServicesAgree(World& world, const std::vector<ord::Order>& orders, const std::string& op,
                        SimReport& r) {
  const auth::Principal auditor{"pasar-sim-audit", auth::Role::kService, {}};
  std::string service;
  if (world.config.service_key_file.empty()) {
    service = world.api.Token(auditor);
  } else {
    auth::JwtConfig jwt = world.api.jwt();
    jwt.secret.clear();
    jwt.private_key_file = world.config.service_key_file;
    jwt.key_id.clear();
    service = auth::Mint(jwt, auditor);
  }
  r.services_agree = true;
  auto disagree = [&](const ord::Order& o, const std::string& what) {
    r.services_agree = false;
    r.problems.emplace(
        "services_agree",
        absl::StrCat("order ", o.id(), " ", ord::OrderStatus_Name(o.status()), ": ", what));
  };
  for (const ord::Order& o : orders) {
    if (!Final(o.status())) continue;  // all_terminal says so
    const bool delivered = o.status() == ord::ORDER_STATUS_DELIVERED;
    // A returned order was sold and its goods came back: its job RETURNED, its stock committed.
    const bool returned = o.status() == ord::ORDER_STATUS_RETURNED;
    dsp::GetJobRequest job_req;
    job_req.set_job_id(o.id());
    dsp::GetJobResponse job;
    const Outcome jo = Call(op, [&](grpc::ClientContext* c) {
      return world.api.dispatch_ops().GetJob(c, job_req, &job);
    });
    if (jo.ok()) {
      const dsp::JobStatus s = job.job().status();
      if (delivered && s != dsp::JOB_STATUS_DELIVERED) {
        disagree(o, "its job is " + dsp::JobStatus_Name(s));
      }
      if (returned && s != dsp::JOB_STATUS_RETURNED) {
        disagree(o, "its job is " + dsp::JobStatus_Name(s));
      }
      if (!delivered && !returned && s != dsp::JOB_STATUS_CANCELLED &&
          s != dsp::JOB_STATUS_FAILED) {
        disagree(o, "its job is still " + dsp::JobStatus_Name(s));
      }
    } else if (jo.code() != grpc::NOT_FOUND || delivered || returned) {
      // NOT_FOUND is right only for a cancelled order that never became a job.
      disagree(o, "GetJob: " + jo.Describe());
    }
    if (o.reservation_id().empty()) {
      disagree(o, "no reservation id");
      continue;
    }
    inv::GetReservationRequest res_req;
    res_req.set_reservation_id(o.reservation_id());
    inv::GetReservationResponse res;
    // Inventory settles by events: give it a few seconds to commit or release.
    inv::ReservationState state = inv::RESERVATION_STATE_UNSPECIFIED;
    const inv::ReservationState want_cancelled =
        Set(o.confirmed_at()) ? inv::RESERVATION_STATE_COMMITTED : inv::RESERVATION_STATE_RELEASED;
    std::string problem;
    for (int attempt = 0; attempt < 20; ++attempt) {
      const Outcome ro = Call(service, [&](grpc::ClientContext* c) {
        return world.api.stock().GetReservation(c, res_req, &res);
      });
      if (!ro.ok()) {
        problem = "GetReservation: " + ro.Describe();
        break;
      }
      state = res.reservation().state();
      const bool ok = delivered || returned
                          ? state == inv::RESERVATION_STATE_COMMITTED
                          : (state == want_cancelled ||
                             (!Set(o.confirmed_at()) && state == inv::RESERVATION_STATE_EXPIRED));
      problem = ok ? "" : "its reservation is " + inv::ReservationState_Name(state);
      if (ok) break;
      absl::SleepFor(absl::Milliseconds(500));
    }
    if (!problem.empty()) disagree(o, problem);
  }
}

void CheckCourierCash(World& world, const std::vector<ord::Order>& orders, const std::string& op,
                      SimReport& r);

void CheckInvariants(World& world, const std::map<std::string, StockLevel>& before,
                     const std::string& observer, const std::string& op, SimReport& r) {
  // An invariant that could not be checked is false, its problem saying why: an order that
  // could not be read leaves its ledger, its stock and its courier unchecked.
  const auto not_checked = [&r](bool& invariant, const std::string& name, const std::string& why) {
    invariant = false;
    r.problems.emplace(name, "not checked: " + why);
  };
  int64_t unread = 0;

  // Final state of every order, as its customer sees it.
  std::vector<ord::Order> orders;
  r.all_terminal = true;
  for (const auto& placed : world.orders.All()) {
    ord::GetOrderRequest req;
    req.set_order_id(placed->id);
    ord::GetOrderResponse resp;
    const Outcome out = Call(placed->token, [&](grpc::ClientContext* c) {
      return world.api.orders().GetOrder(c, req, &resp);
    });
    if (!out.ok()) {
      r.all_terminal = false;
      ++unread;
      r.problems.emplace("all_terminal",
                         absl::StrCat("GetOrder ", placed->id, ": ", out.Describe()));
      continue;
    }
    const ord::Order& o = resp.order();
    orders.push_back(o);
    if (!Final(o.status())) {
      r.all_terminal = false;
      r.problems.emplace("all_terminal",
                         absl::StrCat("order ", o.id(), " is ", ord::OrderStatus_Name(o.status())));
    }
  }

  // Ledger: postings sum to zero; after delivery everyone got what they are owed.
  r.ledger_balanced = true;
  auto ledger_problem = [&](const ord::Order& o, const std::string& what) {
    r.ledger_balanced = false;
    r.problems.emplace("ledger_balanced", absl::StrCat("order ", o.id(), ": ", what));
  };
  for (const ord::Order& o : orders) {
    int64_t sum = 0;
    std::map<ord::LedgerParty, int64_t> net;
    for (const ord::LedgerEntry& e : o.ledger().entries()) {
      sum += e.amount_idr();
      net[e.party()] += e.amount_idr();
    }
    if (!o.ledger().balanced()) ledger_problem(o, "the service says unbalanced");
    if (sum != 0) ledger_problem(o, absl::StrCat("postings sum to ", sum));
    if (o.status() == ord::ORDER_STATUS_DELIVERED) {
      // The customer paid the total less a programme's benefit (owed by the programme).
      if (net[ord::LEDGER_PARTY_CUSTOMER] != -o.amount_due_idr() ||
          net[ord::LEDGER_PARTY_PROGRAMME] != o.amount_due_idr() - o.total_idr()) {
        ledger_problem(
            o, absl::StrCat("customer paid ", -net[ord::LEDGER_PARTY_CUSTOMER], ", programme owes ",
                            -net[ord::LEDGER_PARTY_PROGRAMME], ", total is ", o.total_idr()));
      }
      if (net[ord::LEDGER_PARTY_TRADER] != o.goods_total_idr()) {
        ledger_problem(o, absl::StrCat("traders got ", net[ord::LEDGER_PARTY_TRADER],
                                       ", goods total is ", o.goods_total_idr()));
      }
      if (net[ord::LEDGER_PARTY_COURIER] != o.delivery_fee_idr()) {
        ledger_problem(o, absl::StrCat("courier kept ", net[ord::LEDGER_PARTY_COURIER],
                                       ", delivery fee is ", o.delivery_fee_idr()));
      }
    }
    if (o.status() == ord::ORDER_STATUS_RETURNED &&
        net[ord::LEDGER_PARTY_COURIER] != o.delivery_fee_idr()) {
      // A failed trip still earns the delivery fee: the failure fee and the compensation.
      ledger_problem(
          o, absl::StrCat("courier of a returned order is owed ", net[ord::LEDGER_PARTY_COURIER],
                          ", delivery fee is ", o.delivery_fee_idr()));
    }
  }
  const std::string unread_orders = absl::StrCat(unread, " orders could not be read (GetOrder)");
  if (unread > 0) not_checked(r.ledger_balanced, "ledger_balanced", unread_orders);

  // Stock: what was there = what is there + what confirmed orders took (accepted lines' final
  // quantities; inventory commits them at confirmation). Inventory settles by events, so give
  // it a few seconds to release and commit everything.
  std::map<std::string, int64_t> sold;
  for (const ord::Order& o : orders) {
    if (!Set(o.confirmed_at())) continue;
    for (const ord::Ticket& t : o.tickets()) {
      for (const ord::TicketLine& l : t.lines()) {
        if (l.status() == ord::LINE_STATUS_ACCEPTED) sold[l.product_id()] += l.final_quantity();
      }
    }
  }
  std::string stock_problem;
  for (int attempt = 0; attempt < 20; ++attempt) {
    const std::map<std::string, StockLevel> after = ReadStock(world, observer);
    stock_problem.clear();
    for (const auto& [id, b] : before) {
      auto it = after.find(id);
      const StockLevel a = it == after.end() ? StockLevel{} : it->second;
      const int64_t s = sold.count(id) ? sold.at(id) : 0;
      if (a.reserved != 0 || b.stock + b.reserved != a.stock + s) {
        stock_problem =
            absl::StrFormat("product %s (%s): before %d (+%d held), now %d (+%d held), sold %d", id,
                            world.Slug(id), b.stock, b.reserved, a.stock, a.reserved, s);
        break;
      }
    }
    if (stock_problem.empty()) break;
    absl::SleepFor(absl::Milliseconds(500));
  }
  r.stock_conserved = stock_problem.empty();
  if (!r.stock_conserved) r.problems.emplace("stock_conserved", stock_problem);
  if (unread > 0) not_checked(r.stock_conserved, "stock_conserved", unread_orders);

  // Couriers: dispatch's jobs (GetJob) never overlap for one courier. A cancelled job ends when
  // its order was cancelled.
  std::map<std::string, std::vector<Holding>> by_courier;
  std::vector<double> assign_ms, deliver_ms;
  absl::Duration busy;
  std::string unread_job;
  for (const ord::Order& o : orders) {
    if (o.status() == ord::ORDER_STATUS_DELIVERED && Set(o.delivered_at())) {
      deliver_ms.push_back(
          absl::ToDoubleMilliseconds(FromProto(o.delivered_at()) - FromProto(o.created_at())));
    }
    if (!Set(o.confirmed_at())) continue;
    dsp::GetJobRequest req;
    req.set_job_id(o.id());
    dsp::GetJobResponse resp;
    const Outcome out = Call(
        op, [&](grpc::ClientContext* c) { return world.api.dispatch_ops().GetJob(c, req, &resp); });
    if (!out.ok()) {
      if (out.code() != grpc::NOT_FOUND || o.status() != ord::ORDER_STATUS_CANCELLED) {
        if (unread_job.empty()) unread_job = absl::StrCat("GetJob ", o.id(), ": ", out.Describe());
      }
      continue;
    }
    const dsp::Job& job = resp.job();
    if (o.has_courier() && Set(o.courier().assigned_at())) {
      assign_ms.push_back(absl::ToDoubleMilliseconds(FromProto(o.courier().assigned_at()) -
                                                     FromProto(o.confirmed_at())));
    } else if (Set(job.assigned_at())) {
      assign_ms.push_back(
          absl::ToDoubleMilliseconds(FromProto(job.assigned_at()) - FromProto(o.confirmed_at())));
    }
    if (job.courier_id().empty() || !Set(job.assigned_at())) continue;
    Holding h{FromProto(job.assigned_at()), absl::InfiniteFuture(), job.id(), job.bundle_id()};
    if (Set(job.delivered_at())) {
      h.end = FromProto(job.delivered_at());
    } else if (o.status() == ord::ORDER_STATUS_RETURNED && Set(job.finished_at())) {
      h.end = FromProto(job.finished_at());  // the goods all back: the courier is free
    } else if (o.status() == ord::ORDER_STATUS_CANCELLED && Set(o.cancelled_at())) {
      h.end = FromProto(o.cancelled_at());
    }
    if (h.end != absl::InfiniteFuture()) busy += h.end - h.start;
    by_courier[job.courier_id()].push_back(h);
  }
  r.no_double_assignment = true;
  for (auto& [courier, holdings] : by_courier) {
    std::sort(holdings.begin(), holdings.end(),
              [](const Holding& a, const Holding& b) { return a.start < b.start; });
    // Jobs of one stacked trip overlap by design; any other overlap is a double assignment.
    // (Sorted by start, a job overlapping an earlier one overlaps the latest-ending of them.)
    for (size_t i = 1; i < holdings.size(); ++i) {
      const Holding* before = nullptr;
      for (size_t k = 0; k < i; ++k) {
        if (holdings[k].bundle.empty() || holdings[k].bundle != holdings[i].bundle) {
          if (before == nullptr || holdings[k].end > before->end) before = &holdings[k];
        }
      }
      if (before == nullptr) continue;
      if (holdings[i].start < before->end) {
        r.no_double_assignment = false;
        r.problems.emplace("no_double_assignment",
                           absl::StrCat("courier ", courier, " held ", before->job, " and ",
                                        holdings[i].job, " at once"));
      }
    }
  }
  if (!unread_job.empty()) not_checked(r.no_double_assignment, "no_double_assignment", unread_job);
  if (unread > 0) not_checked(r.no_double_assignment, "no_double_assignment", unread_orders);
  CheckServicesAgree(world, orders, op, r);
  if (unread > 0) not_checked(r.services_agree, "services_agree", unread_orders);
  CheckCourierCash(world, orders, op, r);
  if (unread > 0) not_checked(r.courier_cash_balanced, "courier_cash_balanced", unread_orders);
  CheckProgramme(world, orders, r);
  if (unread > 0 && r.programme.run) {
    r.programme.balanced = false;
    r.problems.emplace("programme_balanced", "not checked: " + unread_orders);
  }
  r.assign_ms = Summarise(assign_ms);
  r.deliver_ms = Summarise(deliver_ms);
  const double shift_seconds = static_cast<double>(r.couriers) * std::max(1.0, r.wall_seconds);
  r.utilisation = absl::ToDoubleSeconds(busy) / shift_seconds;

  for (const ord::Order& o : orders) {
    if (Set(o.confirmed_at())) ++r.confirmed;
    if (o.has_courier() || o.status() == ord::ORDER_STATUS_DELIVERED) ++r.assigned;
    if (o.status() == ord::ORDER_STATUS_DELIVERED) ++r.delivered;
    if (o.status() == ord::ORDER_STATUS_CANCELLED) ++r.cancelled[ReasonName(o.cancel_reason())];
    if (o.status() == ord::ORDER_STATUS_DELIVERY_FAILED ||
        o.status() == ord::ORDER_STATUS_RETURNED) {
      ++r.exceptions.failed;
    }
    if (o.status() == ord::ORDER_STATUS_RETURNED) ++r.exceptions.returned;
    if (o.cancellation().state() == ord::CANCELLATION_STATE_REFUSED) ++r.cancel_too_late;
    for (const ord::Ticket& t : o.tickets()) {
      if (t.status() == ord::TICKET_STATUS_EXPIRED) ++r.tickets_expired;
    }
  }
}

// Sets every market of the town to `config.policy` for the day.
void SetPolicy(town::Api& api, const SimConfig& config, const town::Seeded& seeded,
               const std::string& run_id) {
  const std::string name = config.policy.empty() ? "exact" : config.policy;
  const std::optional<dsp::MatchingPolicy> policy =
      name == "exact"    ? std::optional(dsp::MATCHING_POLICY_EXACT)
      : name == "greedy" ? std::optional(dsp::MATCHING_POLICY_GREEDY)
                         : std::nullopt;
  if (!policy) throw std::invalid_argument("--policy must be exact or greedy");
  const std::string op = api.Token(auth::Role::kOperator, "pasar-sim");
  for (const town::Market& m : config.town.markets) {
    dsp::SetMarketDispatchRequest req;
    req.set_request_id(
        absl::StrCat(run_id, ":policy:", m.id, ":", name, ":", config.stacking_minutes));
    req.mutable_settings()->set_market_id(seeded.id(m.id));
    req.mutable_settings()->set_policy(*policy);
    req.mutable_settings()->set_stacking_minutes(config.stacking_minutes);
    dsp::SetMarketDispatchResponse resp;
    town::Check(Call(op,
                     [&](grpc::ClientContext* c) {
                       return api.dispatch_ops().SetMarketDispatch(c, req, &resp);
                     }),
                "SetMarketDispatch " + m.id);
  }
}

// With absent customers in the day, every market's failed-delivery policy: two attempts, no
// wait (simulated minutes are real seconds, and the rule runs on the database's clock), a
// 3,000 failure fee.
void SetFailurePolicies(town::Api& api, const SimConfig& config, const town::Seeded& seeded,
                        const std::string& run_id) {
  const std::string op = api.Token(auth::Role::kOperator, "pasar-sim");
  for (const town::Market& m : config.town.markets) {
    dsp::SetFailurePolicyRequest req;
    req.set_request_id(absl::StrCat(run_id, ":failure-policy:", m.id));
    dsp::FailurePolicy* p = req.mutable_policy();
    p->set_market_id(seeded.id(m.id));
    p->set_wait_minutes(0);
    p->set_min_attempts(kSimFailureAttempts);
    p->set_arrival_radius_meters(300);
    p->set_failure_fee_idr(3000);
    dsp::SetFailurePolicyResponse resp;
    town::Check(Call(op,
                     [&](grpc::ClientContext* c) {
                       return api.dispatch_ops().SetFailurePolicy(c, req, &resp);
                     }),
                "SetFailurePolicy " + m.id);
  }
}

// courier_cash_balanced: each courier's statement of their latest shift (this day's) against
// the cash dispatch says they hold and against the orders' ledger postings of that courier.
void CheckCourierCash(World& world, const std::vector<ord::Order>& orders, const std::string& op,
                      SimReport& r) {
  r.courier_cash_balanced = true;
  auto problem = [&](const std::string& what) {
    r.courier_cash_balanced = false;
    r.problems.emplace("courier_cash_balanced", what);
  };
  // The ledger's cash flows of each courier: paid to traders, collected, refunded.
  std::map<std::string, int64_t> ledger_cash;
  for (const ord::Order& o : orders) {
    for (const ord::LedgerEntry& e : o.ledger().entries()) {
      if (e.party() != ord::LEDGER_PARTY_COURIER) continue;
      if (e.kind() == ord::LEDGER_ENTRY_KIND_TRADER_PAID ||
          e.kind() == ord::LEDGER_ENTRY_KIND_CUSTOMER_PAID ||
          e.kind() == ord::LEDGER_ENTRY_KIND_GOODS_RETURNED) {
        ledger_cash[e.party_id()] += e.amount_idr();
      }
    }
  }
  for (const town::Courier& c : world.config.town.couriers) {
    const std::string id = world.seeded.id(c.id);
    dsp::GetCourierStatementRequest req;
    req.set_courier_id(id);
    dsp::GetCourierStatementResponse resp;
    const Outcome out = Call(op, [&](grpc::ClientContext* ctx) {
      return world.api.dispatch_ops().GetCourierStatement(ctx, req, &resp);
    });
    if (!out.ok()) {
      problem(absl::StrCat("courier ", c.id, ": GetCourierStatement: ", out.Describe()));
      continue;
    }
    const dsp::CourierStatement& st = resp.statement();
    const int64_t flows =
        st.collected_from_customers_idr() + st.refunded_by_traders_idr() - st.paid_to_traders_idr();
    if (st.expected_cash_end_idr() != st.cash_at_start_idr() + flows) {
      problem(absl::StrCat("courier ", c.id, ": expected ", st.expected_cash_end_idr(),
                           " is not start ", st.cash_at_start_idr(), " + flows ", flows));
    }
    const int64_t in_ledger = ledger_cash.count(id) ? ledger_cash.at(id) : 0;
    if (in_ledger != flows) {
      problem(
          absl::StrCat("courier ", c.id, ": statement cash flows ", flows, ", ledger ", in_ledger));
    }
    dsp::ListCouriersRequest list;
    list.set_home_market_id(world.seeded.id(c.home_market));
    list.set_page_size(100);
    dsp::ListCouriersResponse couriers;
    const Outcome lo = Call(op, [&](grpc::ClientContext* ctx) {
      return world.api.dispatch_ops().ListCouriers(ctx, list, &couriers);
    });
    if (!lo.ok()) {
      problem(absl::StrCat("ListCouriers: ", lo.Describe()));
      continue;
    }
    for (const dsp::Courier& held : couriers.couriers()) {
      if (held.id() == id && held.cash_on_hand_idr() != st.expected_cash_end_idr()) {
        problem(absl::StrCat("courier ", c.id, " holds ", held.cash_on_hand_idr(),
                             ", the statement expects ", st.expected_cash_end_idr()));
      }
    }
  }
}

}  // namespace

SimReport RunSimulation(const SimConfig& config) {
  std::ostream& log = config.log != nullptr ? *config.log : std::cerr;
  SimReport report;
  report.seed = config.seed;
  report.minutes = config.minutes;
  report.speedup = config.speedup;
  report.run_id = config.run_id.empty() ? RandomRunId() : config.run_id;

  town::Api api(config.endpoints, config.jwt);
  town::SeedOptions seed_options;
  seed_options.tag = config.seed_tag;
  seed_options.trader_response_timeout_seconds = config.trader_response_timeout_seconds;
  seed_options.dispatch_timeout_seconds = config.dispatch_timeout_seconds;
  // Each day starts with full shelves, so the same seed places the same orders however many
  // days the town has already seen.
  seed_options.restock_key = report.run_id;
  const absl::Time seed_start = absl::Now();
  town::Seeded seeded = town::SeedTown(api, config.town, seed_options);
  log << absl::StrFormat(
      "sim: seeded %s (%d markets, %d stalls, %d products, %d couriers) in %.1f s\n",
      config.town.name, config.town.markets.size(), config.town.stalls.size(),
      config.town.products.size(), config.town.couriers.size(),
      absl::ToDoubleSeconds(absl::Now() - seed_start));

  report.policy = config.policy;
  if (config.stacking_minutes > 0) {
    report.policy = (config.policy.empty() ? "exact" : config.policy) + "+stacking";
  }
  report.stacking_minutes = config.stacking_minutes;
  if (!config.policy.empty() || config.stacking_minutes > 0) {
    SetPolicy(api, config, seeded, report.run_id);
  }
  if (config.absent_probability > 0) SetFailurePolicies(api, config, seeded, report.run_id);

  World world(config, api, std::move(seeded), report.run_id);
  world.log = &log;
  world.tty = config.progress && &log == &std::cerr && isatty(STDERR_FILENO);
  world.clock.speedup = config.speedup;
  StartProgramme(world, static_cast<int>(config.minutes * config.orders_per_minute));
  const std::string observer = api.Token(auth::Role::kCustomer, "pasar-sim-observer");
  const std::string op = api.Token(auth::Role::kOperator, "pasar-sim");
  const std::map<std::string, StockLevel> before = ReadStock(world, observer);

  Scheduler scheduler(8);
  std::vector<std::unique_ptr<Trader>> traders;
  for (const town::Stall& s : config.town.stalls) {
    traders.push_back(std::make_unique<Trader>(world, scheduler, s));
    traders.back()->Start();
  }
  std::vector<std::unique_ptr<Courier>> couriers;
  for (const town::Courier& c : config.town.couriers) {
    couriers.push_back(std::make_unique<Courier>(world, scheduler, c));
    couriers.back()->Start();
  }
  report.couriers = static_cast<int>(couriers.size());

  world.clock.start = absl::Now();
  const std::vector<double> arrivals =
      Arrivals(config.seed, config.minutes, config.orders_per_minute);
  std::atomic<int> arrived{0};
  for (size_t i = 0; i < arrivals.size(); ++i) {
    scheduler.At(world.clock.start + absl::Seconds(arrivals[i]), [&world, &scheduler, &arrived, i] {
      CustomerArrives(world, scheduler, static_cast<int>(i));
      ++arrived;
    });
  }
  log << absl::StrFormat(
      "sim: run %s, seed %d: %d customers over %g min (x%g: %.0f town minutes), %d traders, %d "
      "couriers\n",
      report.run_id, config.seed, arrivals.size(), config.minutes, config.speedup,
      config.minutes * config.speedup, traders.size(), couriers.size());

  // Taking orders, then draining: every placed order final, or the drain timeout.
  Tracker tracker(world);
  const absl::Time orders_end = world.clock.start + absl::Seconds(config.minutes * 60);
  absl::Time drain_end = absl::InfiniteFuture();
  absl::Time last_line = absl::InfinitePast();
  for (;;) {
    absl::SleepFor(absl::Milliseconds(500));
    const int open = tracker.Refresh();
    const absl::Time now = absl::Now();
    if (config.progress && now - last_line >= (world.tty ? absl::Seconds(1) : absl::Seconds(10))) {
      world.Progress(tracker.Line(couriers));
      last_line = now;
    }
    const bool all_arrived = arrived.load() == static_cast<int>(arrivals.size());
    if (now >= orders_end && all_arrived && drain_end == absl::InfiniteFuture()) {
      drain_end = now + config.drain_timeout;
      world.Note(absl::StrCat("sim: stopped taking orders; draining ", open, " open orders"));
    }
    if (drain_end != absl::InfiniteFuture()) {
      if (open == 0) {
        report.drained = true;
        break;
      }
      if (now >= drain_end) {
        world.Note(absl::StrCat("sim: drain timeout with ", open, " orders still open"));
        break;
      }
    }
  }
  if (config.progress && world.tty) {
    world.Progress(tracker.Line(couriers));
    log << "\n";
  }
  report.wall_seconds = absl::ToDoubleSeconds(absl::Now() - world.clock.start);

  world.stopping = true;
  scheduler.Stop();
  for (auto& t : traders)
    t->Stop();
  for (auto& c : couriers)
    c->Stop();

  report.arrivals = world.counters.arrivals;
  report.placed = world.counters.placed;
  {
    absl::MutexLock lock(&world.counters.mu);
    report.refused = world.counters.refused;
  }
  report.cancel_requests = world.counters.cancel_requests;
  report.cancel_too_late = world.counters.cancel_too_late;
  report.tickets = world.counters.tickets;
  report.tickets_rejected = world.counters.tickets_rejected;
  report.lines_rejected = world.counters.lines_rejected;
  report.weighed_adjusted = world.counters.weighed_adjusted;
  report.tickets_unanswered = world.counters.tickets_unanswered;
  report.offers_seen = world.counters.offers_seen;
  report.offers_declined = world.counters.offers_declined;
  report.fixes_sent = world.counters.fixes_sent;
  report.stacked_orders = world.counters.stacked_orders;
  report.stacked_past_bound = world.counters.stacked_past_bound;
  report.stacked_late_after_failure = world.counters.stacked_late_after_failure;
  report.stacked_max_delay_s = static_cast<double>(world.counters.stacked_max_delay_ms) / 1000;
  if (!report.stacked_within_bound()) {
    report.problems.emplace(
        "stacked_within_bound",
        absl::StrFormat("%d of %d stacked orders delivered more than %d min after their solo "
                        "delivery (largest delay %.0f s)",
                        report.stacked_past_bound, report.stacked_orders, report.stacking_minutes,
                        report.stacked_max_delay_s));
  }
  report.exceptions.attempts = world.counters.delivery_attempts;
  std::vector<double> place_ms;
  for (const auto& placed : world.orders.All()) {
    place_ms.push_back(absl::ToDoubleMilliseconds(placed->place_latency));
  }
  report.place_ms = Summarise(place_ms);
  report.carts_digest = CartsDigest(world);

  CheckInvariants(world, before, observer, op, report);

  dsp::GetStatsRequest stats_req;
  stats_req.mutable_since()->set_seconds(absl::ToUnixSeconds(world.clock.start));
  dsp::GetStatsResponse stats;
  const Outcome out = Call(op, [&](grpc::ClientContext* c) {
    return api.dispatch_ops().GetStats(c, stats_req, &stats);
  });
  if (out.ok()) {
    report.offers_made = stats.offers_made();
    report.assignments = stats.assignments();
  } else {
    world.Note("sim: GetStats: " + out.Describe() + " (offers counted as the couriers saw them)");
    report.offers_made = report.offers_seen;
    report.assignments = report.assigned;
  }
  dsp::GetDispatchReportRequest dispatch_req;
  *dispatch_req.mutable_since() =
      TimeUtil::MillisecondsToTimestamp(absl::ToUnixMillis(world.clock.start));
  *dispatch_req.mutable_until() =
      TimeUtil::MillisecondsToTimestamp(absl::ToUnixMillis(absl::Now()));
  const Outcome read = Call(op, [&](grpc::ClientContext* c) {
    return api.dispatch_ops().GetDispatchReport(c, dispatch_req, &report.dispatch);
  });
  report.dispatch_read = read.ok();
  if (!read.ok()) report.problems["dispatch_report"] = "GetDispatchReport: " + read.Describe();
  report.offers_per_assignment =
      report.assignments > 0
          ? static_cast<double>(report.offers_made) / static_cast<double>(report.assignments)
          : 0;
  return report;
}

namespace {

// The figures of GetDispatchReport, in the report's order (also the comparison's rows).
struct DispatchFigure {
  const char* key;
  const char* label;
  double (*value)(const dsp::GetDispatchReportResponse&);
  bool integer;
};
constexpr DispatchFigure kDispatchFigures[] = {
    {"orders_assigned", "orders assigned",
     [](const dsp::GetDispatchReportResponse& d) { return double(d.orders_assigned()); }, true},
    {"trips", "trips", [](const dsp::GetDispatchReportResponse& d) { return double(d.trips()); },
     true},
    {"orders_per_trip", "orders per trip",
     [](const dsp::GetDispatchReportResponse& d) { return d.orders_per_trip(); }, false},
    {"pickup_distance_total_m", "pickup distance total (m)",
     [](const dsp::GetDispatchReportResponse& d) {
       return double(d.pickup_distance_total_meters());
     },
     true},
    {"pickup_distance_per_order_m", "pickup distance per order (m)",
     [](const dsp::GetDispatchReportResponse& d) { return d.pickup_distance_per_order_meters(); },
     false},
    {"assign_p50_ms", "confirmation->assignment p50 (ms)",
     [](const dsp::GetDispatchReportResponse& d) { return double(d.assign_latency_p50_ms()); },
     true},
    {"assign_p99_ms", "confirmation->assignment p99 (ms)",
     [](const dsp::GetDispatchReportResponse& d) { return double(d.assign_latency_p99_ms()); },
     true},
    {"offers_made", "offers made",
     [](const dsp::GetDispatchReportResponse& d) { return double(d.offers_made()); }, true},
    {"offers_per_assignment", "offers per assignment",
     [](const dsp::GetDispatchReportResponse& d) { return d.offers_per_assignment(); }, false},
    {"offers_declined", "offers declined",
     [](const dsp::GetDispatchReportResponse& d) { return double(d.offers_declined()); }, true},
    {"offers_expired", "offers timed out",
     [](const dsp::GetDispatchReportResponse& d) { return double(d.offers_expired()); }, true},
    {"couriers_on_shift", "couriers on shift",
     [](const dsp::GetDispatchReportResponse& d) { return double(d.couriers_on_shift()); }, true},
    {"utilisation", "courier utilisation",
     [](const dsp::GetDispatchReportResponse& d) { return d.utilisation(); }, false},
    {"idle_time_gini", "Gini of idle time",
     [](const dsp::GetDispatchReportResponse& d) { return d.idle_time_gini(); }, false},
    {"earnings_gini", "Gini of earnings",
     [](const dsp::GetDispatchReportResponse& d) { return d.earnings_gini(); }, false},
    {"deliveries", "deliveries",
     [](const dsp::GetDispatchReportResponse& d) { return double(d.deliveries()); }, true},
    // Dispatch's definition: deliveries / the couriers' hours on shift (real time, every courier
    // of the market on shift in the day's window, busy or not).
    {"deliveries_per_courier_hour", "deliveries per courier-hour (real)",
     [](const dsp::GetDispatchReportResponse& d) { return d.deliveries_per_courier_hour(); },
     false},
    {"shift_hours", "courier-hours on shift (real)",
     [](const dsp::GetDispatchReportResponse& d) { return d.shift_hours(); }, false},
    {"busy_hours", "courier-hours holding a job (real)",
     [](const dsp::GetDispatchReportResponse& d) { return d.busy_hours(); }, false},
    // Deliveries per hour a courier held a job: what a trip costs, whether or not demand keeps
    // the couriers busy (computed here from dispatch's figures).
    {"deliveries_per_busy_courier_hour", "deliveries per busy courier-hour",
     [](const dsp::GetDispatchReportResponse& d) {
       return d.busy_hours() > 0 ? static_cast<double>(d.deliveries()) / d.busy_hours() : 0.0;
     },
     false},
};

// Orders cancelled for want of a courier (the market's dispatch timeout) and for every other
// reason: a policy must not deliver more per courier-hour by leaving orders undelivered.
int64_t CancelledNoCourier(const SimReport& r) {
  const auto it = r.cancelled.find("no_courier");
  return it == r.cancelled.end() ? 0 : it->second;
}
int64_t CancelledOther(const SimReport& r) {
  int64_t n = 0;
  for (const auto& [reason, count] : r.cancelled)
    n += count;
  return n - CancelledNoCourier(r);
}

nlohmann::json DispatchJson(const SimReport& r) {
  nlohmann::json j = nlohmann::json::object();
  j["policy"] = r.policy.empty() ? "as set" : r.policy;
  j["read"] = r.dispatch_read;
  for (const DispatchFigure& f : kDispatchFigures) {
    const double v = f.value(r.dispatch);
    if (f.integer) {
      j[f.key] = static_cast<int64_t>(v);
    } else {
      j[f.key] = v;
    }
  }
  return j;
}

nlohmann::json ProgrammeJson(const ProgrammeReport& p) {
  using nlohmann::json;
  if (!p.run) return json::object({{"run", false}});
  json refused = json::object();
  for (const auto& [reason, n] : p.refused)
    refused[reason] = n;
  return {{"run", true},
          {"programme_id", p.id},
          {"budget_idr", p.budget_idr},
          {"top_ups_idr", p.top_ups_idr},
          {"held_idr", p.held_idr},
          {"spent_idr", p.spent_idr},
          {"remaining_idr", p.remaining_idr},
          {"benefits_applied", p.benefits_applied},
          {"residents_linked", p.residents_linked},
          {"refused", refused},
          {"statement_idr", p.statement_idr},
          {"ledger_liability_idr", p.ledger_liability_idr},
          {"overspent", p.overspent},
          {"cap_violations", p.cap_violations}};
}

}  // namespace

std::string ReportJson(const SimReport& r) {
  using nlohmann::json;
  json cancelled = json::object();
  for (const auto& [reason, n] : r.cancelled)
    cancelled[reason] = n;
  json refused = json::object();
  for (const auto& [reason, n] : r.refused)
    refused[reason] = n;
  json problems = json::object();
  for (const auto& [what, example] : r.problems)
    problems[what] = example;
  json j = {
      {"seed", r.seed},
      {"minutes", r.minutes},
      {"speedup", r.speedup},
      {"simulated_minutes", r.minutes * r.speedup},
      {"run_id", r.run_id},
      {"wall_seconds", r.wall_seconds},
      {"drained", r.drained},
      {"orders",
       {{"arrivals", r.arrivals},
        {"placed", r.placed},
        {"carts_digest", r.carts_digest},
        {"refused", refused},
        {"confirmed", r.confirmed},
        {"assigned", r.assigned},
        {"delivered", r.delivered},
        {"cancelled", cancelled},
        {"cancel_requests", r.cancel_requests},
        {"cancel_too_late", r.cancel_too_late}}},
      {"latency_ms",
       {{"place_p50", r.place_ms.p50},
        {"place_p99", r.place_ms.p99},
        {"assign_p50", r.assign_ms.p50},
        {"assign_p99", r.assign_ms.p99},
        {"deliver_p50", r.deliver_ms.p50},
        {"deliver_p99", r.deliver_ms.p99}}},
      {"couriers",
       {{"count", r.couriers},
        {"utilisation", r.utilisation},
        {"offers_per_assignment", r.offers_per_assignment},
        {"offers_made", r.offers_made},
        {"assignments", r.assignments},
        {"offers_seen", r.offers_seen},
        {"offers_declined", r.offers_declined},
        {"location_fixes", r.fixes_sent}}},
      {"dispatch", DispatchJson(r)},
      {"traders",
       {{"tickets", r.tickets},
        {"tickets_rejected", r.tickets_rejected},
        {"lines_rejected", r.lines_rejected},
        {"weighed_adjusted", r.weighed_adjusted},
        {"tickets_unanswered", r.tickets_unanswered},
        {"tickets_expired", r.tickets_expired}}},
      {"stacking",
       {{"minutes", r.stacking_minutes},
        {"stacked_orders", r.stacked_orders},
        {"past_bound", r.stacked_past_bound},
        {"late_after_failed_drop_off", r.stacked_late_after_failure},
        {"max_delay_s", r.stacked_max_delay_s}}},
      {"programme", ProgrammeJson(r.programme)},
      {"exceptions",
       {{"attempts", r.exceptions.attempts},
        {"failed", r.exceptions.failed},
        {"returned", r.exceptions.returned},
        {"resolved_by_operator", r.exceptions.resolved_by_operator}}},
      {"invariants",
       {{"all_terminal", r.all_terminal},
        {"stock_conserved", r.stock_conserved},
        {"ledger_balanced", r.ledger_balanced},
        {"no_double_assignment", r.no_double_assignment},
        {"stacked_within_bound", r.stacked_within_bound()},
        {"services_agree", r.services_agree},
        {"courier_cash_balanced", r.courier_cash_balanced},
        {"programme_balanced", !r.programme.run || r.programme.balanced}}},
      {"problems", problems},
  };
  return j.dump(2);
}

void PrintSummary(const SimReport& r, std::ostream& out) {
  auto list = [](const std::map<std::string, int64_t>& m) {
    std::string s;
    for (const auto& [k, v] : m)
      absl::StrAppend(&s, s.empty() ? "" : ", ", k, " ", v);
    return s.empty() ? std::string("none") : s;
  };
  int64_t cancelled = 0;
  for (const auto& [k, v] : r.cancelled)
    cancelled += v;
  auto yes = [](bool b) { return b ? "yes" : "NO"; };
  out << absl::StrFormat(
      "Market day: seed %d, %g real minutes at x%g (%.0f town minutes), run %s, %.0f s in all\n"
      "Orders:    %d customers, %d placed (carts %s; refused: %s), %d confirmed, %d got a courier, "
      "%d delivered, %d cancelled (%s)\n"
      "Customers: %d asked to cancel, %d too late (already picked up)\n"
      "Traders:   %d tickets, %d rejected whole, %d lines rejected, %d weighed lines adjusted, "
      "%d left unanswered (%d expired)\n"
      "Couriers:  %d, utilisation %.0f%%, %.2f offers per assignment, %d declined, %d fixes sent\n"
      "Latency:   place p50 %.0f ms p99 %.0f ms | confirm->courier p50 %.0f ms p99 %.0f ms | "
      "place->delivered p50 %.1f s\n"
      "Exceptions: %d attempts at the door, %d deliveries failed, %d returned, %d resolved by "
      "an operator\n"
      "Checks:    every order final: %s, stock conserved: %s, ledgers balanced: %s, "
      "no courier on two jobs: %s, services agree: %s, courier cash balanced: %s\n",
      r.seed, r.minutes, r.speedup, r.minutes * r.speedup, r.run_id, r.wall_seconds, r.arrivals,
      r.placed, r.carts_digest, list(r.refused), r.confirmed, r.assigned, r.delivered, cancelled,
      list(r.cancelled), r.cancel_requests, r.cancel_too_late, r.tickets, r.tickets_rejected,
      r.lines_rejected, r.weighed_adjusted, r.tickets_unanswered, r.tickets_expired, r.couriers,
      r.utilisation * 100, r.offers_per_assignment, r.offers_declined, r.fixes_sent, r.place_ms.p50,
      r.place_ms.p99, r.assign_ms.p50, r.assign_ms.p99, r.deliver_ms.p50 / 1000,
      r.exceptions.attempts, r.exceptions.failed, r.exceptions.returned,
      r.exceptions.resolved_by_operator, yes(r.all_terminal), yes(r.stock_conserved),
      yes(r.ledger_balanced), yes(r.no_double_assignment), yes(r.services_agree),
      yes(r.courier_cash_balanced));
  if (r.dispatch_read) {
    const dsp::GetDispatchReportResponse& d = r.dispatch;
    out << absl::StrFormat(
        "Dispatch:  policy %s, pickup %.0f m per order (%.1f km in all), confirmation->courier "
        "p50 %d ms p99 %d ms, %.2f offers per assignment, %d declined, %d timed out, "
        "utilisation %.0f%%, Gini idle %.2f earnings %.2f, %.2f orders per trip, %.1f "
        "deliveries per courier-hour (%d deliveries / %.3f courier-hours on shift, real; %d "
        "orders cancelled for no courier)\n",
        r.policy.empty() ? "as set" : r.policy, d.pickup_distance_per_order_meters(),
        static_cast<double>(d.pickup_distance_total_meters()) / 1000, d.assign_latency_p50_ms(),
        d.assign_latency_p99_ms(), d.offers_per_assignment(), d.offers_declined(),
        d.offers_expired(), d.utilisation() * 100, d.idle_time_gini(), d.earnings_gini(),
        d.orders_per_trip(), d.deliveries_per_courier_hour(), d.deliveries(), d.shift_hours(),
        CancelledNoCourier(r));
  }
  if (r.stacking_minutes > 0) {
    out << absl::StrFormat(
        "Stacking:  bound %d min, %d orders delivered in stacked trips, %d past the bound "
        "(largest delay after the solo delivery %.0f town s), %d later than the bound only by "
        "the wait at an earlier failed drop-off of the trip\n",
        r.stacking_minutes, r.stacked_orders, r.stacked_past_bound, r.stacked_max_delay_s,
        r.stacked_late_after_failure);
  }
  if (r.programme.run) {
    const ProgrammeReport& p = r.programme;
    out << absl::StrFormat(
        "Programme: budget %d, spent %d, held %d, remaining %d, %d benefits (%d residents "
        "linked; no benefit: %s), balanced: %s\n",
        p.budget_idr + p.top_ups_idr, p.spent_idr, p.held_idr, p.remaining_idr, p.benefits_applied,
        p.residents_linked, list(p.refused), yes(p.balanced));
  }
  for (const auto& [what, example] : r.problems)
    out << "  " << what << ": " << example << "\n";
}

void PrintComparison(const std::vector<SimReport>& reports, std::ostream& out) {
  if (reports.empty()) return;
  out << absl::StrFormat("%-36s", "dispatch (same seed)");
  for (const SimReport& r : reports)
    out << absl::StrFormat(" | %14s", r.policy.empty() ? "as set" : r.policy);
  out << "\n";
  for (const DispatchFigure& f : kDispatchFigures) {
    out << absl::StrFormat("%-36s", f.label);
    for (const SimReport& r : reports) {
      const double v = f.value(r.dispatch);
      out << (f.integer ? absl::StrFormat(" | %14d", static_cast<int64_t>(v))
                        : absl::StrFormat(" | %14.3f", v));
    }
    out << "\n";
  }
  out << absl::StrFormat("%-36s", "orders placed / delivered");
  for (const SimReport& r : reports)
    out << absl::StrFormat(" | %14s", absl::StrCat(r.placed, " / ", r.delivered));
  out << "\n" << absl::StrFormat("%-36s", "cancelled: no courier / other");
  for (const SimReport& r : reports)
    out << absl::StrFormat(" | %14s",
                           absl::StrCat(CancelledNoCourier(r), " / ", CancelledOther(r)));
  out << "\n" << absl::StrFormat("%-36s", "deliveries failed (absent customer)");
  for (const SimReport& r : reports)
    out << absl::StrFormat(" | %14d", r.exceptions.failed);
  out << "\n" << absl::StrFormat("%-36s", "stacked orders / past the bound");
  for (const SimReport& r : reports)
    out << absl::StrFormat(" | %14s", absl::StrCat(r.stacked_orders, " / ", r.stacked_past_bound));
  out << "\n" << absl::StrFormat("%-36s", "invariants hold");
  for (const SimReport& r : reports)
    out << absl::StrFormat(" | %14s", r.ok() ? "yes" : "NO");
  out << "\n";
  const SimReport& first = reports.front();
  for (std::size_t i = 1; i < reports.size(); ++i) {
    const double base = first.dispatch.pickup_distance_per_order_meters();
    const double other = reports[i].dispatch.pickup_distance_per_order_meters();
    if (other > 0) {
      out << absl::StrFormat("pickup distance per order: %s %.1f%% %s than %s\n", first.policy,
                             std::abs(1 - base / other) * 100, base <= other ? "shorter" : "longer",
                             reports[i].policy);
    }
    const double base_rate = first.dispatch.deliveries_per_courier_hour();
    const double rate = reports[i].dispatch.deliveries_per_courier_hour();
    if (base_rate > 0) {
      out << absl::StrFormat("deliveries per courier-hour: %s %+.1f%% against %s\n",
                             reports[i].policy, (rate / base_rate - 1) * 100, first.policy);
    }
    const double base_busy =
        first.dispatch.busy_hours() > 0
            ? static_cast<double>(first.dispatch.deliveries()) / first.dispatch.busy_hours()
            : 0;
    const double busy = reports[i].dispatch.busy_hours() > 0
                            ? static_cast<double>(reports[i].dispatch.deliveries()) /
                                  reports[i].dispatch.busy_hours()
                            : 0;
    if (base_busy > 0) {
      out << absl::StrFormat("deliveries per busy courier-hour: %s %+.1f%% against %s\n",
                             reports[i].policy, (busy / base_busy - 1) * 100, first.policy);
    }
    const double base_total = static_cast<double>(first.dispatch.pickup_distance_total_meters());
    const double other_total =
        static_cast<double>(reports[i].dispatch.pickup_distance_total_meters());
    if (other_total > 0) {
      out << absl::StrFormat("pickup distance total: %s %.1f%% %s than %s\n", first.policy,
                             std::abs(1 - base_total / other_total) * 100,
                             base_total <= other_total ? "shorter" : "longer", reports[i].policy);
    }
  }
}

}  // namespace pasar::sim
