// The dispatch report (DispatchOpsService.GetDispatchReport, pasar-sim's `dispatch` section) as
// pure computation over dispatch's own records of a window: trips (accepted offers), offers,
// first assignments, shifts, the couriers' holdings of jobs and their deliveries. The store reads
// the rows (store/report.h); everything computed from them is here, without I/O.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <vector>

namespace pasar::dispatch::domain {

// Nearest-rank percentile (q in (0, 1]) of `values`; 0 when there are none.
double Percentile(std::vector<double> values, double q);

// Gini coefficient of non-negative values: sum over pairs |x_i - x_j| / (2 n^2 mean). 0 when
// every value is equal (or there are none, or all are 0); (n - 1) / n when one holds everything.
double Gini(std::span<const double> values);

// A half-open interval of unix milliseconds.
struct Interval {
  int64_t from_ms = 0;
  int64_t to_ms = 0;
};
// The length of the union of `intervals` within [from_ms, to_ms), milliseconds.
int64_t UnionLength(std::vector<Interval> intervals, int64_t from_ms, int64_t to_ms);
// The length of the union of `a` that lies within the union of `b`, within [from_ms, to_ms).
int64_t OverlapLength(std::vector<Interval> a, std::vector<Interval> b, int64_t from_ms,
                      int64_t to_ms);

struct ReportInput {
  int64_t from_ms = 0;  // the window [from_ms, to_ms)
  int64_t to_ms = 0;

  // One accepted offer (a trip): who, how far from the market when offered, how many jobs.
  struct Trip {
    std::string courier_id;
    int64_t distance_to_market_m = 0;
    int jobs = 1;
  };
  std::vector<Trip> trips;  // accepted within the window

  // Offers made within the window, by how they ended.
  int64_t offers_made = 0;
  int64_t offers_declined = 0;
  int64_t offers_expired = 0;

  std::vector<double> first_assign_latency_ms;  // confirmation -> first courier, within the window

  // The couriers counted (the market's), their shifts and the times they held jobs (any market).
  std::vector<std::string> couriers;
  struct Span {
    std::string courier_id;
    Interval interval;  // an open one ends at to_ms
  };
  std::vector<Span> shifts;
  std::vector<Span> holdings;

  // Jobs delivered within the window (of the market): by whom, the fee earned.
  struct Delivery {
    std::string courier_id;
    int64_t fee_idr = 0;
  };
  std::vector<Delivery> deliveries;
};

struct Report {
  int64_t orders_assigned = 0;
  int64_t trips = 0;
  double orders_per_trip = 0;
  int64_t pickup_distance_total_m = 0;
  double pickup_distance_per_order_m = 0;
  int64_t assign_latency_p50_ms = 0;
  int64_t assign_latency_p99_ms = 0;
  int64_t offers_made = 0;
  double offers_per_assignment = 0;  // offers made / trips
  int64_t offers_declined = 0;
  int64_t offers_expired = 0;
  int couriers_on_shift = 0;
  double shift_hours = 0;
  double busy_hours = 0;  // time holding a job while on shift
  double utilisation = 0;
  double idle_time_gini = 0;
  double earnings_gini = 0;
  int64_t deliveries = 0;
  double deliveries_per_courier_hour = 0;
};

Report ComputeReport(const ReportInput& input);

}  // namespace pasar::dispatch::domain
