// The market-day simulator: seeds a town, then plays its customers, traders and couriers
// against the three services through their public gRPC APIs only, drains until every order is
// final, and checks the day's invariants against what the services answer.
#pragma once

#include <cstdint>
#include <map>
#include <ostream>
#include <string>
#include <vector>

#include "absl/time/time.h"
#include "pasar/auth/auth.h"
#include "pasar/town/api.h"
#include "pasar/town/town.h"

namespace pasar::sim {

struct SimConfig {
  town::Endpoints endpoints;
  auth::JwtConfig jwt;
  town::Town town;
  uint64_t seed = 1;
  double minutes = 3;                // real minutes during which customers arrive
  double speedup = 30;               // simulated seconds per real second (travel, packing, delays)
  double orders_per_minute = 40;     // mean customer arrivals per real minute (Poisson)
  double cancel_probability = 0.06;  // a customer cancels after a while
  double reject_ticket_probability = 0.04;  // a trader rejects a whole ticket
  double reject_line_probability = 0.04;    // … or one line of a multi-line ticket
  double silent_ticket_probability = 0.01;  // a trader never answers a ticket (it expires)
  double adjust_weighed_probability = 0.5;  // a weighed line's total is adjusted
  double decline_probability = 0.15;        // a courier declines an offer
  // A customer is not home (or refuses) when the courier rings: the courier reports attempts,
  // declares the delivery failed after the market's rule and brings the goods back to the
  // stalls. 0 (the default) leaves a seeded day exactly as before.
  double absent_probability = 0;
  double ojek_speed_kmh = 25;                // in simulated time
  double fix_interval_sim_seconds = 1;       // a courier's phone reports a fix this often
  int64_t max_cart_idr = 150000;             // customers keep carts within this budget
  int trader_response_timeout_seconds = 60;  // market settings for the run (0: the town's)
  int dispatch_timeout_seconds = 240;        // (0: the service's default)
  absl::Duration drain_timeout = absl::Minutes(6);
  std::string seed_tag = "town";  // idempotency-key prefix of seeding (same tag: same objects)
  std::string run_id;             // tells this run's customers and keys apart; empty: random
  // The key that signs the `service` token the audit (services_agree) reads reservations with,
  // as the order service would; empty: minted like the other tokens (development secret).
  std::string service_key_file;
  // Every market's matching policy for the day (SetMarketDispatch): "exact" or "greedy"; empty
  // leaves the markets as they are.
  std::string policy;
  // Every market's stacking bound for the day (minutes; SetMarketDispatch with the policy, which
  // is then "exact" unless given): 0 leaves stacking off.
  int stacking_minutes = 0;
  // The regency's programme (programme.h): its budget (0: sized from the expected customers so
  // that it runs out before the day ends; negative: no programme) and one resident in this many
  // customers.
  int64_t programme_budget_idr = 0;
  int resident_every = 3;
  bool progress = true;         // live progress line on `log`
  std::ostream* log = nullptr;  // progress and notes; nullptr: std::cerr
};

struct Percentiles {
  int64_t count = 0;
  double p50 = 0;
  double p99 = 0;
};

// The programme section of the report (README, "Programmes").
struct ProgrammeReport {
  bool run = false;  // a programme was set up for the day
  std::string id;
  int64_t budget_idr = 0, top_ups_idr = 0, held_idr = 0, spent_idr = 0, remaining_idr = 0;
  int64_t benefits_applied = 0;
  int64_t residents_linked = 0;            // customers who linked a resident number
  std::map<std::string, int64_t> refused;  // benefit reason -> carts at PlaceOrder
  int64_t statement_idr = 0;               // the statement's total
  int64_t ledger_liability_idr = 0;        // PROGRAMME postings of the delivered orders
  bool overspent = false;
  int64_t cap_violations = 0;
  // spent + held + remaining = budget + top-ups; the ledger's programme liability, the
  // statement's total and the delivered orders' benefits equal spent; nothing held once every
  // order is final.
  bool balanced = false;
};

// The day's failed deliveries (README, "Failed deliveries and returns"), from the orders' final
// states and the couriers' own counts.
struct ExceptionsReport {
  int64_t attempts = 0;              // attempts the couriers reported at the door
  int64_t failed = 0;                // orders whose delivery failed (DELIVERY_FAILED or RETURNED)
  int64_t returned = 0;              // orders whose goods are all back (RETURNED)
  int64_t resolved_by_operator = 0;  // the simulated day has no operator: always 0
};

struct SimReport {
  uint64_t seed = 0;
  double minutes = 0;
  double speedup = 0;
  std::string run_id;
  double wall_seconds = 0;  // seeding excluded
  bool drained = false;     // every order final before drain_timeout

  int64_t arrivals = 0;
  int64_t placed = 0;
  std::string carts_digest;  // of the placed orders' customers and carts: equal seeds, equal value
  std::map<std::string, int64_t> refused;  // PlaceOrder refusals by reason
  int64_t confirmed = 0;
  int64_t assigned = 0;
  int64_t delivered = 0;
  std::map<std::string, int64_t> cancelled;  // by reason: "customer", "all_rejected", …
  int64_t cancel_requests = 0;               // customers who asked to cancel
  int64_t cancel_too_late = 0;  // … after pickup: refused at once, or by dispatch (REFUSED)

  Percentiles place_ms, assign_ms, deliver_ms;  // real milliseconds

  int couriers = 0;
  double utilisation = 0;            // courier busy time / on-shift time
  double offers_per_assignment = 0;  // dispatch GetStats: offers made / assignments
  int64_t offers_made = 0, assignments = 0;
  int64_t offers_seen = 0, offers_declined = 0;  // as the simulated couriers saw them
  int64_t fixes_sent = 0;

  // Dispatch's own report of the day (GetDispatchReport over every market, the day's window);
  // `dispatch_read` false when it could not be read (see `problems`).
  std::string policy;  // as set for the day (empty: not set)
  bool dispatch_read = false;
  dispatch::v1::GetDispatchReportResponse dispatch;

  int64_t tickets = 0, tickets_rejected = 0, lines_rejected = 0, weighed_adjusted = 0;
  int64_t tickets_unanswered = 0;  // tickets the simulated traders left unanswered
  int64_t tickets_expired = 0;     // tickets the order service expired (trader response timeout)

  bool all_terminal = false;
  bool stock_conserved = false;
  bool ledger_balanced = false;
  bool no_double_assignment = false;
  // Stacked trips as the simulated couriers rode them: orders delivered in a trip of two or
  // more, and of those the ones handed over later than their solo delivery (ride market ->
  // drop-off from when the courier left the market, town time) + the day's bound.
  int stacking_minutes = 0;
  int64_t stacked_orders = 0;
  int64_t stacked_past_bound = 0;
  // Time a courier spent at an earlier door of the trip where nobody answered is not counted in
  // a delay (the plan cannot foresee it); the orders late only because of it are counted here.
  int64_t stacked_late_after_failure = 0;
  double stacked_max_delay_s = 0;  // town seconds
  bool stacked_within_bound() const { return stacked_past_bound == 0; }
  // Every final order agrees across the services: DELIVERED <-> job DELIVERED <-> reservation
  // COMMITTED; CANCELLED <-> no live job <-> hold not HELD (COMMITTED once confirmed).
  bool services_agree = false;
  // Every courier's statement of the day's shift: cash at start − paid to traders + collected +
  // refunded = expected at the end = the cash dispatch says they hold, and the orders' ledger
  // postings of the courier agree with the statement's cash flows.
  bool courier_cash_balanced = false;
  ExceptionsReport exceptions;
  std::map<std::string, std::string> problems;  // invariant -> first counterexample
  ProgrammeReport programme;

  bool ok() const {
    return all_terminal && stock_conserved && ledger_balanced && no_double_assignment &&
           stacked_within_bound() && services_agree && courier_cash_balanced &&
           (!programme.run || programme.balanced);
  }
};

// Runs the whole day (seed, play, drain, check). Throws on setup failures (seeding refused,
// services unreachable); refusals during the day are part of the simulation.
SimReport RunSimulation(const SimConfig& config);

// The report as JSON (see tools/sim/README.md for the fields).
std::string ReportJson(const SimReport& report);
// A few lines for people.
void PrintSummary(const SimReport& report, std::ostream& out);
// The days of `reports` (one seed, one policy each) side by side: dispatch's figures.
void PrintComparison(const std::vector<SimReport>& reports, std::ostream& out);

}  // namespace pasar::sim
