// The assignment solver against an exhaustive search (every shape up to 8x8) and against
// scipy.optimize.linear_sum_assignment (Debian's python3-scipy, run as a child process).
#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <limits>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "domain/assignment.h"

namespace pasar::dispatch {
namespace {

constexpr double kInf = std::numeric_limits<double>::infinity();

struct Best {
  int matched = 0;
  double cost = 0;
};

// Exhaustive search over every partial assignment (dynamic programming over the set of used
// columns, which enumerates every choice for every row): maximum number of matched rows, then
// minimum cost. Handles any shape with cols <= 16.
Best ExhaustiveBest(int rows, int cols, const std::vector<double>& cost) {
  const int masks = 1 << cols;
  std::vector<Best> cur(masks, Best{-1, 0});
  cur[0] = Best{0, 0};
  auto better = [](const Best& a, const Best& b) {
    if (a.matched != b.matched) return a.matched > b.matched;
    return a.cost < b.cost;
  };
  for (int i = 0; i < rows; ++i) {
    std::vector<Best> next(masks, Best{-1, 0});
    for (int mask = 0; mask < masks; ++mask) {
      if (cur[mask].matched < 0) continue;
      // Row i unmatched.
      if (next[mask].matched < 0 || better(cur[mask], next[mask])) next[mask] = cur[mask];
      for (int j = 0; j < cols; ++j) {
        const double c = cost[i * cols + j];
        if ((mask >> j) & 1 || std::isinf(c)) continue;
        const Best cand{cur[mask].matched + 1, cur[mask].cost + c};
        const int nm = mask | (1 << j);
        if (next[nm].matched < 0 || better(cand, next[nm])) next[nm] = cand;
      }
    }
    cur = std::move(next);
  }
  Best best{-1, 0};
  for (const Best& b : cur) {
    if (b.matched >= 0 && (best.matched < 0 || better(b, best))) best = b;
  }
  return best;
}

std::vector<double> RandomMatrix(std::mt19937_64& rng, int rows, int cols, double infeasible_p,
                                 bool integers) {
  std::uniform_real_distribution<double> real(-50.0, 1000.0);
  std::uniform_int_distribution<int> small(0, 9);
  std::bernoulli_distribution infeasible(infeasible_p);
  std::vector<double> m(static_cast<std::size_t>(rows) * cols);
  for (double& c : m) {
    c = infeasible(rng) ? kInf : (integers ? small(rng) : real(rng));
  }
  return m;
}

// The result is a valid partial assignment using feasible pairs and its total is right.
void CheckConsistent(int rows, int cols, const std::vector<double>& cost,
                     const AssignmentResult& r) {
  REQUIRE(r.col_for_row.size() == static_cast<std::size_t>(rows));
  std::vector<bool> used(cols, false);
  double total = 0;
  int matched = 0;
  for (int i = 0; i < rows; ++i) {
    const int j = r.col_for_row[i];
    if (j < 0) continue;
    REQUIRE(j < cols);
    REQUIRE_FALSE(used[j]);
    used[j] = true;
    REQUIRE_FALSE(std::isinf(cost[i * cols + j]));
    total += cost[i * cols + j];
    ++matched;
  }
  REQUIRE(matched == r.matched);
  REQUIRE(total == Approx(r.total_cost).epsilon(1e-12).margin(1e-9));
}

TEST_CASE("solver equals exhaustive search on every shape up to 8x8", "[assignment]") {
  std::mt19937_64 rng(20261123);
  int instances = 0;
  for (int rows = 1; rows <= 8; ++rows) {
    for (int cols = 1; cols <= 8; ++cols) {
      for (double p : {0.0, 0.2, 0.5, 0.8, 1.0}) {
        for (bool integers : {false, true}) {
          for (int rep = 0; rep < 6; ++rep) {
            const auto cost = RandomMatrix(rng, rows, cols, p, integers);
            const AssignmentResult got = SolveAssignment(rows, cols, cost);
            const Best want = ExhaustiveBest(rows, cols, cost);
            CheckConsistent(rows, cols, cost, got);
            INFO("rows=" << rows << " cols=" << cols << " p=" << p);
            REQUIRE(got.matched == want.matched);
            REQUIRE(got.total_cost == Approx(want.cost).epsilon(1e-9).margin(1e-9));
            ++instances;
          }
        }
      }
    }
  }
  REQUIRE(instances == 8 * 8 * 5 * 2 * 6);
}

TEST_CASE("max cardinality comes before cost", "[assignment]") {
  // Row 0 could take the only column cheaply, but then row 1 (which has no other choice) would
  // stay unmatched: both rows want column 0 only... here row 1 has column 0 only, row 0 has both.
  const std::vector<double> cost = {1.0, 100.0,  //
                                    5.0, kInf};
  const AssignmentResult r = SolveAssignment(2, 2, cost);
  REQUIRE(r.matched == 2);
  REQUIRE(r.col_for_row == std::vector<int>{1, 0});
  REQUIRE(r.total_cost == 105.0);

  // One column, two rows: the cheaper row wins.
  const std::vector<double> one_col = {10.0, 1.0};
  const AssignmentResult t = SolveAssignment(2, 1, one_col);
  REQUIRE(t.matched == 1);
  REQUIRE(t.col_for_row == std::vector<int>{-1, 0});
}

TEST_CASE("degenerate inputs", "[assignment]") {
  REQUIRE(SolveAssignment(0, 5, {}).matched == 0);
  REQUIRE(SolveAssignment(3, 0, {}).col_for_row == std::vector<int>{-1, -1, -1});
  const std::vector<double> all_inf(6, kInf);
  const AssignmentResult r = SolveAssignment(2, 3, all_inf);
  REQUIRE(r.matched == 0);
  REQUIRE(r.total_cost == 0);
  const std::vector<double> nan = {std::nan("")};
  REQUIRE_THROWS_AS(SolveAssignment(1, 1, nan), std::invalid_argument);
  const std::vector<double> minus_inf = {-kInf};
  REQUIRE_THROWS_AS(SolveAssignment(1, 1, minus_inf), std::invalid_argument);
  const std::vector<double> wrong_size = {1.0, 2.0};
  REQUIRE_THROWS_AS(SolveAssignment(1, 1, wrong_size), std::invalid_argument);
}

constexpr const char* kScipyScript = R"PY(
import sys, struct
import numpy as np
from scipy.optimize import linear_sum_assignment
with open(sys.argv[1], 'rb') as f, open(sys.argv[2], 'w') as out:
    (count,) = struct.unpack('<i', f.read(4))
    for _ in range(count):
        rows, cols = struct.unpack('<ii', f.read(8))
        m = np.frombuffer(f.read(8 * rows * cols), dtype='<f8').reshape(rows, cols)
        try:
            r, c = linear_sum_assignment(m)
            out.write('%d %.17g\n' % (len(r), float(m[r, c].sum())))
        except ValueError:
            out.write('infeasible\n')
)PY";

TEST_CASE("solver equals scipy.optimize.linear_sum_assignment on 200 instances",
          "[assignment][scipy]") {
  const std::filesystem::path dir = std::filesystem::temp_directory_path() /
                                    ("pasar-lsap-" + std::to_string(std::random_device{}()));
  std::filesystem::create_directories(dir);
  const auto script = dir / "lsap.py";
  const auto input = dir / "instances.bin";
  const auto output = dir / "scipy.txt";
  std::ofstream(script) << kScipyScript;

  std::mt19937_64 rng(7);
  std::uniform_int_distribution<int> rows_dist(1, 300);
  std::uniform_real_distribution<double> uni(0, 1);
  struct Instance {
    int rows, cols;
    std::vector<double> cost;
  };
  std::vector<Instance> instances;
  constexpr int kCount = 200;
  for (int n = 0; n < kCount; ++n) {
    int rows = n < 4 ? 300 : rows_dist(rng);
    int cols = n < 4 ? 1000 : std::uniform_int_distribution<int>(rows, 1000)(rng);
    if (n % 2 == 1) std::swap(rows, cols);  // tall instances too
    // Infeasible pairs in most instances; a few small dense-infeasible ones make scipy refuse.
    const double p = n % 5 == 0 ? 0.0 : (n % 5 == 4 ? 0.95 : uni(rng) * 0.6);
    instances.push_back({rows, cols, RandomMatrix(rng, rows, cols, p, n % 7 == 3)});
  }
  {
    std::ofstream f(input, std::ios::binary);
    const int count = kCount;
    f.write(reinterpret_cast<const char*>(&count), 4);
    for (const Instance& in : instances) {
      f.write(reinterpret_cast<const char*>(&in.rows), 4);
      f.write(reinterpret_cast<const char*>(&in.cols), 4);
      f.write(reinterpret_cast<const char*>(in.cost.data()),
              static_cast<std::streamsize>(in.cost.size() * sizeof(double)));
    }
  }
  const std::string cmd =
      "/usr/bin/python3 " + script.string() + " " + input.string() + " " + output.string();
  REQUIRE(std::system(cmd.c_str()) == 0);

  std::ifstream results(output);
  int compared = 0;
  int refused = 0;
  for (const Instance& in : instances) {
    std::string line;
    REQUIRE(std::getline(results, line));
    const AssignmentResult got = SolveAssignment(in.rows, in.cols, in.cost);
    CheckConsistent(in.rows, in.cols, in.cost, got);
    INFO("rows=" << in.rows << " cols=" << in.cols << " scipy: " << line);
    if (line == "infeasible") {
      // scipy refuses when no assignment covers min(rows, cols); ours matches fewer.
      REQUIRE(got.matched < std::min(in.rows, in.cols));
      ++refused;
      continue;
    }
    std::istringstream s(line);
    int matched = 0;
    double total = 0;
    s >> matched >> total;
    REQUIRE(got.matched == matched);
    REQUIRE(got.total_cost == Approx(total).epsilon(1e-9).margin(1e-9));
    ++compared;
  }
  std::filesystem::remove_all(dir);
  REQUIRE(compared + refused == kCount);
  REQUIRE(compared >= 150);
}

}  // namespace
}  // namespace pasar::dispatch
