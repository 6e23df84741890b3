#include "pasar/auth/auth.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <iostream>
#include <stdexcept>
#include <utility>

#include <nlohmann/json.hpp>

#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"

namespace pasar::auth {
namespace {

using Json = nlohmann::json;

constexpr std::array<std::pair<Role, std::string_view>, 5> kRoleNames{{
    {Role::kCustomer, "customer"},
    {Role::kTrader, "trader"},
    {Role::kCourier, "courier"},
    {Role::kOperator, "operator"},
    {Role::kService, "service"},
}};

constexpr size_t kSha256Bytes = 32;

// Debian's Abseil is built with its own absl::string_view (not std::string_view).
absl::string_view Absl(std::string_view s) {
  return absl::string_view(s.data(), s.size());
}

absl::Status Unauthenticated(std::string_view why) {
  return absl::UnauthenticatedError(absl::StrCat("invalid token: ", Absl(why)));
}

std::array<unsigned char, kSha256Bytes> HmacSha256(std::string_view key, std::string_view data) {
  std::array<unsigned char, kSha256Bytes> mac{};
  unsigned int len = 0;
  if (HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()),
           reinterpret_cast<const unsigned char*>(data.data()), data.size(), mac.data(),
           &len) == nullptr ||
      len != kSha256Bytes) {
    throw std::runtime_error("HMAC-SHA256 failed");
  }
  return mac;
}

// A JSON object from a base64url part, or nullopt.
std::optional<Json> DecodeJsonObject(std::string_view part) {
  std::optional<std::string> text = Base64UrlDecode(part);
  if (!text) return std::nullopt;
  Json json = Json::parse(*text, nullptr, /*allow_exceptions=*/false);
  if (!json.is_object()) return std::nullopt;
  return json;
}

// A NumericDate claim (seconds since the epoch, integer or not) as absl::Time.
std::optional<absl::Time> NumericDate(const Json& claims, const char* name) {
  auto it = claims.find(name);
  if (it == claims.end() || !it->is_number()) return std::nullopt;
  const double seconds = it->get<double>();
  if (!std::isfinite(seconds)) return std::nullopt;
  return absl::FromUnixSeconds(static_cast<int64_t>(std::floor(seconds)));
}

std::string_view StripSpaces(std::string_view s) {
  while (!s.empty() && absl::ascii_isspace(static_cast<unsigned char>(s.front()))) {
    s.remove_prefix(1);
  }
  while (!s.empty() && absl::ascii_isspace(static_cast<unsigned char>(s.back()))) {
    s.remove_suffix(1);
  }
  return s;
}

bool AudienceMatches(const Json& aud, const std::string& expected) {
  if (aud.is_string()) return aud.get<std::string>() == expected;
  if (!aud.is_array()) return false;
  return std::any_of(aud.begin(), aud.end(), [&](const Json& a) {
    return a.is_string() && a.get<std::string>() == expected;
  });
}

}  // namespace

std::string_view RoleName(Role role) {
  for (const auto& [r, name] : kRoleNames) {
    if (r == role) return name;
  }
  return "unknown";
}

std::optional<Role> ParseRole(std::string_view name) {
  for (const auto& [r, role_name] : kRoleNames) {
    if (role_name == name) return r;
  }
  return std::nullopt;
}

bool Principal::HasStall(std::string_view stall_id) const {
  return std::find(stalls.begin(), stalls.end(), stall_id) != stalls.end();
}

JwtConfig JwtConfigFromEnv() {
  JwtConfig config;
  if (const char* secret = std::getenv("PASAR_JWT_SECRET"); secret != nullptr && *secret != 0) {
    config.secret = secret;
  } else {
    config.secret = std::string(kDevelopmentSecret);
    std::cerr
        << Json{{"level", "warn"},
                {"msg",
                 "PASAR_JWT_SECRET is not set: using the built-in development secret; "
                 "anyone can mint tokens for this server. Never run like this in production."}}
               .dump()
        << std::endl;
  }
  if (const char* issuer = std::getenv("PASAR_JWT_ISSUER"); issuer != nullptr && *issuer != 0) {
    config.issuer = issuer;
  }
  if (const char* aud = std::getenv("PASAR_JWT_AUDIENCE"); aud != nullptr && *aud != 0) {
    config.audience = aud;
  }
  if (const char* leeway = std::getenv("PASAR_JWT_LEEWAY_SECONDS");
      leeway != nullptr && *leeway != 0) {
    int64_t seconds = 0;
    if (!absl::SimpleAtoi(leeway, &seconds) || seconds < 0) {
      throw std::invalid_argument("PASAR_JWT_LEEWAY_SECONDS must be a non-negative integer");
    }
    config.leeway = absl::Seconds(seconds);
  }
  return config;
}

std::string Base64UrlEncode(std::string_view bytes) {
  return absl::WebSafeBase64Escape(Absl(bytes));
}

std::optional<std::string> Base64UrlDecode(std::string_view text) {
  while (!text.empty() && text.back() == '=')
    text.remove_suffix(1);
  if (text.size() % 4 == 1) return std::nullopt;
  for (char c : text) {
    if (!absl::ascii_isalnum(static_cast<unsigned char>(c)) && c != '-' && c != '_') {
      return std::nullopt;
    }
  }
  std::string out;
  if (!absl::WebSafeBase64Unescape(Absl(text), &out)) return std::nullopt;
  return out;
}

std::string SignHs256(std::string_view secret, std::string_view header_json,
                      std::string_view payload_json) {
  std::string token = Base64UrlEncode(header_json) + "." + Base64UrlEncode(payload_json);
  const auto mac = HmacSha256(secret, token);
  token += ".";
  token += Base64UrlEncode(std::string_view(reinterpret_cast<const char*>(mac.data()), mac.size()));
  return token;
}

std::string Mint(const JwtConfig& config, const Principal& principal, absl::Duration ttl) {
  const absl::Time now = absl::Now();
  Json payload{
      {"sub", principal.subject},
      {"role", std::string(RoleName(principal.role))},
      {"iss", config.issuer},
      {"aud", config.audience},
      {"iat", absl::ToUnixSeconds(now)},
      {"exp", absl::ToUnixSeconds(now + ttl)},
  };
  if (!principal.stalls.empty()) payload["stalls"] = principal.stalls;
  return SignHs256(config.secret, R"({"alg":"HS256","typ":"JWT"})", payload.dump());
}

Verifier::Verifier(JwtConfig config) : config_(std::move(config)) {
  if (config_.secret.empty()) throw std::invalid_argument("JWT secret must not be empty");
}

absl::StatusOr<Principal> Verifier::Verify(std::string_view token) const {
  return Verify(token, absl::Now());
}

absl::StatusOr<Principal> Verifier::Verify(std::string_view token, absl::Time now) const {
  token = StripSpaces(token);
  if (token.size() >= 7 && absl::EqualsIgnoreCase(Absl(token.substr(0, 7)), "bearer ")) {
    token = StripSpaces(token.substr(7));
  }
  if (token.empty()) return absl::UnauthenticatedError("missing token");

  std::vector<std::string_view> parts;
  for (size_t start = 0;;) {
    const size_t dot = token.find('.', start);
    parts.push_back(token.substr(start, dot == std::string_view::npos ? dot : dot - start));
    if (dot == std::string_view::npos) break;
    start = dot + 1;
  }
  if (parts.size() != 3) return Unauthenticated("not three dot-separated parts");
  if (parts[0].empty() || parts[1].empty() || parts[2].empty()) {
    return Unauthenticated("empty part");
  }

  const std::optional<Json> header = DecodeJsonObject(parts[0]);
  if (!header) return Unauthenticated("header is not base64url JSON");
  auto alg = header->find("alg");
  if (alg == header->end() || !alg->is_string() || alg->get<std::string>() != "HS256") {
    return Unauthenticated("alg must be HS256");
  }
  if (header->contains("crit")) return Unauthenticated("unsupported critical header");

  const std::optional<std::string> signature = Base64UrlDecode(parts[2]);
  if (!signature) return Unauthenticated("signature is not base64url");
  const size_t signed_len = parts[0].size() + 1 + parts[1].size();
  const auto expected = HmacSha256(config_.secret, token.substr(0, signed_len));
  if (signature->size() != expected.size() ||
      CRYPTO_memcmp(signature->data(), expected.data(), expected.size()) != 0) {
    return Unauthenticated("bad signature");
  }

  const std::optional<Json> claims = DecodeJsonObject(parts[1]);
  if (!claims) return Unauthenticated("payload is not base64url JSON");

  const std::optional<absl::Time> exp = NumericDate(*claims, "exp");
  if (!exp) return Unauthenticated("missing or non-numeric exp");
  const std::optional<absl::Time> iat = NumericDate(*claims, "iat");
  if (!iat) return Unauthenticated("missing or non-numeric iat");
  if (*exp + config_.leeway < now) return Unauthenticated("expired");
  if (*iat > now + config_.leeway) return Unauthenticated("iat is in the future");
  if (claims->contains("nbf")) {
    const std::optional<absl::Time> nbf = NumericDate(*claims, "nbf");
    if (!nbf) return Unauthenticated("non-numeric nbf");
    if (*nbf > now + config_.leeway) return Unauthenticated("not valid yet (nbf)");
  }

  auto iss = claims->find("iss");
  if (iss == claims->end() || !iss->is_string() || iss->get<std::string>() != config_.issuer) {
    return Unauthenticated("wrong or missing iss");
  }
  auto aud = claims->find("aud");
  if (aud == claims->end() || !AudienceMatches(*aud, config_.audience)) {
    return Unauthenticated("wrong or missing aud");
  }

  Principal principal;
  auto sub = claims->find("sub");
  if (sub == claims->end() || !sub->is_string() || sub->get<std::string>().empty()) {
    return Unauthenticated("missing sub");
  }
  principal.subject = sub->get<std::string>();

  auto role = claims->find("role");
  if (role == claims->end() || !role->is_string()) return Unauthenticated("missing role");
  const std::optional<Role> parsed_role = ParseRole(role->get<std::string>());
  if (!parsed_role) return Unauthenticated("unknown role");
  principal.role = *parsed_role;

  if (auto stalls = claims->find("stalls"); stalls != claims->end() && !stalls->is_null()) {
    if (!stalls->is_array()) return Unauthenticated("stalls must be an array of strings");
    for (const Json& stall : *stalls) {
      if (!stall.is_string()) return Unauthenticated("stalls must be an array of strings");
      principal.stalls.push_back(stall.get<std::string>());
    }
  }
  return principal;
}

}  // namespace pasar::auth
