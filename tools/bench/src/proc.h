// Readings of other processes from /proc (Linux): CPU time and resident memory.
#pragma once

#include <sys/types.h>

#include <map>
#include <optional>
#include <string>

namespace pasar::bench {

// utime + stime of `pid` in seconds (/proc/<pid>/stat), or nullopt when it cannot be read.
std::optional<double> CpuSeconds(pid_t pid);
// VmRSS of `pid` in bytes (/proc/<pid>/status), or nullopt when it cannot be read.
std::optional<int64_t> RssBytes(pid_t pid);

// Named server processes, parsed from "name=pid,name=pid" (throws std::invalid_argument).
std::map<std::string, pid_t> ParsePids(const std::string& spec);

// CPU seconds of a set of processes between two readings.
class CpuMeter final {
 public:
  explicit CpuMeter(std::map<std::string, pid_t> pids);
  void Start();
  // Seconds each process (and "total") used since Start(); processes that vanished are left out.
  std::map<std::string, double> Stop() const;

 private:
  std::map<std::string, pid_t> pids_;
  std::map<std::string, double> start_;
};

}  // namespace pasar::bench
