// The load driver of pasar-load: issues asynchronous calls (gRPC callback API) in a closed loop
// (N clients, each sending its next call when the previous one completes) or an open loop
// (calls started at a fixed arrival rate whatever the server does; a call's latency runs from
// its INTENDED start, so time spent queueing behind a slow server is counted, not hidden).
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <string>

#include <grpcpp/support/status.h>

#include "histogram.h"
#include "nlohmann/json.hpp"
#include "proc.h"

namespace pasar::bench {

// What to call: Start(client, seq, done) begins one asynchronous call and must arrange for
// done(status, reason) to run exactly once when it completes (on any thread). `reason` is the
// refusal's machine-readable reason, empty when none. Implementations are thread-safe.
class Workload {
 public:
  using Done = std::function<void(const grpc::Status& status, const std::string& reason)>;
  virtual ~Workload() = default;
  virtual void Start(int client, int64_t seq, Done done) = 0;
};

struct LoadOptions {
  enum class Mode { kClosed, kOpen };
  Mode mode = Mode::kClosed;
  int clients = 16;              // closed loop: concurrent callers; open loop: identities rotated
  double rate = 1000;            // open loop: calls started per second
  double duration_seconds = 10;  // measured time (after the warm-up)
  double warmup_seconds = 2;     // calls started before this are not measured
  int64_t max_calls = 0;         // > 0: stop after this many calls (no warm-up, no time limit
                                 // other than max_seconds)
  double max_seconds = 900;      // hard bound of a max_calls run
  int max_outstanding = 20000;   // open loop: calls in flight at most (the pacer waits; the
                                 // wait counts in the latency)
};

struct LoadResult {
  Histogram latency_ns;                     // of successful calls in the measured window
  int64_t ok = 0;                           // successful calls completed in the measured window
  int64_t failed = 0;                       // failed calls completed in the measured window
  int64_t issued = 0;                       // every call started (warm-up included)
  int64_t ok_total = 0;                     // every successful call (warm-up included)
  std::map<std::string, int64_t> failures;  // "CODE" or "CODE/REASON" -> count (all calls)
  double measured_seconds = 0;
  std::map<std::string, double> server_cpu_seconds;  // per process and "total", measured window

  double throughput() const { return measured_seconds > 0 ? ok / measured_seconds : 0.0; }
  nlohmann::json ToJson() const;
};

// Runs the load; `cpu` is started and stopped around the measured window.
LoadResult RunLoad(Workload& workload, const LoadOptions& options, CpuMeter& cpu);

// "OK", "UNAVAILABLE", ... (the canonical code names).
std::string CodeName(grpc::StatusCode code);

}  // namespace pasar::bench
