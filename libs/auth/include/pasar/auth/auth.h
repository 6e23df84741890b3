// JWT authentication shared by every Pasar service, tool and test.
//
// The contract (docs/conventions.md): header `authorization: Bearer <jwt>`, claims `sub`
// (string), `role` (customer|trader|courier|operator|official|service), `stalls` (array of stall
// id strings, traders), `iss`, `aud` (string or array of strings), `iat`, `exp` (seconds since the
// epoch), optional `nbf`. Everything else is refused with UNAUTHENTICATED by Verifier::Verify.
//
// Signatures (README, "Security"):
//  - ES256 (ECDSA P-256), EdDSA (Ed25519) and RS256 (RSA >= 2048 bits), verified with the public
//    keys of JWK Set files, the key picked by the header's `kid`. Tokens of the people (customer,
//    trader, courier, operator, official) are opened by the keys of `jwks_file`, tokens of role
//    `service` only by the keys of `service_jwks_file`: a key of one set never opens the other's
//    tokens.
//    The files are re-read when they change (rotation without a restart).
//  - HS256 with a shared secret: the development mode, accepted only when a secret is configured
//    (the Verifier logs a warning then); whoever knows the secret can mint any token.
// All cryptography is OpenSSL's (EVP); nothing here is hand-written beyond the JOSE encodings.
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"

struct evp_pkey_st;

namespace pasar::auth {

// kOfficial: the regency's trade or cooperative office, regency-wide: reads reports and staple
// prices, runs programmes; never given customers' personal data.
enum class Role { kCustomer, kTrader, kCourier, kOperator, kService, kOfficial };

// "customer", "trader", "courier", "operator", "service", "official".
std::string_view RoleName(Role role);
// Inverse of RoleName; nullopt for anything else (case-sensitive).
std::optional<Role> ParseRole(std::string_view name);

// Who is calling: taken from a verified token only, never from request fields.
struct Principal {
  std::string subject;              // claim `sub`
  Role role = Role::kCustomer;      // claim `role`
  std::vector<std::string> stalls;  // claim `stalls` (traders); UUIDs in canonical lower case
  bool HasStall(std::string_view stall_id) const;
};

struct JwtConfig {
  // Development mode: the HS256 secret (PASAR_JWT_SECRET). Empty: HS256 tokens are refused, and
  // Mint needs private_key_file.
  std::string secret{};
  // JWK Set files of the public keys that open the people's tokens (PASAR_JWT_JWKS_FILE) and
  // role `service` tokens (PASAR_JWT_SERVICE_JWKS_FILE); empty: none.
  std::string jwks_file{};
  std::string service_jwks_file{};
  // How often a key file is checked for a change (PASAR_JWT_JWKS_CHECK_MS); a token whose `kid`
  // is not in the set also checks at once.
  absl::Duration jwks_check_interval = absl::Seconds(1);
  // Minting (tools, and the order service for its calls to inventory): the private key in PEM
  // (PASAR_JWT_PRIVATE_KEY_FILE) and the `kid` written with it (PASAR_JWT_KEY_ID; empty: the
  // key's RFC 7638 thumbprint, which is also what `pasarctl jwks` names it).
  std::string private_key_file{};
  std::string key_id{};
  std::string issuer = "pasar";               // required `iss` (PASAR_JWT_ISSUER)
  std::string audience = "pasar";             // required among `aud` (PASAR_JWT_AUDIENCE)
  absl::Duration leeway = absl::Seconds(30);  // on exp, iat, nbf (PASAR_JWT_LEEWAY_SECONDS)
  // Longest `exp - iat` accepted: people (PASAR_JWT_MAX_LIFETIME_SECONDS) and role `service`
  // (PASAR_JWT_SERVICE_MAX_LIFETIME_SECONDS).
  absl::Duration max_lifetime = absl::Hours(24);
  absl::Duration service_max_lifetime = absl::Hours(1);

  absl::Duration MaxLifetime(Role role) const {
    return role == Role::kService ? service_max_lifetime : max_lifetime;
  }
};

// A JwtConfig from named settings: `get(name)` returns the value of setting `name` ("jwt_secret",
// "jwt_jwks_file", "jwt_service_jwks_file", "jwt_jwks_check_ms", "jwt_private_key_file",
// "jwt_key_id", "jwt_issuer", "jwt_audience", "jwt_leeway_seconds", "jwt_max_lifetime_seconds",
// "jwt_service_max_lifetime_seconds"), empty when unset. Throws std::invalid_argument naming
// PASAR_<NAME> for a malformed number.
JwtConfig JwtConfigFrom(const std::function<std::string(std::string_view name)>& get);
// The same from the environment (PASAR_JWT_SECRET, ...).
JwtConfig JwtConfigFromEnv();

// Verifies tokens. Thread-safe: one instance is shared by all the handlers of a process; it
// re-reads its key files when they change (a file that cannot be read or parsed then is logged
// and the keys read before are kept).
class Verifier final {
 public:
  // Throws std::invalid_argument when the config gives nothing to verify with (no key file and
  // no secret), std::runtime_error naming the file when a key file cannot be read or holds no
  // usable key. Logs a warning when the development secret is set.
  explicit Verifier(JwtConfig config);
  ~Verifier();
  Verifier(const Verifier&) = delete;
  Verifier& operator=(const Verifier&) = delete;

  // OK with the principal, or UNAUTHENTICATED with a message saying what is wrong. Accepts the
  // bare token or "Bearer <token>".
  absl::StatusOr<Principal> Verify(std::string_view token) const;
  // Same, with an explicit clock for the claims (tests).
  absl::StatusOr<Principal> Verify(std::string_view token, absl::Time now) const;

  const JwtConfig& config() const { return config_; }

 private:
  class KeyFile;
  class SignatureCache;
  JwtConfig config_;
  std::unique_ptr<KeyFile> people_keys_;
  std::unique_ptr<KeyFile> service_keys_;
  std::unique_ptr<SignatureCache> signatures_;
};

// A private key for signing tokens: ECDSA P-256 (ES256), Ed25519 (EdDSA) or RSA of at least
// 2048 bits (RS256), with the `kid` its tokens carry. Cheap to copy (shares the key).
class SigningKey final {
 public:
  // A fresh key for `alg` ("ES256", "EdDSA" or "RS256"). Throws std::invalid_argument for
  // another alg.
  static SigningKey Generate(std::string_view alg, std::string kid = {});
  // From a PEM private key (PKCS#8 or the traditional forms). An empty `kid` becomes the key's
  // thumbprint. Throws std::runtime_error for anything else (public keys, other curves, short
  // RSA keys).
  static SigningKey FromPem(std::string_view pem, std::string kid = {});
  static SigningKey FromFile(const std::string& path, std::string kid = {});

  const std::string& alg() const { return alg_; }
  const std::string& kid() const { return kid_; }
  // The private key as PKCS#8 PEM (for key files).
  std::string PrivateKeyPem() const;
  // The public half as one JWK (JSON object text): kty, crv and x (and y), or n and e; kid, alg
  // and "use":"sig".
  std::string PublicJwk() const;
  // The RFC 7638 thumbprint of the public half (base64url of SHA-256).
  std::string Thumbprint() const;
  // A JWS in compact form over the JSON texts, used verbatim (tests craft unusual tokens):
  // base64url(header) "." base64url(payload) "." base64url(signature).
  std::string Sign(std::string_view header_json, std::string_view payload_json) const;

 private:
  SigningKey(std::shared_ptr<evp_pkey_st> key, std::string kid);
  std::shared_ptr<evp_pkey_st> key_;
  std::string alg_;
  std::string kid_;
};

// {"keys":[...]} with the public halves of `keys`: the content of a JWK Set file.
std::string JwkSet(const std::vector<SigningKey>& keys);

// The RFC 7638 thumbprint of a JWK (JSON object text) of kty EC, OKP or RSA: the `kid` a key of a
// JWK Set without one is known by. Throws std::invalid_argument for another kty or a missing
// member.
std::string JwkThumbprint(std::string_view jwk_json);

// Mints tokens: with the private key of config.private_key_file (read once, here), else HS256
// with config.secret (development). Throws std::invalid_argument when neither is set,
// std::runtime_error when the key file cannot be used.
class Minter final {
 public:
  explicit Minter(JwtConfig config);
  // Signs with `key` (config's issuer, audience and lifetimes; its key settings are ignored).
  Minter(JwtConfig config, SigningKey key);

  // A signed token for `principal`: iss/aud from the config, iat = now, exp = now + ttl (a
  // negative ttl gives an already expired token, for tests).
  std::string Mint(const Principal& principal, absl::Duration ttl) const;
  // With DefaultTtl(role).
  std::string Mint(const Principal& principal) const;
  // 12 hours for people, capped at the config's maximum lifetime of the role (1 hour for
  // `service` by default).
  absl::Duration DefaultTtl(Role role) const;

  // "HS256", "ES256", "EdDSA" or "RS256"; the kid ("" for HS256).
  std::string_view alg() const;
  std::string_view kid() const;

 private:
  JwtConfig config_;
  std::optional<SigningKey> key_;
};

// Minter(config).Mint(principal[, ttl]): for tools and tests minting now and then.
std::string Mint(const JwtConfig& config, const Principal& principal);
std::string Mint(const JwtConfig& config, const Principal& principal, absl::Duration ttl);

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
