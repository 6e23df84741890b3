// The simulated people. Each uses only the API its role has, with its own token:
//  - customers (one scheduled task each): QuoteOrder, PlaceOrder, later maybe CancelOrder;
//  - traders (one per stall): WatchTickets, AcceptTicket / RejectTicket after a delay,
//    MarkTicketReady after packing, then tell the pickup code to the courier at the stall;
//  - couriers: StartShift, ReportLocations while moving, WatchOffers, AcceptOffer /
//    DeclineOffer, ConfirmPickup with the code and the ticket total, ConfirmDelivery with the
//    customer's PIN and the order total.
#pragma once

#include <atomic>
#include <deque>
#include <map>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "pasar/dispatch/v1/dispatch.pb.h"
#include "pasar/order/v1/order.pb.h"
#include "world.h"

namespace pasar::sim {

// Customer `index` arrives now: plans a cart, quotes, places; schedules a cancellation when the
// plan says so.
void CustomerArrives(World& world, Scheduler& scheduler, int index);

class Trader final {
 public:
  Trader(World& world, Scheduler& scheduler, const town::Stall& stall);
  Trader(const Trader&) = delete;
  Trader& operator=(const Trader&) = delete;
  ~Trader();

  void Start();
  void Stop();  // closes the stream and joins

 private:
  void Run();
  void OnTicket(const order::v1::Ticket& ticket);
  void Decide(const order::v1::Ticket& ticket, int order_index);
  void MarkReady(const std::string& ticket_id, const std::string& code);

  World& world_;
  Scheduler& scheduler_;
  const town::Stall& stall_;
  const std::string stall_id_;
  const std::string token_;
  int tolerance_percent_ = 0;
  std::atomic<bool> stop_{false};
  std::thread thread_;
  absl::Mutex mu_;
  grpc::ClientContext* stream_ ABSL_GUARDED_BY(mu_) = nullptr;
  std::set<std::string> seen_ ABSL_GUARDED_BY(mu_);
};

class Courier final {
 public:
  Courier(World& world, Scheduler& scheduler, const town::Courier& courier);
  Courier(const Courier&) = delete;
  Courier& operator=(const Courier&) = delete;
  ~Courier();

  // StartShift (throws when refused), then the location, offer and job threads.
  void Start();
  // Stops the threads, then EndShift.
  void Stop();
  bool busy() const { return busy_; }
  int64_t deliveries() const { return deliveries_; }

 private:
  void ReportLoop();
  void OfferLoop();
  void JobLoop();
  void OnOffer(const dispatch::v1::Offer& offer);
  void Answer(const dispatch::v1::Offer& offer);
  void Take(const dispatch::v1::Job& job);  // queue a job that is ours, once
  // Queue a stacked trip (its jobs in drop-off order), once.
  void TakeTrip(const std::vector<dispatch::v1::Job>& jobs);
  void DoJob(dispatch::v1::Job job);
  // A stacked trip: every ticket of every job picked up, then the drop-offs in order; each
  // order's delivery checked against its solo delivery + the day's bound. A failed drop-off
  // (customer absent) does not hold back the later ones: its goods go back to the market after
  // the last drop-off (dispatch's order: services/dispatch/README.md, "A failed drop-off").
  void DoTrip(std::vector<dispatch::v1::Job> jobs);
  // At the market: every ticket of `job` picked up (`job` updated); false when interrupted or
  // refused.
  bool PickUp(dispatch::v1::Job& job, std::map<std::string, std::string>& codes);
  // From where the courier is: ride to the drop-off and hand over; true when delivered. When
  // the customer is not home the failure is declared at the door, and the goods go back at once
  // (`to_return` null) or later: the job is appended to `to_return`.
  bool Deliver(const dispatch::v1::Job& job, const std::map<std::string, std::string>& codes,
               std::vector<dispatch::v1::Job>* to_return = nullptr);
  // The customer is not home: attempts at the door, then the failure declared; true when
  // declared. Adds the time spent at the door after the first ring to `failed_door_time_`.
  bool FailAtDoor(const dispatch::v1::Job& job);
  // A failed job's goods back to their stalls with the codes the traders told at pickup
  // (ticket -> code).
  void ReturnGoods(const dispatch::v1::Job& job, const std::map<std::string, std::string>& codes);
  // Rides to `to`; false when the job was withdrawn or the day ended on the way.
  bool Ride(geo::LatLng to);
  // Waits `sim_seconds` of simulated time; false when interrupted like Ride.
  bool Pause(double sim_seconds);
  bool Interrupted() const { return stop_ || abort_job_; }
  // Whether dispatch still has `job` as this courier's current job (or, in a stacked trip, the
  // trip's current job while `job` was not withdrawn).
  bool StillMine(const dispatch::v1::Job& job);
  geo::LatLng Position(absl::Time t) const;
  void Cancel(grpc::ClientContext** slot);

  World& world_;
  Scheduler& scheduler_;
  const town::Courier& courier_;
  const std::string token_;
  const double speed_;  // metres per real second
  std::atomic<bool> stop_{false};
  std::atomic<bool> started_{false};
  std::atomic<bool> abort_job_{false};
  std::atomic<bool> busy_{false};
  std::atomic<int64_t> deliveries_{0};
  // Real time spent at doors where the delivery then failed (JobLoop's thread only): a stacked
  // trip's later drop-offs wait for it, a delay the bundle's plan could not foresee.
  absl::Duration failed_door_time_;
  std::thread report_thread_, offer_thread_, job_thread_;

  mutable absl::Mutex mu_;
  geo::LatLng leg_from_ ABSL_GUARDED_BY(mu_);
  geo::LatLng leg_to_ ABSL_GUARDED_BY(mu_);
  absl::Time leg_start_ ABSL_GUARDED_BY(mu_);
  std::deque<std::vector<dispatch::v1::Job>> queue_ ABSL_GUARDED_BY(mu_);  // trips
  std::set<std::string> jobs_taken_ ABSL_GUARDED_BY(mu_);
  std::set<std::string> offers_seen_ ABSL_GUARDED_BY(mu_);
  std::set<std::string> withdrawn_ ABSL_GUARDED_BY(mu_);  // jobs taken back or cancelled
  std::string current_job_ ABSL_GUARDED_BY(mu_);
  grpc::ClientContext* report_stream_ ABSL_GUARDED_BY(mu_) = nullptr;
  grpc::ClientContext* offer_stream_ ABSL_GUARDED_BY(mu_) = nullptr;
};

}  // namespace pasar::sim
