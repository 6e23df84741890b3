#include <unistd.h>

#include <limits>

#include <catch2/catch.hpp>

#include "histogram.h"
#include "proc.h"

using pasar::bench::Histogram;

TEST_CASE("bucket bounds are contiguous and hold their values") {
  for (int i = 0; i + 1 < Histogram::kBuckets; ++i) {
    REQUIRE(Histogram::BucketLow(i) < Histogram::BucketLow(i + 1));
    REQUIRE(Histogram::BucketIndex(Histogram::BucketLow(i)) == i);
    REQUIRE(Histogram::BucketIndex(Histogram::BucketLow(i + 1) - 1) == i);
  }
  REQUIRE(Histogram::BucketIndex(0) == 0);
  REQUIRE(Histogram::BucketIndex(127) == 127);
  REQUIRE(Histogram::BucketIndex(128) == 128);
  REQUIRE(Histogram::BucketIndex(std::numeric_limits<int64_t>::max()) == Histogram::kBuckets - 1);
  Histogram h;
  h.Record(std::numeric_limits<int64_t>::max());
  h.Record(-5);  // recorded as 0
  REQUIRE(h.count() == 2);
  REQUIRE(h.min() == 0);
  REQUIRE(h.Quantile(1.0) == std::numeric_limits<int64_t>::max());
}

TEST_CASE("quantiles are within the bucket precision") {
  Histogram h;
  for (int64_t v = 1; v <= 100000; ++v)
    h.Record(v * 1000);  // 1 us .. 100 ms in ns
  REQUIRE(h.count() == 100000);
  REQUIRE(h.min() == 1000);
  REQUIRE(h.max() == 100000000);
  REQUIRE(h.mean() == Approx(50000500.0));
  const double p50 = static_cast<double>(h.Quantile(0.5));
  const double p99 = static_cast<double>(h.Quantile(0.99));
  const double p999 = static_cast<double>(h.Quantile(0.999));
  REQUIRE(p50 == Approx(50000000.0).epsilon(1.0 / 64));
  REQUIRE(p99 == Approx(99000000.0).epsilon(1.0 / 64));
  REQUIRE(p999 == Approx(99900000.0).epsilon(1.0 / 64));
  REQUIRE(h.Quantile(1.0) == h.max());
  REQUIRE(h.Quantile(0.0) == h.min());
}

TEST_CASE("merging equals recording into one histogram") {
  Histogram a, b, all;
  for (int64_t v = 0; v < 5000; ++v) {
    (v % 3 == 0 ? a : b).Record(v * v);
    all.Record(v * v);
  }
  a.Merge(b);
  REQUIRE(a.count() == all.count());
  REQUIRE(a.min() == all.min());
  REQUIRE(a.max() == all.max());
  for (double q : {0.1, 0.5, 0.9, 0.99, 0.999})
    REQUIRE(a.Quantile(q) == all.Quantile(q));
  REQUIRE(Histogram().Quantile(0.5) == 0);
}

TEST_CASE("the process's own CPU time and RSS are readable, and pid lists parse") {
  const auto cpu = pasar::bench::CpuSeconds(getpid());
  const auto rss = pasar::bench::RssBytes(getpid());
  REQUIRE(cpu.has_value());
  REQUIRE(*cpu >= 0.0);
  REQUIRE(rss.has_value());
  REQUIRE(*rss > 0);
  REQUIRE_FALSE(pasar::bench::CpuSeconds(-1).has_value());
  const auto pids = pasar::bench::ParsePids("order=12,inventory=34");
  REQUIRE(pids.at("order") == 12);
  REQUIRE(pids.at("inventory") == 34);
  REQUIRE_THROWS_AS(pasar::bench::ParsePids("order"), std::invalid_argument);
}
