// Seeded randomness for the simulation. Every decision a simulated person makes comes from an
// Rng built from (run seed, person, index), never from a shared stream, so the same people make
// the same choices in every run with the same seed, whatever the services' timing.
#pragma once

#include <cstdint>
#include <string_view>
#include <vector>

namespace pasar::sim {

class Rng final {
 public:
  // The generator of `person`'s `index`-th decision (e.g. ("trader:pb-sayur-bu-sri", 17)).
  Rng(uint64_t seed, std::string_view person, int64_t index);

  uint64_t Next();                       // 64 random bits (SplitMix64)
  double Uniform();                      // [0, 1)
  double Uniform(double lo, double hi);  // [lo, hi)
  int64_t Int(int64_t lo, int64_t hi);   // [lo, hi], lo <= hi
  bool Chance(double p);                 // true with probability p
  double Exponential(double mean);       // > 0
  // An index drawn in proportion to `weights` (all >= 0, at least one > 0).
  size_t Weighted(const std::vector<double>& weights);

 private:
  uint64_t state_;
};

}  // namespace pasar::sim
