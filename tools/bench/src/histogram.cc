#include "histogram.h"

#include <algorithm>
#include <bit>
#include <cmath>

namespace pasar::bench {

int Histogram::BucketIndex(int64_t value) {
  if (value < kExactLimit) return static_cast<int>(std::max<int64_t>(value, 0));
  const auto v = static_cast<uint64_t>(value);
  const int msb = 63 - std::countl_zero(v);  // >= 7
  const int shift = msb - 6;                 // v >> shift lies in [64, 128)
  return kExactLimit + (shift - 1) * kSubBuckets + static_cast<int>((v >> shift) - kSubBuckets);
}

int64_t Histogram::BucketLow(int index) {
  if (index < kExactLimit) return index;
  const int k = index - kExactLimit;
  const int shift = k / kSubBuckets + 1;
  return static_cast<int64_t>(k % kSubBuckets + kSubBuckets) << shift;
}

void Histogram::Record(int64_t value) {
  value = std::max<int64_t>(value, 0);
  ++counts_[BucketIndex(value)];
  if (count_ == 0 || value < min_) min_ = value;
  max_ = std::max(max_, value);
  ++count_;
  sum_ += value;
}

void Histogram::Merge(const Histogram& other) {
  if (other.count_ == 0) return;
  for (int i = 0; i < kBuckets; ++i)
    counts_[i] += other.counts_[i];
  min_ = count_ == 0 ? other.min_ : std::min(min_, other.min_);
  max_ = std::max(max_, other.max_);
  count_ += other.count_;
  sum_ += other.sum_;
}

int64_t Histogram::Quantile(double q) const {
  if (count_ == 0) return 0;
  q = std::clamp(q, 0.0, 1.0);
  // The rank of the value, 1-based: the smallest value with at least q of the values at or
  // below it.
  const auto rank = std::max<int64_t>(1, static_cast<int64_t>(std::ceil(q * count_)));
  if (rank == 1) return min_;
  if (rank >= count_) return max_;
  int64_t seen = 0;
  for (int i = 0; i < kBuckets; ++i) {
    seen += counts_[i];
    if (seen >= rank) {
      const int64_t low = BucketLow(i);
      const int64_t width = i + 1 < kBuckets ? BucketLow(i + 1) - low : 1;
      return std::clamp(low + (width - 1) / 2, min_, max_);
    }
  }
  return max_;
}

nlohmann::json LatencySummaryMicros(const Histogram& nanos) {
  auto us = [](double ns) { return std::round(ns / 10.0) / 100.0; };  // 0.01 us resolution
  return {{"count", nanos.count()},
          {"mean", us(nanos.mean())},
          {"p50", us(static_cast<double>(nanos.Quantile(0.50)))},
          {"p90", us(static_cast<double>(nanos.Quantile(0.90)))},
          {"p99", us(static_cast<double>(nanos.Quantile(0.99)))},
          {"p999", us(static_cast<double>(nanos.Quantile(0.999)))},
          {"max", us(static_cast<double>(nanos.max()))}};
}

}  // namespace pasar::bench
