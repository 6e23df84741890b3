#include "domain/stats.h"

#include <algorithm>

namespace pasar::reporting {

int64_t DivRoundHalfUp(__int128 a, __int128 b) {
  return static_cast<int64_t>((2 * a + b) / (2 * b));
}

int64_t DivRoundHalfAway(__int128 a, __int128 b) {
  return a < 0 ? -DivRoundHalfUp(-a, b) : DivRoundHalfUp(a, b);
}

int64_t Median(std::vector<int64_t>& values) {
  if (values.empty()) return 0;
  std::sort(values.begin(), values.end());
  const size_t n = values.size();
  if (n % 2 == 1) return values[n / 2];
  const __int128 sum = static_cast<__int128>(values[n / 2 - 1]) + values[n / 2];
  // Half up also for negative sums (floor of sum/2 + 1/2).
  return static_cast<int64_t>(sum >= 0 ? (sum + 1) / 2 : -((-sum) / 2));
}

int64_t P90(std::vector<int64_t>& values) {
  if (values.empty()) return 0;
  std::sort(values.begin(), values.end());
  const size_t rank = (values.size() * 9 + 9) / 10;  // ceil(0.9 n), 1-based
  return values[rank - 1];
}

}  // namespace pasar::reporting
