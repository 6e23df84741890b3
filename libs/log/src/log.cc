#include "pasar/log/log.h"

#include <cstdio>

#include <nlohmann/json.hpp>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"

namespace pasar::log {
namespace {

absl::Mutex mu;

std::string& ServiceName() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu) {
  static auto* service = new std::string();  // never destroyed: logging works during exit
  return *service;
}

nlohmann::ordered_json Json(const Value& value) {
  return std::visit([](const auto& v) { return nlohmann::ordered_json(v); }, value.get());
}

std::string Line(std::string_view level, std::string_view msg, std::initializer_list<Field> fields,
                 const std::string& service) {
  nlohmann::ordered_json line;
  line["ts"] = absl::FormatTime("%Y-%m-%dT%H:%M:%E3SZ", absl::Now(), absl::UTCTimeZone());
  line["level"] = level;
  line["msg"] = msg;
  bool has_service = false;
  for (const Field& f : fields)
    has_service = has_service || f.first == "service";
  if (!service.empty() && !has_service) line["service"] = service;
  for (const auto& [key, value] : fields) {
    if (key != "ts" && key != "level" && key != "msg") line[std::string(key)] = Json(value);
  }
  return line.dump(-1, ' ', false, nlohmann::ordered_json::error_handler_t::replace);
}

}  // namespace

void SetService(std::string service) {
  absl::MutexLock lock(&mu);
  ServiceName() = std::move(service);
}

std::string Format(std::string_view level, std::string_view msg,
                   std::initializer_list<Field> fields) {
  std::string service;
  {
    absl::MutexLock lock(&mu);
    service = ServiceName();
  }
  return Line(level, msg, fields, service);
}

void Log(std::string_view level, std::string_view msg, std::initializer_list<Field> fields) {
  const std::string text = Format(level, msg, fields) + "\n";
  absl::MutexLock lock(&mu);
  std::fwrite(text.data(), 1, text.size(), stderr);
  std::fflush(stderr);
}

}  // namespace pasar::log
