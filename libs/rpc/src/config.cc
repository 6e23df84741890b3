// ServerConfig from the environment (PASAR_*) and the command line (--name=value), through the
// process's Abseil flags (pasar/flags/flags.h). The flags every service has are declared here;
// each service declares its own settings next to the code that reads them (its Settings).
#include <cstdlib>
#include <stdexcept>
#include <string>

#include "absl/flags/flag.h"
#include "absl/flags/reflection.h"
#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "pasar/flags/flags.h"
#include "pasar/rpc/server.h"

ABSL_FLAG(std::string, listen, "127.0.0.1:0",
          "gRPC host:port (:0 picks a free port, logged in the \"listening\" line)");
ABSL_FLAG(std::string, metrics_listen, "", "Prometheus /metrics host:port (empty: off)");
ABSL_FLAG(std::string, pg, "", "libpq connection string (required)");
ABSL_FLAG(std::string, redis, "", "redis://host:port[/db] (required)");
ABSL_FLAG(std::string, redis_prefix, "pasar:", "prefix of every Redis key");
ABSL_FLAG(std::string, tls_cert_file, "", "PEM certificate; with --tls-key-file serves TLS");
ABSL_FLAG(std::string, tls_key_file, "", "PEM private key of --tls-cert-file");
ABSL_FLAG(int32_t, max_message_bytes, 4 << 20, "largest message received or sent");
ABSL_FLAG(int32_t, rate_limit_per_second, 200,
          "calls per second per principal (burst: one second's worth; role service exempt)");
ABSL_FLAG(int32_t, max_streams_per_principal, 16, "concurrent streams per principal");
ABSL_FLAG(int32_t, max_threads, 2000, "gRPC threads (each synchronous stream holds one)");
ABSL_FLAG(double, deadline_cap_seconds, 30, "longest server-side deadline of a call");
ABSL_FLAG(double, drain_grace_seconds, 5, "how long calls may finish after SIGTERM");
// The token settings, read by libs/auth's own parser (auth::JwtConfigFrom): empty is unset.
ABSL_FLAG(std::string, jwt_secret, "", "development mode: HS256 tokens with this secret");
ABSL_FLAG(std::string, jwt_jwks_file, "", "JWK Set of the people's token keys");
ABSL_FLAG(std::string, jwt_service_jwks_file, "", "JWK Set of role service token keys");
ABSL_FLAG(std::string, jwt_private_key_file, "", "PEM private key this process signs with");
ABSL_FLAG(std::string, jwt_key_id, "",
          "kid of the tokens this process signs (default: thumbprint)");
ABSL_FLAG(std::string, jwt_issuer, "", "expected iss (default pasar)");
ABSL_FLAG(std::string, jwt_audience, "", "expected aud (default pasar)");
ABSL_FLAG(std::string, jwt_jwks_check_ms, "", "how often key files are checked (default 1000)");
ABSL_FLAG(std::string, jwt_leeway_seconds, "", "clock leeway on exp, iat, nbf (default 30)");
ABSL_FLAG(std::string, jwt_max_lifetime_seconds, "",
          "longest exp - iat of people's tokens (default 86400)");
ABSL_FLAG(std::string, jwt_service_max_lifetime_seconds, "",
          "longest exp - iat of role service tokens (default 3600)");

namespace pasar::rpc {
namespace {

// The flags above: everything else a service declares lands in ServerConfig::extra.
constexpr std::string_view kCommon[] = {"listen",
                                        "metrics_listen",
                                        "pg",
                                        "redis",
                                        "redis_prefix",
                                        "tls_cert_file",
                                        "tls_key_file",
                                        "max_message_bytes",
                                        "rate_limit_per_second",
                                        "max_streams_per_principal",
                                        "max_threads",
                                        "deadline_cap_seconds",
                                        "drain_grace_seconds",
                                        "jwt_secret",
                                        "jwt_jwks_file",
                                        "jwt_service_jwks_file",
                                        "jwt_private_key_file",
                                        "jwt_key_id",
                                        "jwt_issuer",
                                        "jwt_audience",
                                        "jwt_jwks_check_ms",
                                        "jwt_leeway_seconds",
                                        "jwt_max_lifetime_seconds",
                                        "jwt_service_max_lifetime_seconds"};

bool Common(std::string_view name) {
  for (std::string_view c : kCommon) {
    if (c == name) return true;
  }
  return false;
}

absl::Duration Seconds(double seconds, const char* name) {
  if (!(seconds >= 0)) {
    throw std::invalid_argument(std::string(name) + " must be a non-negative number of seconds");
  }
  return absl::Seconds(seconds);
}

}  // namespace

std::string ServerConfig::Extra(const std::string& key, std::string fallback) const {
  auto it = extra.find(key);
  return it == extra.end() || it->second.empty() ? std::move(fallback) : it->second;
}

int64_t ServerConfig::ExtraInt(const std::string& key, int64_t fallback, int64_t min,
                               int64_t max) const {
  auto it = extra.find(key);
  if (it == extra.end() || it->second.empty()) return fallback;
  int64_t value = 0;
  if (!absl::SimpleAtoi(it->second, &value) || value < min || value > max) {
    throw std::invalid_argument("PASAR_" + absl::AsciiStrToUpper(key) +
                                ": expected an integer in [" + std::to_string(min) + ", " +
                                std::to_string(max) + "], got \"" + it->second + "\"");
  }
  return value;
}

absl::Duration ServerConfig::ExtraMillis(const std::string& key, absl::Duration fallback,
                                         absl::Duration min, absl::Duration max) const {
  return absl::Milliseconds(ExtraInt(key, absl::ToInt64Milliseconds(fallback),
                                     absl::ToInt64Milliseconds(min),
                                     absl::ToInt64Milliseconds(max)));
}

ServerConfig ConfigFromEnvAndFlags(std::string service_name, int argc, char** argv) {
  // The flags are read into the config; the process's flags are left as they were, so that a
  // test may configure several services one after another.
  absl::FlagSaver restore;
  const flags::Result parsed = flags::Parse(
      argc, argv,
      {.usage = "pasar-" + service_name + ": the Pasar " + service_name +
                " service.\nEvery flag may also be set in the environment as PASAR_<NAME> "
                "(shown in brackets); a flag on the command line wins.",
       .env_prefix = "PASAR_"});

  ServerConfig config;
  config.service_name = std::move(service_name);
  config.listen = absl::GetFlag(FLAGS_listen);
  config.metrics_listen = absl::GetFlag(FLAGS_metrics_listen);
  config.pg = absl::GetFlag(FLAGS_pg);
  config.redis = absl::GetFlag(FLAGS_redis);
  config.redis_prefix = absl::GetFlag(FLAGS_redis_prefix);
  config.tls_cert_file = absl::GetFlag(FLAGS_tls_cert_file);
  config.tls_key_file = absl::GetFlag(FLAGS_tls_key_file);
  config.max_message_bytes = absl::GetFlag(FLAGS_max_message_bytes);
  config.rate_limit_per_second = absl::GetFlag(FLAGS_rate_limit_per_second);
  config.max_streams_per_principal = absl::GetFlag(FLAGS_max_streams_per_principal);
  config.max_threads = absl::GetFlag(FLAGS_max_threads);
  config.deadline_cap = Seconds(absl::GetFlag(FLAGS_deadline_cap_seconds), "deadline_cap_seconds");
  config.drain_grace = Seconds(absl::GetFlag(FLAGS_drain_grace_seconds), "drain_grace_seconds");
  // Token keys (PASAR_JWT_JWKS_FILE, ...) and the development secret, read by libs/auth's own
  // parser; the Verifier built from them refuses a config with nothing to verify with.
  config.jwt = auth::JwtConfigFrom([](std::string_view name) { return flags::ValueOf(name); });

  // The service's own settings (its flags), and PASAR_* variables that name no flag.
  for (const std::string& name : flags::Declared()) {
    if (!Common(name)) config.extra[name] = flags::ValueOf(name);
  }
  for (const auto& [name, value] : parsed.other_env) {
    config.extra.emplace(name, value);
  }

  if (config.listen.empty()) throw std::invalid_argument("listen must not be empty");
  if (config.max_message_bytes <= 0) throw std::invalid_argument("max_message_bytes must be > 0");
  if (config.max_threads <= 0) throw std::invalid_argument("max_threads must be > 0");
  if (config.tls_cert_file.empty() != config.tls_key_file.empty()) {
    throw std::invalid_argument("tls_cert_file and tls_key_file go together");
  }
  return config;
}

}  // namespace pasar::rpc
