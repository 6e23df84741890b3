#include "pasar/auth/auth.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <stdexcept>
#include <utility>

#include <nlohmann/json.hpp>

#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "keys.h"
#include "pasar/ids/ids.h"

namespace pasar::auth {
namespace {

using Json = nlohmann::json;

constexpr std::array<std::pair<Role, std::string_view>, 6> kRoleNames{{
    {Role::kCustomer, "customer"},
    {Role::kTrader, "trader"},
    {Role::kCourier, "courier"},
    {Role::kOperator, "operator"},
    {Role::kService, "service"},
    {Role::kOfficial, "official"},
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

JwtConfig JwtConfigFrom(const std::function<std::string(std::string_view name)>& get) {
  JwtConfig config;
  auto text = [&](std::string_view name, std::string& out) {
    if (std::string value = get(name); !value.empty()) out = std::move(value);
  };
  // A whole number in [min, max] times `unit`.
  auto number = [&](std::string_view name, absl::Duration unit, int64_t min, int64_t max,
                    absl::Duration& out) {
    const std::string value = get(name);
    if (value.empty()) return;
    int64_t n = 0;
    if (!absl::SimpleAtoi(value, &n) || n < min || n > max) {
      throw std::invalid_argument(absl::StrCat("PASAR_", absl::AsciiStrToUpper(Absl(name)),
                                               ": expected an integer in [", min, ", ", max,
                                               "], got \"", value, "\""));
    }
    out = n * unit;
  };
  text("jwt_secret", config.secret);
  text("jwt_jwks_file", config.jwks_file);
  text("jwt_service_jwks_file", config.service_jwks_file);
  text("jwt_private_key_file", config.private_key_file);
  text("jwt_key_id", config.key_id);
  text("jwt_issuer", config.issuer);
  text("jwt_audience", config.audience);
  constexpr int64_t kYearSeconds = 366 * 86400;
  number("jwt_jwks_check_ms", absl::Milliseconds(1), 1, 3600 * 1000, config.jwks_check_interval);
  number("jwt_leeway_seconds", absl::Seconds(1), 0, 3600, config.leeway);
  number("jwt_max_lifetime_seconds", absl::Seconds(1), 1, kYearSeconds, config.max_lifetime);
  number("jwt_service_max_lifetime_seconds", absl::Seconds(1), 1, kYearSeconds,
         config.service_max_lifetime);
  return config;
}

JwtConfig JwtConfigFromEnv() {
  return JwtConfigFrom([](std::string_view name) {
    const std::string var = "PASAR_" + absl::AsciiStrToUpper(Absl(name));
    const char* value = std::getenv(var.c_str());
    return std::string(value != nullptr ? value : "");
  });
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

// ---- Minting ----

Minter::Minter(JwtConfig config) : config_(std::move(config)) {
  if (!config_.private_key_file.empty()) {
    key_ = SigningKey::FromFile(config_.private_key_file, config_.key_id);
  } else if (config_.secret.empty()) {
    throw std::invalid_argument(
        "no signing key: set PASAR_JWT_PRIVATE_KEY_FILE (a PEM private key) or, in development, "
        "PASAR_JWT_SECRET");
  }
}

Minter::Minter(JwtConfig config, SigningKey key)
    : config_(std::move(config)), key_(std::move(key)) {}

absl::Duration Minter::DefaultTtl(Role role) const {
  return std::min(absl::Hours(12), config_.MaxLifetime(role));
}

std::string_view Minter::alg() const {
  return key_ ? std::string_view(key_->alg()) : std::string_view("HS256");
}

std::string_view Minter::kid() const {
  return key_ ? std::string_view(key_->kid()) : std::string_view();
}

std::string Minter::Mint(const Principal& principal) const {
  return Mint(principal, DefaultTtl(principal.role));
}

std::string Minter::Mint(const Principal& principal, absl::Duration ttl) const {
  const absl::Time now = absl::Now();
  Json payload{
      {"sub", principal.subject},        {"role", std::string(RoleName(principal.role))},
      {"iss", config_.issuer},           {"aud", config_.audience},
      {"iat", absl::ToUnixSeconds(now)}, {"exp", absl::ToUnixSeconds(now + ttl)},
  };
  if (!principal.stalls.empty()) payload["stalls"] = principal.stalls;
  if (!key_) return SignHs256(config_.secret, R"({"alg":"HS256","typ":"JWT"})", payload.dump());
  const Json header{{"alg", key_->alg()}, {"typ", "JWT"}, {"kid", key_->kid()}};
  return key_->Sign(header.dump(), payload.dump());
}

std::string Mint(const JwtConfig& config, const Principal& principal) {
  return Minter(config).Mint(principal);
}

std::string Mint(const JwtConfig& config, const Principal& principal, absl::Duration ttl) {
  return Minter(config).Mint(principal, ttl);
}

// ---- Verifying ----

Verifier::Verifier(JwtConfig config)
    : config_(std::move(config)), signatures_(std::make_unique<SignatureCache>()) {
  if (config_.secret.empty() && config_.jwks_file.empty() && config_.service_jwks_file.empty()) {
    throw std::invalid_argument(
        "nothing to verify tokens with: set PASAR_JWT_JWKS_FILE (and, where role service is "
        "accepted, PASAR_JWT_SERVICE_JWKS_FILE) or, in development, PASAR_JWT_SECRET");
  }
  if (!config_.jwks_file.empty()) {
    people_keys_ = std::make_unique<KeyFile>(config_.jwks_file, config_.jwks_check_interval);
  }
  if (!config_.service_jwks_file.empty()) {
    service_keys_ =
        std::make_unique<KeyFile>(config_.service_jwks_file, config_.jwks_check_interval);
  }
  if (!config_.secret.empty()) {
    log::Log("warn",
             "development mode: HS256 tokens signed with PASAR_JWT_SECRET are accepted, and "
             "whoever knows the secret can mint any token (any role). Never run like this "
             "in production: use PASAR_JWT_JWKS_FILE and PASAR_JWT_SERVICE_JWKS_FILE.");
  }
}

Verifier::~Verifier() = default;

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
  auto alg_it = header->find("alg");
  if (alg_it == header->end() || !alg_it->is_string()) return Unauthenticated("missing alg");
  const std::string alg = alg_it->get<std::string>();
  if (header->contains("crit")) return Unauthenticated("unsupported critical header");

  const std::optional<std::string> signature = Base64UrlDecode(parts[2]);
  if (!signature) return Unauthenticated("signature is not base64url");
  const std::string_view signing_input = token.substr(0, parts[0].size() + 1 + parts[1].size());

  // Which key set vouches for the token: the people's or the service set; none for HS256 (the
  // development secret signs every role).
  std::optional<internal::KeyScope> scope;
  if (alg == "HS256") {
    if (config_.secret.empty()) {
      return Unauthenticated("alg HS256 is not accepted (public-key signatures only)");
    }
    const auto expected = HmacSha256(config_.secret, signing_input);
    if (signature->size() != expected.size() ||
        CRYPTO_memcmp(signature->data(), expected.data(), expected.size()) != 0) {
      return Unauthenticated("bad signature");
    }
  } else if (alg == "ES256" || alg == "EdDSA" || alg == "RS256") {
    if (!people_keys_ && !service_keys_) {
      return Unauthenticated("alg " + alg + " is not accepted (no public keys configured)");
    }
    auto kid_it = header->find("kid");
    if (kid_it == header->end() || !kid_it->is_string() || kid_it->get<std::string>().empty()) {
      return Unauthenticated("missing kid");
    }
    const std::string kid = kid_it->get<std::string>();
    // The key files as they are now; a kid neither knows makes them check for a new version.
    std::shared_ptr<const internal::KeySet> people, service;
    auto find = [&](bool check_now) {
      if (people_keys_) people = people_keys_->Keys(check_now);
      if (service_keys_) service = service_keys_->Keys(check_now);
      return (people && people->Find(kid) != nullptr) || (service && service->Find(kid) != nullptr);
    };
    if (!find(false) && !find(true)) return Unauthenticated("unknown kid");
    // The same token verified before by a key set that is still the current one: its signature
    // holds (the claims are checked below all the same).
    scope = signatures_->Find(token, people, service);
    if (!scope) {
      bool alg_fits = false;
      for (const auto& [set, set_scope] : {std::pair{people, internal::KeyScope::kPeople},
                                           std::pair{service, internal::KeyScope::kService}}) {
        const internal::PublicKey* key = set != nullptr ? set->Find(kid) : nullptr;
        if (key == nullptr || key->alg != alg) continue;
        alg_fits = true;
        if (internal::VerifySignature(*key, alg, signing_input, *signature)) {
          scope = set_scope;
          signatures_->Insert(token, set, set_scope);
          break;
        }
      }
      if (!alg_fits) return Unauthenticated("alg " + alg + " does not fit the key of kid " + kid);
      if (!scope) return Unauthenticated("bad signature");
    }
  } else {
    return Unauthenticated("unsupported alg (ES256, EdDSA, RS256" +
                           std::string(config_.secret.empty() ? ")" : "; HS256 in development)"));
  }

  const std::optional<Json> claims = DecodeJsonObject(parts[1]);
  if (!claims) return Unauthenticated("payload is not base64url JSON");

  Principal principal;
  auto role = claims->find("role");
  if (role == claims->end() || !role->is_string()) return Unauthenticated("missing role");
  const std::optional<Role> parsed_role = ParseRole(role->get<std::string>());
  if (!parsed_role) return Unauthenticated("unknown role");
  principal.role = *parsed_role;
  // A key opens the tokens of its own set only: a leaked or misused people's key mints no
  // `service` token, and the service key mints no person.
  if (scope == internal::KeyScope::kPeople && principal.role == Role::kService) {
    return Unauthenticated("role service needs a token signed by a service key");
  }
  if (scope == internal::KeyScope::kService && principal.role != Role::kService) {
    return Unauthenticated("a service key signs role service only");
  }

  const std::optional<absl::Time> exp = NumericDate(*claims, "exp");
  if (!exp) return Unauthenticated("missing or non-numeric exp");
  const std::optional<absl::Time> iat = NumericDate(*claims, "iat");
  if (!iat) return Unauthenticated("missing or non-numeric iat");
  if (*exp + config_.leeway < now) return Unauthenticated("expired");
  if (*iat > now + config_.leeway) return Unauthenticated("iat is in the future");
  if (*exp - *iat > config_.MaxLifetime(principal.role)) {
    return Unauthenticated(absl::StrCat("lifetime exp - iat exceeds ",
                                        absl::ToInt64Seconds(config_.MaxLifetime(principal.role)),
                                        " s for role ", Absl(RoleName(principal.role))));
  }
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

  auto sub = claims->find("sub");
  if (sub == claims->end() || !sub->is_string() || sub->get<std::string>().empty()) {
    return Unauthenticated("missing sub");
  }
  principal.subject = sub->get<std::string>();

  if (auto stalls = claims->find("stalls"); stalls != claims->end() && !stalls->is_null()) {
    if (!stalls->is_array()) return Unauthenticated("stalls must be an array of strings");
    for (const Json& stall : *stalls) {
      if (!stall.is_string()) return Unauthenticated("stalls must be an array of strings");
      // Stall ids are UUIDs: one spelling (lower case) from here on, as for request fields.
      std::string id = stall.get<std::string>();
      if (std::optional<std::string> canonical = ids::CanonicalUuid(id)) id = std::move(*canonical);
      principal.stalls.push_back(std::move(id));
    }
  }
  return principal;
}

}  // namespace pasar::auth
