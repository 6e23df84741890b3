// JWT (HS256) authentication shared by every Pasar service, tool and test.
//
// The contract (docs/conventions.md): header `authorization: Bearer <jwt>`, header
// {"alg":"HS256","typ":"JWT"}, claims `sub` (string), `role` (customer|trader|courier|operator|
// service), `stalls` (array of stall id strings, traders), `iss`, `aud` (string or array of
// strings), `iat`, `exp` (seconds since the epoch). Everything else is refused with
// UNAUTHENTICATED by Verifier::Verify. Signing and the constant-time comparison use OpenSSL.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"

namespace pasar::auth {

enum class Role { kCustomer, kTrader, kCourier, kOperator, kService };

// "customer", "trader", "courier", "operator", "service".
std::string_view RoleName(Role role);
// Inverse of RoleName; nullopt for anything else (case-sensitive).
std::optional<Role> ParseRole(std::string_view name);

// Who is calling: taken from a verified token only, never from request fields.
struct Principal {
  std::string subject;              // claim `sub`
  Role role = Role::kCustomer;      // claim `role`
  std::vector<std::string> stalls;  // claim `stalls` (traders: the stalls they run)
  bool HasStall(std::string_view stall_id) const;
};

struct JwtConfig {
  std::string secret;                         // HMAC key (PASAR_JWT_SECRET)
  std::string issuer = "pasar";               // required `iss`
  std::string audience = "pasar";             // required among `aud`
  absl::Duration leeway = absl::Seconds(30);  // clock skew tolerated on `exp` and `iat`
};

// The secret used when PASAR_JWT_SECRET is unset. Development only: JwtConfigFromEnv logs a
// warning on stderr every time it falls back to it. Never deploy without PASAR_JWT_SECRET.
inline constexpr std::string_view kDevelopmentSecret = "pasar-dev-secret-NOT-FOR-PRODUCTION";

// PASAR_JWT_SECRET (see kDevelopmentSecret), PASAR_JWT_ISSUER, PASAR_JWT_AUDIENCE (both default
// "pasar"), PASAR_JWT_LEEWAY_SECONDS (default 30).
JwtConfig JwtConfigFromEnv();

// Verifies tokens; immutable after construction, so one instance is shared by all threads.
class Verifier final {
 public:
  explicit Verifier(JwtConfig config);

  // OK with the principal, or UNAUTHENTICATED with a message saying what is wrong. Accepts the
  // bare token or "Bearer <token>".
  absl::StatusOr<Principal> Verify(std::string_view token) const;
  // Same, with an explicit clock (tests).
  absl::StatusOr<Principal> Verify(std::string_view token, absl::Time now) const;

  const JwtConfig& config() const { return config_; }

 private:
  JwtConfig config_;
};

// A signed token for `principal`: iss/aud from `config`, iat = now, exp = now + ttl (a negative
// ttl gives an already expired token, for tests). For tools, tests and service-to-service calls.
std::string Mint(const JwtConfig& config, const Principal& principal,
                 absl::Duration ttl = absl::Hours(12));

// Lower level, for tests and tools that need unusual tokens: base64url(header) "."
// base64url(payload) "." base64url(HMAC-SHA256(secret, first two parts)). The JSON texts are
// used verbatim (no validation).
std::string SignHs256(std::string_view secret, std::string_view header_json,
                      std::string_view payload_json);

// base64url without padding (RFC 7515). Decode accepts missing padding, refuses anything else
// outside the alphabet (including '+', '/', whitespace) and returns nullopt.
std::string Base64UrlEncode(std::string_view bytes);
std::optional<std::string> Base64UrlDecode(std::string_view text);

}  // namespace pasar::auth
