#include "proc.h"

#include <unistd.h>

#include <fstream>
#include <sstream>
#include <stdexcept>

namespace pasar::bench {

std::optional<double> CpuSeconds(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
  std::string line;
  if (!std::getline(in, line)) return std::nullopt;
  // The command name (field 2) may hold spaces and parentheses: fields resume after the last ')'.
  const auto close = line.rfind(')');
  if (close == std::string::npos) return std::nullopt;
  std::istringstream fields(line.substr(close + 2));
  std::string field;
  unsigned long long utime = 0, stime = 0;
  // Fields 3.. follow; utime is field 14 and stime field 15 (1-based, proc(5)).
  for (int n = 3; n <= 15 && fields >> field; ++n) {
    if (n == 14) utime = std::stoull(field);
    if (n == 15) stime = std::stoull(field);
  }
  if (!fields) return std::nullopt;
  return static_cast<double>(utime + stime) / static_cast<double>(sysconf(_SC_CLK_TCK));
}

std::optional<int64_t> RssBytes(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("VmRSS:", 0) == 0) {
      std::istringstream value(line.substr(6));
      int64_t kib = 0;
      if (value >> kib) return kib * 1024;
    }
  }
  return std::nullopt;
}

std::map<std::string, pid_t> ParsePids(const std::string& spec) {
  std::map<std::string, pid_t> pids;
  std::istringstream items(spec);
  std::string item;
  while (std::getline(items, item, ',')) {
    if (item.empty()) continue;
    const auto eq = item.find('=');
    if (eq == std::string::npos || eq == 0) {
      throw std::invalid_argument("--pids: expected name=pid, got '" + item + "'");
    }
    try {
      pids[item.substr(0, eq)] = static_cast<pid_t>(std::stol(item.substr(eq + 1)));
    } catch (const std::logic_error&) {
      throw std::invalid_argument("--pids: not a pid in '" + item + "'");
    }
  }
  return pids;
}

CpuMeter::CpuMeter(std::map<std::string, pid_t> pids) : pids_(std::move(pids)) {}

void CpuMeter::Start() {
  start_.clear();
  for (const auto& [name, pid] : pids_) {
    if (auto s = CpuSeconds(pid)) start_[name] = *s;
  }
}

std::map<std::string, double> CpuMeter::Stop() const {
  std::map<std::string, double> used;
  double total = 0;
  for (const auto& [name, pid] : pids_) {
    const auto it = start_.find(name);
    const auto now = CpuSeconds(pid);
    if (it == start_.end() || !now) continue;
    used[name] = *now - it->second;
    total += used[name];
  }
  used["total"] = total;
  return used;
}

}  // namespace pasar::bench
