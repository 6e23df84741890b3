// pasar-sim: a simulated market day against running services (see tools/sim/README.md).
#include <fstream>
#include <iostream>
#include <vector>

#include <nlohmann/json.hpp>

#include "pasar/auth/auth.h"
#include "pasar/town/flags.h"
#include "pasar/town/town.h"
#include "sim.h"

namespace {

// --busy: couriers scarce (the Lumajang town has 20 per market).
constexpr int kBusyCouriersPerMarket = 6;
// --scarce: demand exceeds the couriers. At the usual orders per minute 6 couriers per market
// are busy about two thirds of their shift (README, "Exact matching against nearest first");
// half of them are busy nearly all of it and orders queue for a courier.
constexpr int kScarceCouriersPerMarket = 3;

constexpr char kUsage[] = R"(pasar-sim — a simulated market day, through the public gRPC APIs only

usage: pasar-sim --town FILE [options]

  --inventory ADDR --order ADDR --dispatch ADDR
                         the services (default $PASAR_INVENTORY_ADDR, $PASAR_ORDER_ADDR,
                         $PASAR_DISPATCH_ADDR, else 127.0.0.1:7101/7102/7103)
  --tls-ca-file PEM      speak TLS, trusting this root certificate (default
                         $PASAR_TLS_CA_FILE; unset: plaintext)
  --tls-server-name NAME the name on the services' certificates when the addresses do not
                         carry it (default $PASAR_TLS_SERVER_NAME, else the address's host)
  --town FILE            the town (tools/sim/data/lumajang.json)
  --minutes N            real minutes during which customers arrive (default 3)
  --seed S               the seed of every choice (default 1)
  --report FILE          write the JSON report there
  --speedup X            simulated seconds per real second (default 30)
  --orders-per-minute R  mean arrivals per real minute (default 40)
  --stalls-per-market N  --couriers-per-market N   play a smaller town
  --cancel-probability P --decline-probability P --reject-ticket-probability P
  --reject-line-probability P --adjust-weighed-probability P
  --silent-ticket-probability P   a trader never answers a ticket (default 0.01)
  --absent-probability P   a customer is not home when the courier rings: two attempts, the
                         delivery declared failed, the goods back to the stalls (default 0)
  --ojek-speed-kmh V     courier speed in town time (default 25)
  --fix-seconds S        a courier reports a fix every S town seconds (default 1)
  --trader-timeout-seconds S   --dispatch-timeout-seconds S   market timers for the day
                         (default 60 and 240; 0 keeps the town's / the service's)
  --drain-timeout-seconds S    after the last arrival, wait at most this long (default 360)
  --policy P             every market's matching policy for the day: exact or greedy
                         (SetMarketDispatch; default: leave the markets as they are)
  --stacking-minutes M   every market's stacking bound for the day (1..60; with the policy,
                         exact unless --policy says otherwise; default 0: off)
  --compare-policies     play the same seed three times: exact, greedy, and exact with stacked
                         trips (bound --stacking-minutes, default 10), and print dispatch's
                         figures side by side (--report FILE then holds {"exact": …,
                         "greedy": …, "exact+stacking": …})
  --busy                 the busy scenario: couriers scarce (6 per market instead of 20, at
                         the usual orders per minute), unless --couriers-per-market says
                         otherwise
  --scarce               the scarce scenario: demand exceeds the couriers (3 per market at the
                         usual orders per minute: couriers busy nearly all shift, orders wait
                         for one), unless --couriers-per-market says otherwise; not with --busy
  --programme-budget-idr X   the regency programme's budget (default 0: about 5,000 per
                         expected customer, so it runs out during the day; negative: no programme)
  --resident-every N     every Nth customer is a registered resident (default 3; 0: none)
  --tag T                seeding idempotency prefix (default "town": reuses a seeded town)
  --run-id ID            names this run's customers and keys (default random)
  --no-progress          no live progress line on stderr
  --service-key-file PEM the key of role `service` tokens (the order service's), for the audit
                         that reads inventory's reservations (services_agree); default: minted
                         like the other tokens
Tokens are signed with the private key of $PASAR_JWT_PRIVATE_KEY_FILE, the key whose public half
is in the services' $PASAR_JWT_JWKS_FILE (in development: HS256 with $PASAR_JWT_SECRET, the
services' secret). Exit status: 0 when every invariant holds, 1 when one does not, 2 for bad
arguments, 3 when the day could not run.
)";

int Run(int argc, char** argv) {
  const pasar::town::Flags flags(argc, argv);
  if (flags.Bool("help") || !flags.positional().empty()) {
    std::cout << kUsage;
    return flags.Bool("help") ? 0 : 2;
  }
  flags.AllowOnly({"inventory",
                   "order",
                   "dispatch",
                   "tls-ca-file",
                   "tls-server-name",
                   "town",
                   "minutes",
                   "seed",
                   "report",
                   "speedup",
                   "orders-per-minute",
                   "stalls-per-market",
                   "couriers-per-market",
                   "cancel-probability",
                   "decline-probability",
                   "reject-ticket-probability",
                   "reject-line-probability",
                   "silent-ticket-probability",
                   "absent-probability",
                   "adjust-weighed-probability",
                   "ojek-speed-kmh",
                   "fix-seconds",
                   "trader-timeout-seconds",
                   "dispatch-timeout-seconds",
                   "drain-timeout-seconds",
                   "programme-budget-idr",
                   "resident-every",
                   "tag",
                   "run-id",
                   "service-key-file",
                   "no-progress",
                   "policy",
                   "compare-policies",
                   "stacking-minutes",
                   "busy",
                   "scarce",
                   "help"});
  const bool busy = flags.Bool("busy");
  const bool scarce = flags.Bool("scarce");
  if (busy && scarce) throw std::invalid_argument("--busy and --scarce are two scenarios: one");
  pasar::sim::SimConfig c;
  c.endpoints = pasar::town::EndpointsFromEnv(flags);
  c.jwt = pasar::auth::JwtConfigFromEnv();
  c.town = pasar::town::LoadTown(flags.Required("town"));
  const int scenario_couriers =
      busy ? kBusyCouriersPerMarket : (scarce ? kScarceCouriersPerMarket : 1000);
  if (flags.Has("stalls-per-market") || flags.Has("couriers-per-market") || busy || scarce) {
    c.town =
        pasar::town::Subset(c.town, static_cast<int>(flags.Int("stalls-per-market", 1000)),
                            static_cast<int>(flags.Int("couriers-per-market", scenario_couriers)));
  }
  c.seed = static_cast<uint64_t>(flags.Int("seed", 1));
  c.minutes = flags.Double("minutes", c.minutes);
  c.speedup = flags.Double("speedup", c.speedup);
  c.orders_per_minute = flags.Double("orders-per-minute", c.orders_per_minute);
  c.cancel_probability = flags.Double("cancel-probability", c.cancel_probability);
  c.decline_probability = flags.Double("decline-probability", c.decline_probability);
  c.reject_ticket_probability =
      flags.Double("reject-ticket-probability", c.reject_ticket_probability);
  c.reject_line_probability = flags.Double("reject-line-probability", c.reject_line_probability);
  c.silent_ticket_probability =
      flags.Double("silent-ticket-probability", c.silent_ticket_probability);
  c.absent_probability = flags.Double("absent-probability", c.absent_probability);
  c.adjust_weighed_probability =
      flags.Double("adjust-weighed-probability", c.adjust_weighed_probability);
  c.ojek_speed_kmh = flags.Double("ojek-speed-kmh", c.ojek_speed_kmh);
  c.fix_interval_sim_seconds = flags.Double("fix-seconds", c.fix_interval_sim_seconds);
  c.trader_response_timeout_seconds =
      static_cast<int>(flags.Int("trader-timeout-seconds", c.trader_response_timeout_seconds));
  c.dispatch_timeout_seconds =
      static_cast<int>(flags.Int("dispatch-timeout-seconds", c.dispatch_timeout_seconds));
  c.drain_timeout = absl::Seconds(flags.Int("drain-timeout-seconds", 360));
  c.seed_tag = flags.Str("tag", c.seed_tag);
  c.programme_budget_idr = flags.Int("programme-budget-idr", 0);
  c.resident_every = static_cast<int>(flags.Int("resident-every", 3));
  c.run_id = flags.Str("run-id");
  c.service_key_file = flags.Str("service-key-file");
  c.progress = !flags.Bool("no-progress");
  if (c.minutes <= 0 || c.speedup <= 0 || c.orders_per_minute < 0 ||
      c.fix_interval_sim_seconds <= 0) {
    throw std::invalid_argument("--minutes, --speedup and --fix-seconds must be > 0");
  }

  c.policy = flags.Str("policy");
  if (!c.policy.empty() && c.policy != "exact" && c.policy != "greedy") {
    throw std::invalid_argument("--policy must be exact or greedy");
  }
  const int64_t stacking = flags.Int("stacking-minutes", 0);
  if (stacking < 0 || stacking > 60) {
    throw std::invalid_argument("--stacking-minutes must be 0 (off) to 60");
  }
  if (flags.Bool("compare-policies")) {
    if (!c.policy.empty()) throw std::invalid_argument("--compare-policies sets --policy itself");
    std::vector<pasar::sim::SimReport> reports;
    nlohmann::json all = nlohmann::json::object();
    const int bound = stacking > 0 ? static_cast<int>(stacking) : 10;
    for (const auto& [policy, minutes] :
         {std::pair<const char*, int>{"exact", 0}, {"greedy", 0}, {"exact", bound}}) {
      pasar::sim::SimConfig day = c;
      day.policy = policy;
      day.stacking_minutes = minutes;
      const std::string name = std::string(policy) + (minutes > 0 ? "+stacking" : "");
      if (!c.run_id.empty()) day.run_id = c.run_id + "-" + name;
      reports.push_back(pasar::sim::RunSimulation(day));
      pasar::sim::PrintSummary(reports.back(), std::cout);
      all[name] = nlohmann::json::parse(pasar::sim::ReportJson(reports.back()));
    }
    std::cout << "\n";
    pasar::sim::PrintComparison(reports, std::cout);
    if (flags.Has("report")) {
      std::ofstream out(flags.Str("report"));
      out << all.dump(2) << "\n";
      if (!out) throw std::runtime_error("cannot write " + flags.Str("report"));
    }
    bool ok = true;
    for (const auto& r : reports)
      ok = ok && r.ok();
    return ok ? 0 : 1;
  }

  c.stacking_minutes = static_cast<int>(stacking);
  const pasar::sim::SimReport report = pasar::sim::RunSimulation(c);
  pasar::sim::PrintSummary(report, std::cout);
  if (flags.Has("report")) {
    std::ofstream out(flags.Str("report"));
    out << pasar::sim::ReportJson(report) << "\n";
    if (!out) throw std::runtime_error("cannot write " + flags.Str("report"));
    std::cout << "Report:    " << flags.Str("report") << "\n";
  }
  return report.ok() ? 0 : 1;
}

}  // namespace

int main(int argc, char** argv) {
  try {
    return Run(argc, argv);
  } catch (const std::invalid_argument& e) {
    std::cerr << "pasar-sim: " << e.what() << " (pasar-sim --help)\n";
    return 2;
  } catch (const std::exception& e) {
    std::cerr << "pasar-sim: " << e.what() << "\n";
    return 3;
  }
}
