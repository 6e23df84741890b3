#include "app/settings.h"

#include <stdexcept>

namespace pasar::reporting {
namespace {

// A schema or group name: lower-case letters, digits, '_' and '-' (no '-' in a schema).
void CheckName(const std::string& setting, const std::string& value, bool dash) {
  bool ok = !value.empty() && value.size() <= 63 && value[0] >= 'a' && value[0] <= 'z';
  for (char c : value) {
    ok = ok && ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || (dash && c == '-'));
  }
  if (!ok) {
    throw std::invalid_argument(setting + ": \"" + value +
                                "\" is not a name of lower-case letters, digits and _");
  }
}

}  // namespace

Settings SettingsFrom(const rpc::ServerConfig& config) {
  Settings s;
  s.schema = config.Extra("reporting_schema", s.schema);
  CheckName("PASAR_REPORTING_SCHEMA", s.schema, false);
  s.group = config.Extra("reporting_group", s.group);
  CheckName("PASAR_REPORTING_GROUP", s.group, true);
  s.regency = config.Extra("reporting_regency", s.regency);
  s.default_time_zone = config.Extra("reporting_time_zone", s.default_time_zone);
  absl::TimeZone zone;
  if (!absl::LoadTimeZone(s.default_time_zone, &zone)) {
    throw std::invalid_argument("PASAR_REPORTING_TIME_ZONE: unknown time zone \"" +
                                s.default_time_zone + "\"");
  }
  s.consumer_threads =
      static_cast<int>(config.ExtraInt("consumer_threads", s.consumer_threads, 1, 16));
  s.claim_idle = config.ExtraMillis("consumer_claim_idle_ms", s.claim_idle);
  s.idempotency_retention = absl::Hours(config.ExtraInt("retention_hours", 72, 1, 24 * 365));
  return s;
}

}  // namespace pasar::reporting
