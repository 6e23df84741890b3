// ServerConfig from the environment (PASAR_*) and flags (--name=value).
#include <cstdlib>
#include <stdexcept>
#include <string>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "pasar/rpc/server.h"

extern char** environ;

namespace pasar::rpc {
namespace {

constexpr std::string_view kEnvPrefix = "PASAR_";

using Settings = std::map<std::string, std::string>;

// "PASAR_METRICS_LISTEN" -> "metrics_listen", "--metrics-listen" -> "metrics_listen".
std::string Key(std::string_view name) {
  std::string key(name);
  for (char& c : key)
    c = c == '-' ? '_' : absl::ascii_tolower(static_cast<unsigned char>(c));
  return key;
}

Settings Collect(int argc, char** argv) {
  Settings settings;
  for (char** env = environ; env != nullptr && *env != nullptr; ++env) {
    const std::string_view entry(*env);
    const size_t eq = entry.find('=');
    if (eq == std::string_view::npos || !entry.starts_with(kEnvPrefix)) continue;
    settings[Key(entry.substr(kEnvPrefix.size(), eq - kEnvPrefix.size()))] =
        std::string(entry.substr(eq + 1));
  }
  for (int i = 1; i < argc; ++i) {
    const std::string_view arg(argv[i]);
    if (!arg.starts_with("--") || arg.size() == 2) {
      throw std::invalid_argument("unexpected argument \"" + std::string(arg) +
                                  "\" (flags are --name=value)");
    }
    const size_t eq = arg.find('=');
    if (eq == std::string_view::npos) {
      settings[Key(arg.substr(2))] = "true";  // a bare --flag
    } else {
      settings[Key(arg.substr(2, eq - 2))] = std::string(arg.substr(eq + 1));
    }
  }
  return settings;
}

// Removes `key` from settings and stores it in `out` when present.
void Take(Settings& settings, const std::string& key, std::string& out) {
  auto it = settings.find(key);
  if (it == settings.end()) return;
  out = std::move(it->second);
  settings.erase(it);
}

void TakeInt(Settings& settings, const std::string& key, int& out) {
  std::string text;
  Take(settings, key, text);
  if (text.empty()) return;
  if (!absl::SimpleAtoi(text, &out)) {
    throw std::invalid_argument(key + " must be an integer, got \"" + text + "\"");
  }
}

void TakeSeconds(Settings& settings, const std::string& key, absl::Duration& out) {
  std::string text;
  Take(settings, key, text);
  if (text.empty()) return;
  double seconds = 0;
  if (!absl::SimpleAtod(text, &seconds) || seconds < 0) {
    throw std::invalid_argument(key + " must be a non-negative number of seconds, got \"" + text +
                                "\"");
  }
  out = absl::Seconds(seconds);
}

}  // namespace

std::string ServerConfig::Extra(const std::string& key, std::string fallback) const {
  auto it = extra.find(key);
  return it == extra.end() ? std::move(fallback) : it->second;
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
  Settings settings = Collect(argc, argv);
  ServerConfig config;
  config.service_name = std::move(service_name);
  Take(settings, "listen", config.listen);
  Take(settings, "metrics_listen", config.metrics_listen);
  Take(settings, "pg", config.pg);
  Take(settings, "redis", config.redis);
  Take(settings, "redis_prefix", config.redis_prefix);
  Take(settings, "tls_cert_file", config.tls_cert_file);
  Take(settings, "tls_key_file", config.tls_key_file);
  TakeInt(settings, "max_message_bytes", config.max_message_bytes);
  TakeInt(settings, "rate_limit_per_second", config.rate_limit_per_second);
  TakeInt(settings, "max_streams_per_principal", config.max_streams_per_principal);
  TakeInt(settings, "max_threads", config.max_threads);
  TakeSeconds(settings, "deadline_cap_seconds", config.deadline_cap);
  TakeSeconds(settings, "drain_grace_seconds", config.drain_grace);

  // Token keys (PASAR_JWT_JWKS_FILE, ...) and the development secret, read by libs/auth's own
  // parser; the Verifier built from them refuses a config with nothing to verify with.
  config.jwt = auth::JwtConfigFrom([&settings](std::string_view name) {
    std::string value;
    Take(settings, std::string(name), value);
    return value;
  });

  if (config.listen.empty()) throw std::invalid_argument("listen must not be empty");
  if (config.max_message_bytes <= 0) throw std::invalid_argument("max_message_bytes must be > 0");
  if (config.max_threads <= 0) throw std::invalid_argument("max_threads must be > 0");
  if (config.tls_cert_file.empty() != config.tls_key_file.empty()) {
    throw std::invalid_argument("tls_cert_file and tls_key_file go together");
  }
  config.extra = std::move(settings);
  return config;
}

}  // namespace pasar::rpc
