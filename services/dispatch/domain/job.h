// The aggregates a dispatch decision works on, as plain data: a job (one per confirmed order),
// its stops (one per ticket), an offer of the job to a courier, a courier. The use cases (app/)
// load them locked, call one decision (decisions.h), and the store writes back what changed.
//
// Times stay in the database: what depends on its clock arrives here as flags computed under
// the lock (Job::overdue, Offer::expired), and a decision that restarts or stops one of the
// courier's clocks says so (Clock), the store writing now() or NULL.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "domain/lifecycle.h"

namespace pasar::dispatch::domain {

// What a write does to one of the courier's timestamps.
enum class Clock {
  kKeep,     // unchanged
  kRestart,  // now
  kStop,     // cleared
};

struct Courier {
  std::string id;
  CourierState state = CourierState::kOffDuty;
  int64_t cash_on_hand_idr = 0;  // cash carried to pay traders (talangan)
  std::string current_job_id;    // "" when none
  int consecutive_timeouts = 0;  // offers left to expire in a row
  // Shown to the customer in CourierAssigned.
  std::string name;
  std::string vehicle_plate;
  std::string phone;

  // Set by the decisions; the store writes the courier only when `changed`.
  bool changed = false;
  Clock shift_clock = Clock::kKeep;  // shift_started_at
  Clock idle_clock = Clock::kKeep;   // idle_since (the matcher's fairness credit)
};

struct Offer {
  std::string id;
  std::string job_id;
  std::string courier_id;
  OfferState state = OfferState::kPending;
  bool expired = false;  // its countdown has run out (expires_at <= the database's now)
  int32_t eta_seconds = 0;
  int64_t distance_to_market_meters = 0;
  // A stacked trip: the offers of one bundle share its id ("" for a single order) and are
  // answered together; bundle_position is the job's place in the drop-off order (0 first).
  std::string bundle_id;
  int bundle_position = 0;
  // How it ended, set by the decisions:
  int decline_reason = 0;  // pasar.dispatch.v1.DeclineReason value (DECLINED)
  std::optional<std::string> decline_note;
  // WITHDRAWN: why; EXPIRED: OFFER_EXPIRED, or COURIER_OFF_DUTY when the timeout took the
  // courier off duty (what WatchOffers tells the courier).
  std::optional<WithdrawReason> withdraw_reason;

  bool changed = false;  // set by the decisions: the store writes the resolution
};

struct Stop {
  std::string ticket_id;
  std::string stall_id;
  int64_t amount_idr = 0;  // the ticket total, paid by the courier to the trader at pickup
  std::string pickup_code;
  int attempts = 0;  // wrong pickup codes typed by the current courier
  bool picked_up = false;
  // After a failed delivery: where its goods went back (nullopt while not returned).
  std::optional<ReturnDestination> returned_to;

  // Set by the decisions:
  bool attempt_counted = false;  // `attempts` grew
  bool picked_now = false;       // picked up (and paid `amount_idr`) by this decision
  bool returned_now = false;     // its goods back (returned_to) by this decision
};

struct Job {
  std::string id;  // = the order id
  std::string market_id;
  std::string correlation_id;
  JobState state = JobState::kPending;
  std::string courier_id;  // the courier who accepted it; "" when none
  int64_t goods_total_idr = 0;
  int64_t cash_to_collect_idr = 0;
  int64_t delivery_fee_idr = 0;  // the courier's earning
  std::string delivery_pin;
  int pin_attempts = 0;  // wrong delivery PINs typed
  int offers_made = 0;
  int stops = 0;           // tickets to pick up
  int stops_picked = 0;    // of which picked up
  int stops_returned = 0;  // of which back at the stall or the office after a failed delivery
  bool overdue = false;    // its dispatch deadline has passed (the database's clock)
  // The stacked trip it was offered in / is carried in ("" when alone; cleared when the job is
  // PENDING again), and its place in the drop-off order (0 first).
  std::string bundle_id;
  int bundle_position = 0;

  // Set by the decisions: the transition applied (the store writes by it), a PIN attempt.
  std::optional<JobEvent> transition;
  bool pin_attempt_counted = false;
};

// Limits of the lifecycle (configuration).
struct Limits {
  int max_consecutive_timeouts = 3;  // offers left to expire in a row, then OFF_DUTY
  int max_code_attempts = 5;         // wrong pickup codes per ticket / delivery PINs per job
};

// Defaults of a job created from OrderConfirmed.
inline constexpr int kDefaultDispatchTimeoutSeconds = 600;

// Whether the lifecycle table allows `event` now.
bool Allows(const Job& job, JobEvent event);
bool Allows(const Offer& offer, OfferEvent event);
bool Allows(const Courier& courier, CourierEvent event);
// Applies `event` through the lifecycle table: the new state, marked for the store; false (and
// nothing changed) when the table refuses it.
bool Apply(Job& job, JobEvent event);
bool Apply(Offer& offer, OfferEvent event);
bool Apply(Courier& courier, CourierEvent event);

}  // namespace pasar::dispatch::domain
