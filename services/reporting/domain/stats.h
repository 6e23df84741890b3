// The few statistics the reports use, on whole numbers (rupiah, milliseconds). Pure.
#pragma once

#include <cstdint>
#include <vector>

namespace pasar::reporting {

// The median: the middle value, or the mean of the two middle ones rounded half up. 0 when
// empty. Sorts `values`.
int64_t Median(std::vector<int64_t>& values);
// The nearest-rank 90th percentile: the ceil(0.9 n)-th smallest value. 0 when empty. Sorts
// `values`.
int64_t P90(std::vector<int64_t>& values);
// a / b rounded half up, for a >= 0 and b > 0 (exact in 128 bits).
int64_t DivRoundHalfUp(__int128 a, __int128 b);
// a / b rounded half away from zero, for any a and b > 0.
int64_t DivRoundHalfAway(__int128 a, __int128 b);

}  // namespace pasar::reporting
