// pasar-bench-assign: dispatch's exact assignment solver on distance-like instances, written to
// files so that scipy.optimize.linear_sum_assignment solves the very same matrices
// (tools/bench/scripts/scipy_assignment.py).
//
//   pasar-bench-assign --dir DIR [--repeat 3] [--seed 1] [--instances 1000x5000,2000x2000]
//
// Instance: jobs at random markets' pickup points and couriers at random positions in a 24 km
// town; cost = seconds to ride to the pickup at 25 km/h over roads 1.3x the straight line, less
// a fairness credit of up to 120 s for time spent idle (SPEC section 5), all as doubles.
// Files: DIR/<rows>x<cols>.bin = int64 rows, int64 cols, rows*cols float64 row-major (native
// little-endian). Prints one JSON object on stdout: per instance the solver's seconds (median
// of --repeat runs), total cost and matched rows. scripts/bench compares the costs with scipy's
// (tools/bench/scripts/report.py fails the run on a mismatch or an empty instance list).
// PASAR_BENCH_BREAK=assign-empty|assign-crash|assign-cost (breakage.h) breaks it on purpose, for
// the test of those checks.
#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "breakage.h"
#include "domain/assignment.h"
#include "nlohmann/json.hpp"
#include "pasar/geo/geo.h"
#include "pasar/town/flags.h"

namespace {

constexpr pasar::geo::LatLng kTownCentre{-8.1335, 113.2248};
constexpr double kHalfSpanDegrees = 0.108;
constexpr double kSpeedMps = 25.0 / 3.6;
constexpr double kRoadFactor = 1.3;

std::vector<double> MakeCosts(int rows, int cols, std::mt19937_64& rng) {
  std::uniform_real_distribution<double> offset(-kHalfSpanDegrees, kHalfSpanDegrees);
  std::uniform_real_distribution<double> idle_credit(0.0, 120.0);
  auto point = [&] {
    return pasar::geo::LatLng{kTownCentre.lat + offset(rng), kTownCentre.lng + offset(rng)};
  };
  std::vector<pasar::geo::LatLng> markets(12);
  for (auto& m : markets)
    m = point();
  std::vector<pasar::geo::LatLng> jobs(rows);
  std::uniform_int_distribution<size_t> pick(0, markets.size() - 1);
  for (auto& j : jobs)
    j = markets[pick(rng)];
  std::vector<pasar::geo::LatLng> couriers(cols);
  std::vector<double> credit(cols);
  for (int c = 0; c < cols; ++c) {
    couriers[c] = point();
    credit[c] = idle_credit(rng);
  }
  std::vector<double> cost(static_cast<size_t>(rows) * cols);
  for (int r = 0; r < rows; ++r) {
    for (int c = 0; c < cols; ++c) {
      cost[static_cast<size_t>(r) * cols + c] =
          pasar::geo::DistanceMeters(couriers[c], jobs[r]) * kRoadFactor / kSpeedMps - credit[c];
    }
  }
  return cost;
}

void WriteInstance(const std::string& path, int64_t rows, int64_t cols,
                   const std::vector<double>& cost) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(reinterpret_cast<const char*>(&rows), sizeof rows);
  out.write(reinterpret_cast<const char*>(&cols), sizeof cols);
  out.write(reinterpret_cast<const char*>(cost.data()),
            static_cast<std::streamsize>(cost.size() * sizeof(double)));
  if (!out) throw std::runtime_error("cannot write " + path);
}

}  // namespace

int main(int argc, char** argv) try {
  const pasar::town::Flags flags(argc, argv);
  flags.AllowOnly({"dir", "repeat", "seed", "instances"});
  const std::string dir = flags.Required("dir");
  const int repeat = static_cast<int>(std::max<int64_t>(1, flags.Int("repeat", 3)));
  std::mt19937_64 rng(flags.Int("seed", 1));

  nlohmann::json instances = nlohmann::json::array();
  // Broken on purpose (assign-empty): no instance at all.
  std::istringstream shapes(
      pasar::bench::Broken("assign-empty") ? "" : flags.Str("instances", "1000x5000,2000x2000"));
  const double cost_error = pasar::bench::Broken("assign-cost") ? 1.0 : 0.0;
  std::string shape;
  while (std::getline(shapes, shape, ',')) {
    const auto x = shape.find('x');
    if (x == std::string::npos) throw std::invalid_argument("--instances: expected RxC");
    const int rows = std::stoi(shape.substr(0, x));
    const int cols = std::stoi(shape.substr(x + 1));
    const std::vector<double> cost = MakeCosts(rows, cols, rng);
    const std::string path = dir + "/" + shape + ".bin";
    WriteInstance(path, rows, cols, cost);

    std::vector<double> seconds;
    pasar::dispatch::AssignmentResult result;
    for (int i = 0; i < repeat; ++i) {
      const auto t0 = std::chrono::steady_clock::now();
      result = pasar::dispatch::SolveAssignment(rows, cols, cost);
      seconds.push_back(
          std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
    }
    std::sort(seconds.begin(), seconds.end());
    instances.push_back({{"name", shape},
                         {"rows", rows},
                         {"cols", cols},
                         {"file", path},
                         {"seconds", seconds[seconds.size() / 2]},
                         {"seconds_min", seconds.front()},
                         {"total_cost", result.total_cost + cost_error},
                         {"matched", result.matched}});
  }
  std::cout << nlohmann::json{{"instances", instances}}.dump() << std::endl;
  if (pasar::bench::Broken("assign-crash")) std::abort();  // after the figures were printed
  return 0;
} catch (const std::exception& e) {
  std::cerr << "pasar-bench-assign: " << e.what() << std::endl;
  return 1;
}
