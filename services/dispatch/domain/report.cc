#include "domain/report.h"

#include <algorithm>
#include <cmath>
#include <map>

namespace pasar::dispatch::domain {
namespace {

constexpr double kMsPerHour = 3600.0 * 1000.0;

// `intervals` clipped to [from_ms, to_ms), sorted and merged.
std::vector<Interval> Merged(std::vector<Interval> intervals, int64_t from_ms, int64_t to_ms) {
  std::vector<Interval> clipped;
  for (Interval i : intervals) {
    i.from_ms = std::max(i.from_ms, from_ms);
    i.to_ms = std::min(i.to_ms, to_ms);
    if (i.from_ms < i.to_ms) clipped.push_back(i);
  }
  std::sort(clipped.begin(), clipped.end(),
            [](const Interval& a, const Interval& b) { return a.from_ms < b.from_ms; });
  std::vector<Interval> merged;
  for (const Interval& i : clipped) {
    if (!merged.empty() && i.from_ms <= merged.back().to_ms) {
      merged.back().to_ms = std::max(merged.back().to_ms, i.to_ms);
    } else {
      merged.push_back(i);
    }
  }
  return merged;
}

double Ratio(double a, double b) {
  return b > 0 ? a / b : 0;
}

}  // namespace

double Percentile(std::vector<double> values, double q) {
  if (values.empty()) return 0;
  std::sort(values.begin(), values.end());
  const auto n = static_cast<double>(values.size());
  const auto rank = static_cast<std::size_t>(std::ceil(q * n));
  return values[std::min(values.size() - 1, rank == 0 ? 0 : rank - 1)];
}

double Gini(std::span<const double> values) {
  if (values.empty()) return 0;
  std::vector<double> x(values.begin(), values.end());
  std::sort(x.begin(), x.end());
  double total = 0;
  for (double v : x)
    total += v;
  if (total <= 0) return 0;
  // Sum over pairs |x_i - x_j| = 2 * sum_i (2i - n + 1) x_i over the sorted values (0-based i).
  const auto n = static_cast<double>(x.size());
  double weighted = 0;
  for (std::size_t i = 0; i < x.size(); ++i)
    weighted += (2.0 * static_cast<double>(i) - n + 1.0) * x[i];
  return weighted / (n * total);
}

int64_t UnionLength(std::vector<Interval> intervals, int64_t from_ms, int64_t to_ms) {
  int64_t total = 0;
  for (const Interval& i : Merged(std::move(intervals), from_ms, to_ms))
    total += i.to_ms - i.from_ms;
  return total;
}

int64_t OverlapLength(std::vector<Interval> a, std::vector<Interval> b, int64_t from_ms,
                      int64_t to_ms) {
  const std::vector<Interval> ma = Merged(std::move(a), from_ms, to_ms);
  const std::vector<Interval> mb = Merged(std::move(b), from_ms, to_ms);
  int64_t total = 0;
  std::size_t j = 0;
  for (const Interval& i : ma) {
    while (j < mb.size() && mb[j].to_ms <= i.from_ms)
      ++j;
    for (std::size_t k = j; k < mb.size() && mb[k].from_ms < i.to_ms; ++k) {
      total += std::min(i.to_ms, mb[k].to_ms) - std::max(i.from_ms, mb[k].from_ms);
    }
  }
  return total;
}

Report ComputeReport(const ReportInput& in) {
  Report r;
  int64_t jobs_in_trips = 0;
  for (const ReportInput::Trip& t : in.trips) {
    ++r.trips;
    jobs_in_trips += t.jobs;
    r.pickup_distance_total_m += t.distance_to_market_m;
  }
  r.orders_per_trip = Ratio(static_cast<double>(jobs_in_trips), static_cast<double>(r.trips));
  r.pickup_distance_per_order_m =
      Ratio(static_cast<double>(r.pickup_distance_total_m), static_cast<double>(jobs_in_trips));
  r.orders_assigned = static_cast<int64_t>(in.first_assign_latency_ms.size());
  r.assign_latency_p50_ms = std::llround(Percentile(in.first_assign_latency_ms, 0.50));
  r.assign_latency_p99_ms = std::llround(Percentile(in.first_assign_latency_ms, 0.99));
  r.offers_made = in.offers_made;
  r.offers_declined = in.offers_declined;
  r.offers_expired = in.offers_expired;
  r.offers_per_assignment =
      Ratio(static_cast<double>(in.offers_made), static_cast<double>(r.trips));

  // Per courier of the market: time on shift, time holding a job while on shift, earnings.
  struct PerCourier {
    std::vector<Interval> shifts;
    std::vector<Interval> holdings;
    double earnings = 0;
  };
  std::map<std::string, PerCourier> couriers;
  for (const std::string& id : in.couriers)
    couriers[id];
  for (const ReportInput::Span& s : in.shifts) {
    if (auto it = couriers.find(s.courier_id); it != couriers.end())
      it->second.shifts.push_back(s.interval);
  }
  for (const ReportInput::Span& h : in.holdings) {
    if (auto it = couriers.find(h.courier_id); it != couriers.end())
      it->second.holdings.push_back(h.interval);
  }
  for (const ReportInput::Delivery& d : in.deliveries) {
    ++r.deliveries;
    if (auto it = couriers.find(d.courier_id); it != couriers.end())
      it->second.earnings += static_cast<double>(d.fee_idr);
  }
  int64_t shift_ms = 0;
  int64_t busy_ms = 0;
  std::vector<double> idle, earnings;
  for (auto& [id, c] : couriers) {
    const int64_t on_shift = UnionLength(c.shifts, in.from_ms, in.to_ms);
    if (on_shift <= 0) continue;
    const int64_t busy = OverlapLength(c.holdings, c.shifts, in.from_ms, in.to_ms);
    ++r.couriers_on_shift;
    shift_ms += on_shift;
    busy_ms += busy;
    idle.push_back(static_cast<double>(on_shift - busy));
    earnings.push_back(c.earnings);
  }
  r.shift_hours = static_cast<double>(shift_ms) / kMsPerHour;
  r.busy_hours = static_cast<double>(busy_ms) / kMsPerHour;
  r.utilisation = Ratio(r.busy_hours, r.shift_hours);
  r.idle_time_gini = Gini(idle);
  r.earnings_gini = Gini(earnings);
  r.deliveries_per_courier_hour = Ratio(static_cast<double>(r.deliveries), r.shift_hours);
  return r;
}

}  // namespace pasar::dispatch::domain
