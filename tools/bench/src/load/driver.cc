#include "driver.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <iterator>
#include <mutex>
#include <optional>
#include <thread>

namespace pasar::bench {
namespace {

using Clock = std::chrono::steady_clock;

// Shared state of one run: the recorder of completions and the count of calls in flight.
class Run final {
 public:
  Run(Clock::time_point measure_from, Clock::time_point measure_to)
      : from_(measure_from), to_(measure_to) {}

  // A call due at `intended` completed at `now`.
  void Completed(Clock::time_point intended, Clock::time_point now, const grpc::Status& status,
                 const std::string& reason) {
    std::lock_guard lock(mu_);
    if (status.ok()) {
      ++result_.ok_total;
    } else {
      std::string key = CodeName(status.error_code());
      if (!reason.empty()) key += "/" + reason;
      ++result_.failures[key];
    }
    if (intended >= from_ && now <= to_) {
      if (status.ok()) {
        ++result_.ok;
        result_.latency_ns.Record(
            std::chrono::duration_cast<std::chrono::nanoseconds>(now - intended).count());
      } else {
        ++result_.failed;
      }
    }
    --in_flight_;
    changed_.notify_all();
  }

  void Started() {
    std::lock_guard lock(mu_);
    ++in_flight_;
    ++result_.issued;
  }

  // Waits until fewer than `limit` calls are in flight.
  void WaitBelow(int64_t limit) {
    std::unique_lock lock(mu_);
    changed_.wait(lock, [&] { return in_flight_ < limit; });
  }

  // Waits (bounded) until no call is in flight; returns false on timeout.
  bool WaitIdle(Clock::time_point until) {
    std::unique_lock lock(mu_);
    return changed_.wait_until(lock, until, [&] { return in_flight_ == 0; });
  }

  LoadResult Take() {
    std::lock_guard lock(mu_);
    return result_;
  }

 private:
  std::mutex mu_;
  std::condition_variable changed_;
  int64_t in_flight_ = 0;
  LoadResult result_;
  const Clock::time_point from_, to_;
};

// Closed loop: each client starts its next call from the completion of the previous one.
class ClosedLoop final {
 public:
  ClosedLoop(Workload& workload, Run& run, Clock::time_point stop_at, int64_t max_calls)
      : workload_(workload), run_(run), stop_at_(stop_at), max_calls_(max_calls) {}

  void Next(int client) {
    if (Clock::now() >= stop_at_) return;
    const int64_t seq = next_seq_.fetch_add(1);
    if (max_calls_ > 0 && seq >= max_calls_) return;
    const Clock::time_point started = Clock::now();
    run_.Started();
    workload_.Start(client, seq,
                    [this, client, started](const grpc::Status& s, const std::string& reason) {
                      // The next call starts before this one is counted out, so the count of
                      // calls in flight only reaches 0 when the clients are done.
                      const Clock::time_point now = Clock::now();
                      Next(client);
                      run_.Completed(started, now, s, reason);
                    });
  }

 private:
  Workload& workload_;
  Run& run_;
  const Clock::time_point stop_at_;
  const int64_t max_calls_;
  std::atomic<int64_t> next_seq_{0};
};

}  // namespace

std::string CodeName(grpc::StatusCode code) {
  static const char* const kNames[] = {"OK",
                                       "CANCELLED",
                                       "UNKNOWN",
                                       "INVALID_ARGUMENT",
                                       "DEADLINE_EXCEEDED",
                                       "NOT_FOUND",
                                       "ALREADY_EXISTS",
                                       "PERMISSION_DENIED",
                                       "RESOURCE_EXHAUSTED",
                                       "FAILED_PRECONDITION",
                                       "ABORTED",
                                       "OUT_OF_RANGE",
                                       "UNIMPLEMENTED",
                                       "INTERNAL",
                                       "UNAVAILABLE",
                                       "DATA_LOSS",
                                       "UNAUTHENTICATED"};
  const int i = static_cast<int>(code);
  return i >= 0 && i < static_cast<int>(std::size(kNames)) ? kNames[i] : "UNKNOWN";
}

nlohmann::json LoadResult::ToJson() const {
  nlohmann::json cpu = nlohmann::json::object();
  for (const auto& [name, seconds] : server_cpu_seconds)
    cpu[name] = seconds;
  nlohmann::json cpu_per_1000 = nlohmann::json::object();
  if (ok + failed > 0) {
    for (const auto& [name, seconds] : server_cpu_seconds) {
      cpu_per_1000[name] = seconds * 1000.0 / static_cast<double>(ok + failed);
    }
  }
  return {{"ok", ok},
          {"failed", failed},
          {"issued", issued},
          {"ok_total", ok_total},
          {"failures", failures},
          {"measured_seconds", measured_seconds},
          {"throughput_per_s", throughput()},
          {"latency_us", LatencySummaryMicros(latency_ns)},
          {"server_cpu_seconds", cpu},
          {"server_cpu_seconds_per_1000", cpu_per_1000}};
}

LoadResult RunLoad(Workload& workload, const LoadOptions& options, CpuMeter& cpu) {
  const bool counted = options.max_calls > 0;
  const bool open = options.mode == LoadOptions::Mode::kOpen;
  const Clock::time_point begin = Clock::now();
  const auto secs = [](double s) {
    return std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(s));
  };
  const Clock::time_point measure_from = counted ? begin : begin + secs(options.warmup_seconds);
  const Clock::time_point stop_at =
      counted ? begin + secs(options.max_seconds) : measure_from + secs(options.duration_seconds);
  // Closed loop: what completes inside the window. Open loop: every call DUE inside the window,
  // however late it completes (its slowness is the point).
  Run run(measure_from, counted || open ? Clock::time_point::max() : stop_at);

  // The CPU meter covers the measured window: started by a helper thread at measure_from.
  std::thread meter([&] {
    std::this_thread::sleep_until(measure_from);
    cpu.Start();
  });

  std::optional<ClosedLoop> loop;  // outlives every call it starts (waited for below)
  if (!open) {
    loop.emplace(workload, run, stop_at, options.max_calls);
    for (int c = 0; c < options.clients; ++c)
      loop->Next(c);
  } else {
    // Call i is due at begin + i / rate, whatever happened to the earlier ones.
    const double interval = 1.0 / std::max(options.rate, 1e-3);
    for (int64_t i = 0;; ++i) {
      if (counted && i >= options.max_calls) break;
      const Clock::time_point intended = begin + secs(static_cast<double>(i) * interval);
      if (intended >= stop_at) break;
      std::this_thread::sleep_until(intended);
      run.WaitBelow(options.max_outstanding);
      run.Started();
      workload.Start(static_cast<int>(i % std::max(options.clients, 1)), i,
                     [&run, intended](const grpc::Status& s, const std::string& reason) {
                       run.Completed(intended, Clock::now(), s, reason);
                     });
    }
  }
  std::map<std::string, double> cpu_used;
  Clock::time_point end;
  if (counted) {
    run.WaitIdle(stop_at + secs(60));
    end = Clock::now();
    meter.join();
    cpu_used = cpu.Stop();
  } else {
    std::this_thread::sleep_until(stop_at);
    end = stop_at;
    meter.join();
    cpu_used = cpu.Stop();
    run.WaitIdle(Clock::now() + secs(60));
  }
  LoadResult result = run.Take();
  result.server_cpu_seconds = std::move(cpu_used);
  result.measured_seconds = std::chrono::duration<double>(end - measure_from).count();
  return result;
}

}  // namespace pasar::bench
