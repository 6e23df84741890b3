#include "pasar/rpc/log.h"

#include <cstdio>
#include <string>

#include <nlohmann/json.hpp>

#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "runtime.h"

namespace pasar::rpc {
namespace {

absl::Mutex log_mu;
std::string& LogService() ABSL_EXCLUSIVE_LOCKS_REQUIRED(log_mu) {
  static auto* service = new std::string();  // never destroyed: logging works during exit
  return *service;
}

}  // namespace

void internal::SetLogService(std::string service) {
  absl::MutexLock lock(&log_mu);
  LogService() = std::move(service);
}

void internal::EmitLog(std::string_view level, nlohmann::ordered_json fields) {
  nlohmann::ordered_json line;
  line["ts"] = absl::FormatTime("%Y-%m-%dT%H:%M:%E3SZ", absl::Now(), absl::UTCTimeZone());
  line["level"] = level;
  if (fields.contains("msg")) line["msg"] = std::move(fields["msg"]);
  absl::MutexLock lock(&log_mu);
  if (!LogService().empty() && !fields.contains("service")) line["service"] = LogService();
  for (auto& item : fields.items()) {
    if (item.key() != "msg") line[item.key()] = std::move(item.value());
  }
  // Invalid UTF-8 in a field is replaced rather than thrown.
  const std::string text =
      line.dump(-1, ' ', false, nlohmann::ordered_json::error_handler_t::replace) + "\n";
  std::fwrite(text.data(), 1, text.size(), stderr);
  std::fflush(stderr);
}

void Log(std::string_view level, std::string_view msg,
         std::initializer_list<std::pair<std::string_view, std::string>> fields) {
  nlohmann::ordered_json line;
  line["msg"] = msg;
  for (const auto& [key, value] : fields)
    line[std::string(key)] = value;
  internal::EmitLog(level, std::move(line));
}

}  // namespace pasar::rpc
