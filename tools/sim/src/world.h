// What the simulated people share: the services' API, the clock, the orders placed so far, and
// the pickup codes traders tell couriers in person.
#pragma once

#include <atomic>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "pasar/order/v1/order.pb.h"
#include "pasar/town/api.h"
#include "pasar/town/seed.h"
#include "scheduler.h"
#include "sim.h"

namespace pasar::sim {

// Real time and simulated time: the town runs `speedup` times faster than the wall clock.
struct Clock {
  absl::Time start;
  double speedup = 1;

  absl::Duration Real(double sim_seconds) const { return absl::Seconds(sim_seconds / speedup); }
  double SimSeconds(absl::Time t) const { return absl::ToDoubleSeconds(t - start) * speedup; }
};

// One order a simulated customer placed.
struct PlacedOrder {
  int index = 0;         // the customer's number (arrival order)
  std::string id;        // order id
  std::string customer;  // the customer's JWT subject
  std::string token;     // the customer's token
  std::string market;    // market slug
  absl::Duration place_latency;
  // The latest state the customer's app saw (GetOrder), updated by the tracker.
  absl::Mutex mu;
  order::v1::Order last ABSL_GUARDED_BY(mu);
  bool terminal ABSL_GUARDED_BY(mu) = false;
};

// The orders placed so far, by id.
class Registry final {
 public:
  void Add(std::shared_ptr<PlacedOrder> order);
  std::shared_ptr<PlacedOrder> Find(const std::string& id) const;
  // Waits up to `timeout` for `id` to be added: a trader may see the ticket before PlaceOrder
  // has returned to the customer.
  std::shared_ptr<PlacedOrder> Await(const std::string& id, absl::Duration timeout) const;
  std::vector<std::shared_ptr<PlacedOrder>> All() const;

 private:
  mutable absl::Mutex mu_;
  std::map<std::string, std::shared_ptr<PlacedOrder>> by_id_ ABSL_GUARDED_BY(mu_);
  std::vector<std::shared_ptr<PlacedOrder>> in_order_ ABSL_GUARDED_BY(mu_);
};

// Pickup codes, told by the trader to the courier standing at the stall once the ticket is
// packed (the API shows the code to the trader only, as it should).
class Handover final {
 public:
  void Tell(const std::string& ticket_id, std::string code);
  // The code once told; nullopt at `deadline` or once `give_up` is true (checked every 100 ms).
  std::optional<std::string> Await(const std::string& ticket_id, absl::Time deadline,
                                   const std::atomic<bool>& give_up) const;

 private:
  mutable absl::Mutex mu_;
  std::map<std::string, std::string> codes_ ABSL_GUARDED_BY(mu_);
};

struct Counters {
  std::atomic<int64_t> arrivals{0}, placed{0}, cancel_requests{0}, cancel_too_late{0};
  std::atomic<int64_t> tickets{0}, tickets_rejected{0}, lines_rejected{0}, weighed_adjusted{0};
  std::atomic<int64_t> tickets_unanswered{0};
  std::atomic<int64_t> offers_seen{0}, offers_declined{0}, fixes_sent{0};
  std::atomic<int64_t> delivery_attempts{0};
  // Stacked trips (the couriers'): orders delivered in a trip of 2+, those past the bound, and
  // the largest delay seen (town milliseconds).
  std::atomic<int64_t> stacked_orders{0}, stacked_past_bound{0}, stacked_max_delay_ms{0};
  // Stacked orders later than the bound only by the time spent at an earlier failed door.
  std::atomic<int64_t> stacked_late_after_failure{0};
  absl::Mutex mu;
  std::map<std::string, int64_t> refused ABSL_GUARDED_BY(mu);
};

// The day's programme, once set up (programme.h).
struct DayProgramme {
  std::string id;  // empty: no programme today
  std::string office_token;
  absl::Mutex mu;
  std::map<std::string, int64_t> refused ABSL_GUARDED_BY(mu);  // benefit reason -> carts
  std::map<std::string, int> resident_of ABSL_GUARDED_BY(mu);  // linked customer -> index
};

struct World {
  World(const SimConfig& c, town::Api& a, town::Seeded s, std::string run)
      : config(c), api(a), seeded(std::move(s)), run_id(std::move(run)) {}

  const SimConfig& config;
  town::Api& api;
  town::Seeded seeded;  // slug -> UUID
  std::string run_id;
  Clock clock;
  Registry orders;
  Handover handover;
  Counters counters;
  DayProgramme programme;
  std::atomic<bool> stopping{false};
  std::ostream* log = nullptr;
  bool tty = false;  // the log is a terminal: the progress line is redrawn in place

  // The slug of a seeded UUID (empty when unknown).
  std::string Slug(const std::string& uuid) const;
  // "<run id>:<what>".
  std::string Key(const std::string& what) const { return run_id + ":" + what; }
  void Note(const std::string& line);      // a line on the log (serialised)
  void Progress(const std::string& line);  // the live progress line

 private:
  absl::Mutex log_mu_;
  mutable absl::Mutex slug_mu_;
  mutable std::map<std::string, std::string> slug_of_ ABSL_GUARDED_BY(slug_mu_);
};

}  // namespace pasar::sim
