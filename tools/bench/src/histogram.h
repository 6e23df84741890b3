// A log-linear latency histogram in the manner of HdrHistogram: exact below 128, then 64
// sub-buckets per power of two, so every recorded value is known within 1/64 (< 1.6 %) of its
// size, from nanoseconds to hours, in a fixed array. Not thread-safe: record per thread and
// Merge, or guard it.
#pragma once

#include <array>
#include <cstdint>

#include "nlohmann/json.hpp"

namespace pasar::bench {

class Histogram final {
 public:
  static constexpr int kExactLimit = 128;  // values below are counted exactly
  static constexpr int kSubBuckets = 64;   // per power of two above kExactLimit
  // Shifts 1..56 cover every non-negative int64.
  static constexpr int kBuckets = kExactLimit + 56 * kSubBuckets;

  // Records one value (negative values are recorded as 0).
  void Record(int64_t value);
  void Merge(const Histogram& other);

  int64_t count() const { return count_; }
  int64_t min() const { return count_ == 0 ? 0 : min_; }
  int64_t max() const { return max_; }
  double mean() const { return count_ == 0 ? 0.0 : static_cast<double>(sum_) / count_; }
  // The value at quantile q in [0, 1]: the middle of its bucket, clamped to [min, max]; the
  // exact min for the first rank and the exact max for the last; 0 when empty.
  int64_t Quantile(double q) const;

  // Index of the bucket holding `value` (>= 0), and the smallest value of bucket `index`.
  static int BucketIndex(int64_t value);
  static int64_t BucketLow(int index);

 private:
  std::array<int64_t, kBuckets> counts_{};
  int64_t count_ = 0;
  int64_t min_ = 0;
  int64_t max_ = 0;
  __int128 sum_ = 0;
};

// {"count", "mean", "p50", "p90", "p99", "p999", "max"} of a histogram of nanoseconds, in
// microseconds (floating point).
nlohmann::json LatencySummaryMicros(const Histogram& nanos);

}  // namespace pasar::bench
