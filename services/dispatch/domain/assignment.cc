#include "domain/assignment.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <stdexcept>
#include <utility>

#if defined(__x86_64__)
#include <immintrin.h>
#endif

namespace pasar::dispatch {
namespace {

constexpr double kInf = std::numeric_limits<double>::infinity();

// Lexicographic cost used by the fallback: `hi` counts dummy pairs (unmatched rows), `lo` is
// the real cost. hi == +inf is an infeasible pair; all such values compare equal.
struct Lex {
  double hi = 0;
  double lo = 0;
};
inline Lex operator+(Lex a, Lex b) {
  return {a.hi + b.hi, a.lo + b.lo};
}
inline Lex operator-(Lex a, Lex b) {
  return {a.hi - b.hi, a.lo - b.lo};
}
inline Lex& operator+=(Lex& a, Lex b) {
  return a = a + b;
}
inline Lex& operator-=(Lex& a, Lex b) {
  return a = a - b;
}
inline bool operator<(Lex a, Lex b) {
  if (a.hi != b.hi) return a.hi < b.hi;
  if (std::isinf(a.hi)) return false;
  return a.lo < b.lo;
}
inline bool operator==(Lex a, Lex b) {
  return a.hi == b.hi && (std::isinf(a.hi) || a.lo == b.lo);
}

inline bool IsInf(double x) {
  return x == kInf;
}
inline bool IsInf(Lex x) {
  return x.hi == kInf;
}

template <class T>
constexpr T Infinite();
template <>
constexpr double Infinite<double>() {
  return kInf;
}
template <>
constexpr Lex Infinite<Lex>() {
  return Lex{kInf, 0};
}

// The same matrix widened by one private dummy column per row (cost (1, 0)), so every row can
// always be matched; a row on its dummy is unmatched in the caller's terms.
class DummyWidenedMatrix final {
 public:
  DummyWidenedMatrix(int rows, int cols, const double* data)
      : rows_(rows), real_cols_(cols), data_(data) {}
  int rows() const { return rows_; }
  int cols() const { return real_cols_ + rows_; }
  const double* Row(int i) const { return data_ + static_cast<std::size_t>(i) * real_cols_; }
  Lex At(const double* row, int i, int j) const {
    if (j < real_cols_) return IsInf(row[j]) ? Infinite<Lex>() : Lex{0, row[j]};
    return j - real_cols_ == i ? Lex{1, 0} : Infinite<Lex>();
  }

 private:
  int rows_;
  int real_cols_;
  const double* data_;
};

// Greedy start: u_i = min_j c_ij, v = 0 is dual feasible; a row whose cheapest column is free
// takes it (tight), which leaves complementary slackness intact.
template <class T, class M>
void GreedyStart(const M& m, std::vector<T>& u, std::vector<int>& row4col,
                 std::vector<int>& col4row) {
  for (int i = 0; i < m.rows(); ++i) {
    const double* row = m.Row(i);
    T best = Infinite<T>();
    int best_j = -1;
    for (int j = 0; j < m.cols(); ++j) {
      const T c = m.At(row, i, j);
      if (c < best) {
        best = c;
        best_j = j;
      }
    }
    if (best_j >= 0 && row4col[best_j] == -1) {
      row4col[best_j] = i;
      col4row[i] = best_j;
      u[i] = best;
    }
  }
}

// Shortest augmenting paths (Crouse 2016, Algorithm 1 with the dual updates of scipy's
// rectangular_lsap), after a greedy start, for any ordered cost group T (used with Lex; the hot
// double path is FastShortestAugmentingPaths below, the same algorithm). Requires rows <= cols.
// Fills col4row; returns false when some row has no finite augmenting path (the instance has no
// assignment of every row).
template <class T, class M>
bool ShortestAugmentingPaths(const M& m, std::vector<int>& col4row) {
  const int nr = m.rows();
  const int nc = m.cols();
  std::vector<T> u(nr, T{});
  std::vector<T> v(nc, T{});
  std::vector<T> shortest(nc, Infinite<T>());
  std::vector<int> path(nc, -1);
  std::vector<int> row4col(nc, -1);
  std::vector<int> remaining(nc);
  std::vector<int> scanned_rows;
  std::vector<int> scanned_cols;
  scanned_rows.reserve(nr);
  scanned_cols.reserve(nc);
  col4row.assign(nr, -1);
  GreedyStart(m, u, row4col, col4row);

  for (int cur = 0; cur < nr; ++cur) {
    if (col4row[cur] != -1) continue;
    T min_val{};
    int i = cur;
    int num_remaining = nc;
    for (int it = 0; it < nc; ++it)
      remaining[it] = nc - it - 1;
    std::fill(shortest.begin(), shortest.end(), Infinite<T>());
    scanned_rows.clear();
    scanned_cols.clear();

    int sink = -1;
    while (sink == -1) {
      scanned_rows.push_back(i);
      const double* row = m.Row(i);
      const T base = min_val - u[i];
      int index = -1;
      T lowest = Infinite<T>();
      for (int it = 0; it < num_remaining; ++it) {
        const int j = remaining[it];
        const T r = base + m.At(row, i, j) - v[j];
        if (r < shortest[j]) {
          path[j] = i;
          shortest[j] = r;
        }
        if (shortest[j] < lowest || (shortest[j] == lowest && row4col[j] == -1)) {
          lowest = shortest[j];
          index = it;
        }
      }
      min_val = lowest;
      if (IsInf(min_val)) return false;
      const int j = remaining[index];
      if (row4col[j] == -1) {
        sink = j;
      } else {
        i = row4col[j];
      }
      scanned_cols.push_back(j);
      remaining[index] = remaining[--num_remaining];
    }

    u[cur] += min_val;
    for (int r : scanned_rows) {
      if (r != cur) u[r] += min_val - shortest[col4row[r]];
    }
    for (int c : scanned_cols)
      v[c] -= min_val - shortest[c];

    int j = sink;
    while (true) {
      const int r = path[j];
      row4col[j] = r;
      std::swap(col4row[r], j);
      if (r == cur) break;
    }
  }
  return true;
}

// One Dijkstra step of the double solver over a whole row: for every column j,
//   r = base + row[j] - v[j];  if r < d[j]: d[j] = r, path[j] = i
// and the column to settle: the smallest d, preferring an unassigned column among ties
// (Crouse's rule: it ends the path at once, and ties are common with integer costs or with
// identical rows), then the smallest index. `assigned[j]` is 0.0 for a free column, 1.0 for an
// assigned one, so the choice is the lexicographic minimum of (d, assigned, j), found in the
// same pass. Scanned columns carry v = -inf and d = +inf, so they never change and never win;
// r is never NaN (row[j] = +inf only meets finite or -inf v[j]). Vectorised by hand (SSE2, the
// x86-64 baseline; AVX2 when the CPU has it): this loop is where the solver spends its time.
struct StepMin {
  double lowest = kInf;
  double assigned = 2.0;
  int index = -1;
};

bool Before(const StepMin& a, const StepMin& b) {
  if (a.lowest != b.lowest) return a.lowest < b.lowest;
  if (a.assigned != b.assigned) return a.assigned < b.assigned;
  return a.index < b.index;
}

StepMin RelaxRowScalar(const double* row, const double* v, double* d, int64_t* path,
                       const double* assigned, int from, int nc, double base, int64_t i) {
  StepMin m;
  for (int j = from; j < nc; ++j) {
    const double r = base + row[j] - v[j];
    if (r < d[j]) {
      d[j] = r;
      path[j] = i;
    }
    if (d[j] < m.lowest || (d[j] == m.lowest && assigned[j] < m.assigned)) {
      m = StepMin{d[j], assigned[j], j};
    }
  }
  return m;
}

#if defined(__x86_64__) && defined(__SSE2__)
StepMin RelaxRowSse2(const double* row, const double* v, double* d, int64_t* path,
                     const double* assigned, int nc, double base, int64_t i) {
  const __m128d vbase = _mm_set1_pd(base);
  const __m128d two = _mm_set1_pd(2.0);
  __m128d low = _mm_set1_pd(kInf);
  __m128d low_assigned = _mm_set1_pd(2.0);
  __m128d low_index = _mm_set1_pd(-1.0);
  __m128d jv = _mm_set_pd(1.0, 0.0);
  int j = 0;
  for (; j + 2 <= nc; j += 2) {
    const __m128d r = _mm_sub_pd(_mm_add_pd(vbase, _mm_loadu_pd(row + j)), _mm_loadu_pd(v + j));
    __m128d dd = _mm_loadu_pd(d + j);
    const int better = _mm_movemask_pd(_mm_cmplt_pd(r, dd));
    if (better != 0) {  // rare after the first steps of a search
      dd = _mm_min_pd(r, dd);
      _mm_storeu_pd(d + j, dd);
      if (better & 1) path[j] = i;
      if (better & 2) path[j + 1] = i;
    }
    const __m128d a = _mm_loadu_pd(assigned + j);
    const __m128d take = _mm_or_pd(
        _mm_cmplt_pd(dd, low), _mm_and_pd(_mm_cmpeq_pd(dd, low), _mm_cmplt_pd(a, low_assigned)));
    low = _mm_or_pd(_mm_and_pd(take, dd), _mm_andnot_pd(take, low));
    low_assigned = _mm_or_pd(_mm_and_pd(take, a), _mm_andnot_pd(take, low_assigned));
    low_index = _mm_or_pd(_mm_and_pd(take, jv), _mm_andnot_pd(take, low_index));
    jv = _mm_add_pd(jv, two);
  }
  double lows[2], as[2], idx[2];
  _mm_storeu_pd(lows, low);
  _mm_storeu_pd(as, low_assigned);
  _mm_storeu_pd(idx, low_index);
  StepMin m;
  for (int k = 0; k < 2; ++k) {
    const StepMin lane{lows[k], as[k], static_cast<int>(idx[k])};
    if (lane.index >= 0 && Before(lane, m)) m = lane;
  }
  if (j < nc) {
    const StepMin tail = RelaxRowScalar(row, v, d, path, assigned, j, nc, base, i);
    if (tail.index >= 0 && Before(tail, m)) m = tail;
  }
  return m;
}

// AVX2: two independent sets of lane minima (even and odd blocks of four columns), so the
// loop-carried compare/blend chains overlap instead of bounding the loop.
struct Avx2Lanes {
  __m256d low, assigned, index;
};

__attribute__((target("avx2"))) inline __m256d Avx2Relax(const double* row, const double* v,
                                                         double* d, int64_t* path, int j,
                                                         __m256d vbase, int64_t i) {
  const __m256d r =
      _mm256_sub_pd(_mm256_add_pd(vbase, _mm256_loadu_pd(row + j)), _mm256_loadu_pd(v + j));
  __m256d dd = _mm256_loadu_pd(d + j);
  const int better = _mm256_movemask_pd(_mm256_cmp_pd(r, dd, _CMP_LT_OQ));
  if (better != 0) {  // rare after the first steps of a search
    dd = _mm256_min_pd(r, dd);
    _mm256_storeu_pd(d + j, dd);
    for (int k = 0; k < 4; ++k) {
      if (better & (1 << k)) path[j + k] = i;
    }
  }
  return dd;
}

__attribute__((target("avx2"))) inline void Avx2Take(Avx2Lanes& m, __m256d dd, __m256d a,
                                                     __m256d jv) {
  const __m256d take = _mm256_or_pd(_mm256_cmp_pd(dd, m.low, _CMP_LT_OQ),
                                    _mm256_and_pd(_mm256_cmp_pd(dd, m.low, _CMP_EQ_OQ),
                                                  _mm256_cmp_pd(a, m.assigned, _CMP_LT_OQ)));
  m.low = _mm256_blendv_pd(m.low, dd, take);
  m.assigned = _mm256_blendv_pd(m.assigned, a, take);
  m.index = _mm256_blendv_pd(m.index, jv, take);
}

__attribute__((target("avx2"))) StepMin RelaxRowAvx2(const double* row, const double* v, double* d,
                                                     int64_t* path, const double* assigned, int nc,
                                                     double base, int64_t i) {
  const __m256d vbase = _mm256_set1_pd(base);
  const __m256d sixteen = _mm256_set1_pd(16.0);
  const Avx2Lanes init{_mm256_set1_pd(kInf), _mm256_set1_pd(2.0), _mm256_set1_pd(-1.0)};
  Avx2Lanes l0 = init, l1 = init, l2 = init, l3 = init;
  __m256d jv0 = _mm256_set_pd(3.0, 2.0, 1.0, 0.0);
  __m256d jv1 = _mm256_set_pd(7.0, 6.0, 5.0, 4.0);
  __m256d jv2 = _mm256_set_pd(11.0, 10.0, 9.0, 8.0);
  __m256d jv3 = _mm256_set_pd(15.0, 14.0, 13.0, 12.0);
  int j = 0;
  for (; j + 16 <= nc; j += 16) {
    Avx2Take(l0, Avx2Relax(row, v, d, path, j, vbase, i), _mm256_loadu_pd(assigned + j), jv0);
    Avx2Take(l1, Avx2Relax(row, v, d, path, j + 4, vbase, i), _mm256_loadu_pd(assigned + j + 4),
             jv1);
    Avx2Take(l2, Avx2Relax(row, v, d, path, j + 8, vbase, i), _mm256_loadu_pd(assigned + j + 8),
             jv2);
    Avx2Take(l3, Avx2Relax(row, v, d, path, j + 12, vbase, i), _mm256_loadu_pd(assigned + j + 12),
             jv3);
    jv0 = _mm256_add_pd(jv0, sixteen);
    jv1 = _mm256_add_pd(jv1, sixteen);
    jv2 = _mm256_add_pd(jv2, sixteen);
    jv3 = _mm256_add_pd(jv3, sixteen);
  }
  StepMin m;
  for (const Avx2Lanes& lanes : {l0, l1, l2, l3}) {
    double lows[4], as[4], idx[4];
    _mm256_storeu_pd(lows, lanes.low);
    _mm256_storeu_pd(as, lanes.assigned);
    _mm256_storeu_pd(idx, lanes.index);
    for (int k = 0; k < 4; ++k) {
      const StepMin lane{lows[k], as[k], static_cast<int>(idx[k])};
      if (lane.index >= 0 && Before(lane, m)) m = lane;
    }
  }
  if (j < nc) {
    const StepMin tail = RelaxRowScalar(row, v, d, path, assigned, j, nc, base, i);
    if (tail.index >= 0 && Before(tail, m)) m = tail;
  }
  return m;
}
#endif

using RelaxRowFn = StepMin (*)(const double*, const double*, double*, int64_t*, const double*, int,
                               double, int64_t);

#if defined(__x86_64__) && defined(__SSE2__)
RelaxRowFn ChooseRelaxRow() {
  __builtin_cpu_init();
  if (__builtin_cpu_supports("avx2")) return &RelaxRowAvx2;
  return &RelaxRowSse2;
}
#else
StepMin RelaxRowPortable(const double* row, const double* v, double* d, int64_t* path,
                         const double* assigned, int nc, double base, int64_t i) {
  return RelaxRowScalar(row, v, d, path, assigned, 0, nc, base, i);
}
RelaxRowFn ChooseRelaxRow() {
  return &RelaxRowPortable;
}
#endif

const RelaxRowFn kRelaxRow = ChooseRelaxRow();

// The greedy start of FastShortestAugmentingPaths (see GreedyStart), fused with input
// validation so the matrix is read once: per row the minimum (four accumulators for
// instruction-level parallelism), then the first column holding it. False when the cost holds
// NaN or -inf.
bool FastGreedyStart(int nr, int nc, const double* cost, std::vector<double>& u,
                     std::vector<int>& row4col, std::vector<double>& assigned,
                     std::vector<int>& col4row) {
  bool invalid = false;
  for (int i = 0; i < nr; ++i) {
    const double* __restrict row = cost + static_cast<std::size_t>(i) * nc;
    double m0 = kInf, m1 = kInf, m2 = kInf, m3 = kInf;
    bool nan = false;
    int j = 0;
    for (; j + 4 <= nc; j += 4) {
      const double c0 = row[j], c1 = row[j + 1], c2 = row[j + 2], c3 = row[j + 3];
      nan |= (c0 != c0) | (c1 != c1) | (c2 != c2) | (c3 != c3);
      m0 = c0 < m0 ? c0 : m0;
      m1 = c1 < m1 ? c1 : m1;
      m2 = c2 < m2 ? c2 : m2;
      m3 = c3 < m3 ? c3 : m3;
    }
    for (; j < nc; ++j) {
      nan |= row[j] != row[j];
      m0 = row[j] < m0 ? row[j] : m0;
    }
    const double best = std::min(std::min(m0, m1), std::min(m2, m3));
    invalid |= nan || best == -kInf;
    if (best == kInf || invalid) continue;
    const int best_j = static_cast<int>(std::find(row, row + nc, best) - row);
    if (row4col[best_j] == -1) {
      row4col[best_j] = i;
      assigned[best_j] = 1.0;
      col4row[i] = best_j;
      u[i] = best;
    }
  }
  return !invalid;
}

// The double version of ShortestAugmentingPaths, tuned: branch-free relaxation over all columns
// (vectorisable), scanned columns neutralised by setting v[j] = -inf (so r = +inf never relaxes)
// and d[j] = +inf.
bool FastShortestAugmentingPaths(int nr, int nc, const double* cost, std::vector<int>& col4row) {
  std::vector<double> u(nr, 0.0);
  std::vector<double> v(nc, 0.0);
  std::vector<double> d(nc, kInf);
  std::vector<int64_t> path(nc, -1);
  std::vector<int> row4col(nc, -1);
  std::vector<double> assigned(nc, 0.0);  // 1.0 once row4col[j] != -1 (never reverts)
  struct Scanned {
    int col;
    double dist;
    double v;
  };
  std::vector<Scanned> scanned;
  scanned.reserve(nc);
  col4row.assign(nr, -1);
  if (!FastGreedyStart(nr, nc, cost, u, row4col, assigned, col4row)) {
    throw std::invalid_argument("SolveAssignment: cost contains NaN or -inf");
  }

  double* dp = d.data();
  double* vp = v.data();
  int64_t* pp = path.data();
  for (int cur = 0; cur < nr; ++cur) {
    if (col4row[cur] != -1) continue;
    std::fill(d.begin(), d.end(), kInf);
    scanned.clear();
    double min_val = 0;
    int i = cur;
    int sink = -1;
    while (sink == -1) {
      const double* row = cost + static_cast<std::size_t>(i) * nc;
      const StepMin step = kRelaxRow(row, vp, dp, pp, assigned.data(), nc, min_val - u[i], i);
      const double lowest = step.lowest;
      if (lowest == kInf) return false;
      const int pick = step.index;
      min_val = lowest;
      scanned.push_back({pick, lowest, vp[pick]});
      vp[pick] = -kInf;
      dp[pick] = kInf;
      if (row4col[pick] == -1) {
        sink = pick;
      } else {
        i = row4col[pick];
      }
    }
    u[cur] += min_val;
    for (const Scanned& s : scanned) {
      v[s.col] = s.v - (min_val - s.dist);
      if (s.col != sink) u[row4col[s.col]] += min_val - s.dist;
    }
    int j = sink;
    while (true) {
      const int r = static_cast<int>(path[j]);
      row4col[j] = r;
      assigned[j] = 1.0;
      std::swap(col4row[r], j);
      if (r == cur) break;
    }
  }
  return true;
}

}  // namespace

AssignmentResult SolveAssignment(int rows, int cols, std::span<const double> cost) {
  if (rows < 0 || cols < 0 ||
      cost.size() != static_cast<std::size_t>(rows) * static_cast<std::size_t>(cols)) {
    throw std::invalid_argument("SolveAssignment: cost.size() != rows * cols");
  }
  AssignmentResult result;
  result.col_for_row.assign(rows, -1);
  if (rows == 0 || cols == 0) return result;

  // Work on a wide matrix (rows <= cols).
  const bool transposed = rows > cols;
  std::vector<double> transposed_cost;
  const double* data = cost.data();
  int nr = rows;
  int nc = cols;
  if (transposed) {
    transposed_cost.resize(cost.size());
    for (int i = 0; i < rows; ++i) {
      for (int j = 0; j < cols; ++j) {
        transposed_cost[static_cast<std::size_t>(j) * rows + i] =
            cost[static_cast<std::size_t>(i) * cols + j];
      }
    }
    data = transposed_cost.data();
    std::swap(nr, nc);
  }

  std::vector<int> col4row;
  if (!FastShortestAugmentingPaths(nr, nc, data, col4row)) {
    ShortestAugmentingPaths<Lex>(DummyWidenedMatrix(nr, nc, data), col4row);
    for (int& c : col4row) {
      if (c >= nc) c = -1;  // on its dummy column: unmatched
    }
  }

  for (int i = 0; i < nr; ++i) {
    const int j = col4row[i];
    if (j < 0) continue;
    const int row = transposed ? j : i;
    const int col = transposed ? i : j;
    result.col_for_row[row] = col;
    result.total_cost += cost[static_cast<std::size_t>(row) * cols + col];
    ++result.matched;
  }
  return result;
}

}  // namespace pasar::dispatch
