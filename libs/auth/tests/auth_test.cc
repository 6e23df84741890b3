#include "pasar/auth/auth.h"

#include <stdlib.h>

#include <catch2/catch.hpp>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "absl/status/status.h"

namespace auth = pasar::auth;
using Json = nlohmann::json;

namespace {

constexpr char kSecret[] = "test-secret-0123456789abcdef";
constexpr char kHs256Header[] = R"({"alg":"HS256","typ":"JWT"})";

auth::JwtConfig Config() {
  auth::JwtConfig config;
  config.secret = kSecret;
  return config;
}

// A complete, valid claim set; tests remove or change one claim at a time.
Json ValidClaims() {
  const int64_t now = absl::ToUnixSeconds(absl::Now());
  return Json{{"sub", "trader-1"}, {"role", "trader"}, {"stalls", {"s1", "s2"}}, {"iss", "pasar"},
              {"aud", "pasar"},    {"iat", now},       {"exp", now + 600}};
}

std::string Sign(const Json& claims, const std::string& header = kHs256Header) {
  return auth::SignHs256(kSecret, header, claims.dump());
}

// Verifies and requires UNAUTHENTICATED; returns the message for further checks.
std::string Refused(const std::string& token) {
  auth::Verifier verifier(Config());
  absl::StatusOr<auth::Principal> result = verifier.Verify(token);
  REQUIRE_FALSE(result.ok());
  CHECK(result.status().code() == absl::StatusCode::kUnauthenticated);
  CHECK_FALSE(result.status().message().empty());
  return std::string(result.status().message());
}

}  // namespace

TEST_CASE("Role names round-trip") {
  for (auth::Role role : {auth::Role::kCustomer, auth::Role::kTrader, auth::Role::kCourier,
                          auth::Role::kOperator, auth::Role::kService, auth::Role::kOfficial}) {
    REQUIRE(auth::ParseRole(auth::RoleName(role)) == role);
  }
  CHECK(auth::RoleName(auth::Role::kOperator) == "operator");
  CHECK(auth::RoleName(auth::Role::kOfficial) == "official");
  CHECK_FALSE(auth::ParseRole("admin").has_value());
  CHECK_FALSE(auth::ParseRole("Customer").has_value());
}

TEST_CASE("A minted token verifies and its claims are read") {
  auth::Principal trader{"trader-7", auth::Role::kTrader, {"stall-a", "stall-b"}};
  const std::string token = auth::Mint(Config(), trader);
  auth::Verifier verifier(Config());

  absl::StatusOr<auth::Principal> p = verifier.Verify(token);
  REQUIRE(p.ok());
  CHECK(p->subject == "trader-7");
  CHECK(p->role == auth::Role::kTrader);
  CHECK(p->stalls == std::vector<std::string>{"stall-a", "stall-b"});
  CHECK(p->HasStall("stall-b"));
  CHECK_FALSE(p->HasStall("stall-c"));

  // The header form is accepted too.
  absl::StatusOr<auth::Principal> bearer = verifier.Verify("Bearer " + token);
  REQUIRE(bearer.ok());
  CHECK(bearer->subject == "trader-7");

  // A customer without stalls.
  absl::StatusOr<auth::Principal> customer =
      verifier.Verify(auth::Mint(Config(), {"cust-1", auth::Role::kCustomer, {}}));
  REQUIRE(customer.ok());
  CHECK(customer->role == auth::Role::kCustomer);
  CHECK(customer->stalls.empty());
}

TEST_CASE("A hand-signed token with an audience array verifies") {
  Json claims = ValidClaims();
  claims["aud"] = {"other", "pasar"};
  auth::Verifier verifier(Config());
  absl::StatusOr<auth::Principal> p = verifier.Verify(Sign(claims));
  REQUIRE(p.ok());
  CHECK(p->subject == "trader-1");
  CHECK(p->stalls.size() == 2);
}

TEST_CASE("Missing and malformed tokens are refused") {
  Refused("");
  Refused("Bearer ");
  Refused("Bearer    ");
  Refused("abc");
  Refused("a.b");
  Refused("a.b.c.d");
  Refused("..");
  const std::string valid = Sign(ValidClaims());
  Refused(valid + ".");
  Refused("!!!" + valid);                            // bad base64 in the header
  Refused(valid.substr(0, valid.size() - 2) + "*");  // bad base64 in the signature
  Refused(auth::SignHs256(kSecret, "not json", ValidClaims().dump()));
  Refused(auth::SignHs256(kSecret, "[1,2]", ValidClaims().dump()));
  Refused(auth::SignHs256(kSecret, kHs256Header, "not json"));
  Refused(auth::SignHs256(kSecret, kHs256Header, "\"a string\""));
}

TEST_CASE("With only a development secret, only HS256 is accepted, never alg none") {
  const Json claims = ValidClaims();
  Refused(Sign(claims, R"({"alg":"none","typ":"JWT"})"));
  Refused(Sign(claims, R"({"alg":"HS512","typ":"JWT"})"));
  Refused(Sign(claims, R"({"alg":"RS256","typ":"JWT"})"));
  Refused(Sign(claims, R"({"typ":"JWT"})"));
  Refused(Sign(claims, R"({"alg":["HS256"]})"));
  // Classic "none" token: header.payload. with an empty signature.
  const std::string unsigned_token =
      auth::Base64UrlEncode(R"({"alg":"none"})") + "." + auth::Base64UrlEncode(claims.dump()) + ".";
  Refused(unsigned_token);
  // Critical extensions we do not understand.
  Refused(Sign(claims, R"({"alg":"HS256","crit":["exp"]})"));
}

TEST_CASE("Wrong signatures and tampering are refused") {
  auth::JwtConfig other = Config();
  other.secret = "another-secret";
  const std::string foreign = auth::Mint(other, {"op", auth::Role::kOperator, {}});
  CHECK(Refused(foreign).find("signature") != std::string::npos);

  // Swap the payload for one claiming another role, keeping the signature.
  const std::string token = auth::Mint(Config(), {"cust-1", auth::Role::kCustomer, {}});
  const size_t first = token.find('.');
  const size_t second = token.find('.', first + 1);
  Json claims = ValidClaims();
  claims["sub"] = "cust-1";
  claims["role"] = "operator";
  const std::string tampered =
      token.substr(0, first + 1) + auth::Base64UrlEncode(claims.dump()) + token.substr(second);
  CHECK(Refused(tampered).find("signature") != std::string::npos);

  // Flip the first character of the signature (the last one carries padding bits that a
  // different character may leave unchanged).
  std::string flipped = token;
  flipped[second + 1] = flipped[second + 1] == 'A' ? 'B' : 'A';
  Refused(flipped);
  // Truncated signature.
  Refused(token.substr(0, token.size() - 4));
}

TEST_CASE("Expiry and issue time are enforced with the leeway") {
  CHECK(Refused(auth::Mint(Config(), {"c", auth::Role::kCustomer, {}}, absl::Minutes(-5)))
            .find("expired") != std::string::npos);
  // Expired 10 s ago: within the 30 s leeway.
  auth::Verifier verifier(Config());
  CHECK(verifier.Verify(auth::Mint(Config(), {"c", auth::Role::kCustomer, {}}, absl::Seconds(-10)))
            .ok());

  Json future = ValidClaims();
  future["iat"] = absl::ToUnixSeconds(absl::Now() + absl::Minutes(10));
  CHECK(Refused(Sign(future)).find("future") != std::string::npos);

  Json not_yet = ValidClaims();
  not_yet["nbf"] = absl::ToUnixSeconds(absl::Now() + absl::Minutes(10));
  Refused(Sign(not_yet));

  // The explicit clock: valid now, expired an hour later.
  const std::string token =
      auth::Mint(Config(), {"c", auth::Role::kCustomer, {}}, absl::Minutes(5));
  CHECK(verifier.Verify(token, absl::Now()).ok());
  absl::StatusOr<auth::Principal> later = verifier.Verify(token, absl::Now() + absl::Hours(1));
  REQUIRE_FALSE(later.ok());
  CHECK(later.status().code() == absl::StatusCode::kUnauthenticated);
}

TEST_CASE("Every required claim must be present and well-typed") {
  for (const char* claim : {"exp", "iat", "sub", "role", "iss", "aud"}) {
    INFO("missing " << claim);
    Json claims = ValidClaims();
    claims.erase(claim);
    Refused(Sign(claims));
  }
  Json string_exp = ValidClaims();
  string_exp["exp"] = "tomorrow";
  Refused(Sign(string_exp));
  Json empty_sub = ValidClaims();
  empty_sub["sub"] = "";
  Refused(Sign(empty_sub));
  Json numeric_sub = ValidClaims();
  numeric_sub["sub"] = 42;
  Refused(Sign(numeric_sub));
}

TEST_CASE("Wrong issuer, audience, role and stalls are refused") {
  Json iss = ValidClaims();
  iss["iss"] = "someone-else";
  CHECK(Refused(Sign(iss)).find("iss") != std::string::npos);

  Json aud = ValidClaims();
  aud["aud"] = "someone-else";
  CHECK(Refused(Sign(aud)).find("aud") != std::string::npos);
  Json aud_array = ValidClaims();
  aud_array["aud"] = {"a", "b"};
  Refused(Sign(aud_array));
  Json aud_number = ValidClaims();
  aud_number["aud"] = 7;
  Refused(Sign(aud_number));

  Json role = ValidClaims();
  role["role"] = "admin";
  CHECK(Refused(Sign(role)).find("role") != std::string::npos);

  Json stalls_string = ValidClaims();
  stalls_string["stalls"] = "s1";
  CHECK(Refused(Sign(stalls_string)).find("stalls") != std::string::npos);
  Json stalls_mixed = ValidClaims();
  stalls_mixed["stalls"] = {"s1", 2};
  Refused(Sign(stalls_mixed));

  // A verifier configured for another issuer refuses our tokens.
  auth::JwtConfig other = Config();
  other.issuer = "elsewhere";
  auth::Verifier verifier(other);
  CHECK_FALSE(verifier.Verify(auth::Mint(Config(), {"c", auth::Role::kCustomer, {}})).ok());
}

TEST_CASE("base64url is strict") {
  CHECK(auth::Base64UrlEncode("\xfb\xff") == "-_8");
  REQUIRE(auth::Base64UrlDecode("-_8").has_value());
  CHECK(*auth::Base64UrlDecode("-_8") == "\xfb\xff");
  CHECK(auth::Base64UrlDecode("aGk=") == std::optional<std::string>("hi"));
  CHECK_FALSE(auth::Base64UrlDecode("+/8").has_value());
  CHECK_FALSE(auth::Base64UrlDecode("aG k").has_value());
  CHECK_FALSE(auth::Base64UrlDecode("a").has_value());
}

TEST_CASE("JwtConfigFromEnv reads the environment; without keys or secret nothing verifies") {
  const std::map<std::string, std::string> env = {
      {"PASAR_JWT_SECRET", "from-env"},
      {"PASAR_JWT_ISSUER", "iss-x"},
      {"PASAR_JWT_AUDIENCE", "aud-y"},
      {"PASAR_JWT_JWKS_FILE", "/keys/people.jwks"},
      {"PASAR_JWT_SERVICE_JWKS_FILE", "/keys/service.jwks"},
      {"PASAR_JWT_JWKS_CHECK_MS", "250"},
      {"PASAR_JWT_PRIVATE_KEY_FILE", "/keys/order.pem"},
      {"PASAR_JWT_KEY_ID", "order-2026"},
      {"PASAR_JWT_LEEWAY_SECONDS", "5"},
      {"PASAR_JWT_MAX_LIFETIME_SECONDS", "7200"},
      {"PASAR_JWT_SERVICE_MAX_LIFETIME_SECONDS", "600"}};
  for (const auto& [name, value] : env)
    ::setenv(name.c_str(), value.c_str(), 1);
  auth::JwtConfig config = auth::JwtConfigFromEnv();
  CHECK(config.secret == "from-env");
  CHECK(config.issuer == "iss-x");
  CHECK(config.audience == "aud-y");
  CHECK(config.jwks_file == "/keys/people.jwks");
  CHECK(config.service_jwks_file == "/keys/service.jwks");
  CHECK(config.jwks_check_interval == absl::Milliseconds(250));
  CHECK(config.private_key_file == "/keys/order.pem");
  CHECK(config.key_id == "order-2026");
  CHECK(config.leeway == absl::Seconds(5));
  CHECK(config.MaxLifetime(auth::Role::kCustomer) == absl::Hours(2));
  CHECK(config.MaxLifetime(auth::Role::kService) == absl::Minutes(10));

  ::setenv("PASAR_JWT_MAX_LIFETIME_SECONDS", "a day", 1);
  CHECK_THROWS_WITH(auth::JwtConfigFromEnv(), Catch::Contains("PASAR_JWT_MAX_LIFETIME_SECONDS"));

  for (const auto& [name, value] : env)
    ::unsetenv(name.c_str());
  config = auth::JwtConfigFromEnv();
  CHECK(config.secret.empty());
  CHECK(config.jwks_file.empty());
  CHECK(config.issuer == "pasar");
  CHECK(config.audience == "pasar");
  CHECK(config.MaxLifetime(auth::Role::kOperator) == absl::Hours(24));
  CHECK(config.MaxLifetime(auth::Role::kService) == absl::Hours(1));

  // No built-in secret: a service without keys or a development secret does not start, and a
  // tool without a private key or a secret mints nothing.
  CHECK_THROWS_AS(auth::Verifier(auth::JwtConfig{}), std::invalid_argument);
  CHECK_THROWS_AS(auth::Minter(auth::JwtConfig{}), std::invalid_argument);
}

// ---- Public keys ----

namespace {

// A folder for key files, removed with the object.
class TempDir final {
 public:
  TempDir() {
    std::string pattern = (std::filesystem::temp_directory_path() / "auth-test-XXXXXX").string();
    REQUIRE(::mkdtemp(pattern.data()) != nullptr);
    path_ = pattern;
  }
  ~TempDir() {
    std::error_code ignored;
    std::filesystem::remove_all(path_, ignored);
  }
  // Writes `text` to `name` through a temporary file and a rename, as a deployment swaps a key
  // file; returns its path.
  std::string Write(const std::string& name, const std::string& text) const {
    const std::string path = path_ + "/" + name;
    std::ofstream(path + ".tmp") << text;
    std::filesystem::rename(path + ".tmp", path);
    return path;
  }
  // Writes in place (same inode).
  std::string Overwrite(const std::string& name, const std::string& text) const {
    const std::string path = path_ + "/" + name;
    std::ofstream(path, std::ios::trunc) << text;
    return path;
  }

 private:
  std::string path_;
};

// A verifier that reads `people` (and `service`) key sets and checks the files on every call.
auth::JwtConfig KeyConfig(const std::string& people, const std::string& service = "") {
  auth::JwtConfig config;
  config.jwks_file = people;
  config.service_jwks_file = service;
  config.jwks_check_interval = absl::ZeroDuration();
  return config;
}

Json Claims(const std::string& role, absl::Duration lifetime = absl::Minutes(10)) {
  const int64_t now = absl::ToUnixSeconds(absl::Now());
  return Json{{"sub", "someone"}, {"role", role}, {"iss", "pasar"},
              {"aud", "pasar"},   {"iat", now},   {"exp", now + absl::ToInt64Seconds(lifetime)}};
}

std::string Header(const auth::SigningKey& key, const std::string& kid) {
  return Json{{"alg", key.alg()}, {"typ", "JWT"}, {"kid", kid}}.dump();
}

std::string Signed(const auth::SigningKey& key, const Json& claims) {
  return key.Sign(Header(key, key.kid()), claims.dump());
}

std::string RefusedBy(const auth::Verifier& verifier, const std::string& token) {
  absl::StatusOr<auth::Principal> result = verifier.Verify(token);
  REQUIRE_FALSE(result.ok());
  CHECK(result.status().code() == absl::StatusCode::kUnauthenticated);
  return std::string(result.status().message());
}

}  // namespace

TEST_CASE("ES256, EdDSA and RS256 tokens verify with the public key of their kid") {
  TempDir dir;
  for (const char* alg : {"ES256", "EdDSA", "RS256"}) {
    INFO(alg);
    const auth::SigningKey key = auth::SigningKey::Generate(alg);
    CHECK(key.alg() == alg);
    CHECK(key.kid() == key.Thumbprint());
    const auth::SigningKey other = auth::SigningKey::Generate(alg, "other-key");
    CHECK(other.kid() == "other-key");
    const std::string jwks = dir.Write(std::string(alg) + ".jwks", auth::JwkSet({other, key}));
    auth::Verifier verifier(KeyConfig(jwks));

    // Minted from the PEM file as a tool or the order service does.
    auth::JwtConfig minting;
    minting.private_key_file = dir.Write(std::string(alg) + ".pem", key.PrivateKeyPem());
    const auth::Minter minter(minting);
    CHECK(minter.alg() == alg);
    CHECK(minter.kid() == key.kid());
    const std::string token =
        minter.Mint({"trader-7", auth::Role::kTrader, {"0F8FAD5B-D9CB-469F-A165-70867728950E"}});
    Json header = Json::parse(*auth::Base64UrlDecode(token.substr(0, token.find('.'))));
    CHECK(header["kid"] == key.kid());
    CHECK(header["alg"] == alg);
    absl::StatusOr<auth::Principal> p = verifier.Verify(token);
    REQUIRE(p.ok());
    CHECK(p->subject == "trader-7");
    CHECK(p->role == auth::Role::kTrader);
    // Stall ids come out in one spelling: lower case.
    CHECK(p->stalls == std::vector<std::string>{"0f8fad5b-d9cb-469f-a165-70867728950e"});
    CHECK(verifier.Verify(Signed(other, Claims("customer"))).ok());

    // The same key read back from its PEM signs tokens the verifier accepts.
    const auth::SigningKey reread = auth::SigningKey::FromPem(key.PrivateKeyPem());
    CHECK(reread.kid() == key.kid());
    CHECK(verifier.Verify(Signed(reread, Claims("operator"))).ok());
  }
}

TEST_CASE("A key not in the set, an unknown kid, an unknown alg and HS256 are refused") {
  TempDir dir;
  const auth::SigningKey known = auth::SigningKey::Generate("ES256", "known");
  const auth::SigningKey stranger = auth::SigningKey::Generate("ES256", "stranger");
  auth::Verifier verifier(KeyConfig(dir.Write("people.jwks", auth::JwkSet({known}))));
  const Json claims = Claims("operator");
  REQUIRE(verifier.Verify(Signed(known, claims)).ok());

  // Signed by a key not in the set under the kid of one that is.
  CHECK(RefusedBy(verifier, stranger.Sign(Header(stranger, "known"), claims.dump()))
            .find("signature") != std::string::npos);
  // A kid not in the set.
  CHECK(RefusedBy(verifier, Signed(stranger, claims)).find("unknown kid") != std::string::npos);
  // No kid.
  CHECK(RefusedBy(verifier, known.Sign(R"({"alg":"ES256","typ":"JWT"})", claims.dump()))
            .find("kid") != std::string::npos);
  // HS256 while the service runs with public keys only, whatever the secret.
  for (const std::string secret : {"", "guess", "pasar-dev-secret-NOT-FOR-PRODUCTION"}) {
    CHECK(RefusedBy(verifier, auth::SignHs256(secret, kHs256Header, claims.dump())).find("HS256") !=
          std::string::npos);
  }
  // Unknown algs, and a known one that is not the key's.
  for (const char* alg : {"none", "ES384", "PS256", "HS512", "EdDSA", "RS256"}) {
    INFO(alg);
    const std::string header = Json{{"alg", alg}, {"kid", "known"}}.dump();
    RefusedBy(verifier, known.Sign(header, claims.dump()));
  }
  RefusedBy(verifier, auth::Base64UrlEncode(R"({"alg":"none","kid":"known"})") + "." +
                          auth::Base64UrlEncode(claims.dump()) + ".");
  // A signature of another length or flipped.
  std::string token = Signed(known, claims);
  RefusedBy(verifier, token.substr(0, token.size() - 4));
  const size_t sig = token.rfind('.') + 1;
  token[sig] = token[sig] == 'A' ? 'B' : 'A';
  RefusedBy(verifier, token);
}

TEST_CASE("A people's key never opens a service token, nor the service key a person's") {
  TempDir dir;
  const auth::SigningKey people = auth::SigningKey::Generate("EdDSA");
  const auth::SigningKey service = auth::SigningKey::Generate("ES256");
  auth::Verifier verifier(KeyConfig(dir.Write("people.jwks", auth::JwkSet({people})),
                                    dir.Write("service.jwks", auth::JwkSet({service}))));
  CHECK(verifier.Verify(Signed(people, Claims("customer"))).ok());
  CHECK(verifier.Verify(Signed(service, Claims("service"))).ok());
  CHECK(RefusedBy(verifier, Signed(people, Claims("service"))).find("service key") !=
        std::string::npos);
  for (const char* role : {"customer", "trader", "courier", "operator"}) {
    INFO(role);
    CHECK(RefusedBy(verifier, Signed(service, Claims(role))).find("service") != std::string::npos);
  }
  // A verifier that has no service key set opens no service token at all.
  auth::Verifier people_only(KeyConfig(dir.Write("people-only.jwks", auth::JwkSet({people}))));
  RefusedBy(people_only, Signed(people, Claims("service")));
  RefusedBy(people_only, Signed(service, Claims("service")));
}

TEST_CASE("Tokens live at most the maximum lifetime of their role; nbf is honoured") {
  auth::Verifier verifier(Config());
  auto lifetime = [&](const std::string& role, absl::Duration d) {
    Json claims = ValidClaims();
    claims["role"] = role;
    claims["exp"] = claims["iat"].get<int64_t>() + absl::ToInt64Seconds(d);
    return Sign(claims);
  };
  CHECK(verifier.Verify(lifetime("customer", absl::Hours(24))).ok());
  CHECK(Refused(lifetime("customer", absl::Hours(24) + absl::Seconds(1))).find("lifetime") !=
        std::string::npos);
  CHECK(Refused(lifetime("operator", absl::Hours(24 * 365))).find("lifetime") != std::string::npos);
  CHECK(verifier.Verify(lifetime("service", absl::Hours(1))).ok());
  CHECK(Refused(lifetime("service", absl::Hours(2))).find("lifetime") != std::string::npos);

  auth::JwtConfig short_lived = Config();
  short_lived.max_lifetime = absl::Minutes(30);
  auth::Verifier strict(short_lived);
  CHECK_FALSE(strict.Verify(lifetime("customer", absl::Hours(1))).ok());
  CHECK(strict.Verify(lifetime("customer", absl::Minutes(30))).ok());

  // The Minter's default lifetime fits: 12 h for people, the service maximum for `service`.
  const auth::Minter minter(Config());
  CHECK(minter.DefaultTtl(auth::Role::kCustomer) == absl::Hours(12));
  CHECK(minter.DefaultTtl(auth::Role::kService) == absl::Hours(1));
  CHECK(verifier.Verify(minter.Mint({"order", auth::Role::kService, {}})).ok());

  Json not_yet = ValidClaims();
  not_yet["nbf"] = absl::ToUnixSeconds(absl::Now() + absl::Minutes(10));
  CHECK(Refused(Sign(not_yet)).find("nbf") != std::string::npos);
  Json already = ValidClaims();
  already["nbf"] = absl::ToUnixSeconds(absl::Now() - absl::Minutes(1));
  CHECK(verifier.Verify(Sign(already)).ok());
  // nbf a little ahead, within the leeway, is accepted; the explicit clock moves past it.
  Json soon = ValidClaims();
  soon["nbf"] = absl::ToUnixSeconds(absl::Now() + absl::Minutes(5));
  CHECK_FALSE(verifier.Verify(Sign(soon)).ok());
  CHECK(verifier.Verify(Sign(soon), absl::Now() + absl::Minutes(6)).ok());
}

TEST_CASE("A rotated key file takes effect without a new Verifier") {
  TempDir dir;
  const auth::SigningKey old_key = auth::SigningKey::Generate("ES256", "2026-01");
  const auth::SigningKey new_key = auth::SigningKey::Generate("EdDSA", "2026-02");
  const std::string path = dir.Write("people.jwks", auth::JwkSet({old_key}));
  auth::Verifier verifier(KeyConfig(path));
  const Json claims = Claims("courier");
  REQUIRE(verifier.Verify(Signed(old_key, claims)).ok());
  RefusedBy(verifier, Signed(new_key, claims));

  // Both during the changeover, then the new one alone.
  dir.Write("people.jwks", auth::JwkSet({old_key, new_key}));
  CHECK(verifier.Verify(Signed(old_key, claims)).ok());
  CHECK(verifier.Verify(Signed(new_key, claims)).ok());
  dir.Write("people.jwks", auth::JwkSet({new_key}));
  CHECK(verifier.Verify(Signed(new_key, claims)).ok());
  CHECK(RefusedBy(verifier, Signed(old_key, claims)).find("unknown kid") != std::string::npos);

  // A broken version (written in place) keeps the keys read before.
  dir.Overwrite("people.jwks", R"({"keys": [)");
  CHECK(verifier.Verify(Signed(new_key, claims)).ok());
  dir.Overwrite("people.jwks", auth::JwkSet({old_key}));
  CHECK(verifier.Verify(Signed(old_key, claims)).ok());
  RefusedBy(verifier, Signed(new_key, claims));

  // A token verified before is not trusted past a change of its key: the same kid with another
  // key refuses it, although this very token verified a moment ago.
  const std::string token = Signed(old_key, claims);
  REQUIRE(verifier.Verify(token).ok());
  REQUIRE(verifier.Verify(token).ok());
  const auth::SigningKey impostor = auth::SigningKey::Generate("ES256", "2026-01");
  dir.Write("people.jwks", auth::JwkSet({impostor}));
  CHECK(RefusedBy(verifier, token).find("signature") != std::string::npos);
  CHECK(verifier.Verify(Signed(impostor, claims)).ok());
  dir.Write("people.jwks", auth::JwkSet({old_key}));
  CHECK(verifier.Verify(token).ok());

  // With a check interval, a changed file is still read at once for a kid not in the set.
  auth::JwtConfig slow = KeyConfig(path);
  slow.jwks_check_interval = absl::Hours(1);
  auth::Verifier patient(slow);
  REQUIRE(patient.Verify(Signed(old_key, claims)).ok());
  dir.Write("people.jwks", auth::JwkSet({new_key}));
  CHECK(patient.Verify(Signed(new_key, claims)).ok());
}

TEST_CASE("JWK Set files: what is read, skipped and refused") {
  TempDir dir;
  const auth::SigningKey key = auth::SigningKey::Generate("ES256", "k1");
  Json jwk = Json::parse(key.PublicJwk());
  CHECK(jwk["kty"] == "EC");
  CHECK(jwk["crv"] == "P-256");
  CHECK(jwk["use"] == "sig");
  CHECK_FALSE(jwk.contains("d"));

  auto verifier_of = [&](const Json& keys) {
    return auth::Verifier(KeyConfig(dir.Write("set.jwks", Json{{"keys", keys}}.dump())));
  };
  // Unsupported kinds and encryption keys are skipped next to a usable key.
  Json enc = jwk;
  enc["use"] = "enc";
  enc["kid"] = "enc";
  Json p384 = jwk;
  p384["crv"] = "P-384";
  p384["kid"] = "p384";
  {
    auto verifier = verifier_of(Json::array({enc, p384, jwk}));
    CHECK(verifier.Verify(Signed(key, Claims("customer"))).ok());
  }
  // A key without kid is known by its RFC 7638 thumbprint (what SigningKey names it by default).
  Json no_kid = jwk;
  no_kid.erase("kid");
  {
    auto verifier = verifier_of(Json::array({no_kid}));
    const auth::SigningKey same = auth::SigningKey::FromPem(key.PrivateKeyPem());
    CHECK(verifier.Verify(Signed(same, Claims("customer"))).ok());
  }
  // Refused: private key material, a duplicate kid, an alg that is not the key's, a point off
  // the curve, nothing usable, not a JWK Set, no file.
  Json with_d = jwk;
  with_d["d"] = auth::Base64UrlEncode(std::string(32, '\x01'));
  CHECK_THROWS_WITH(verifier_of(Json::array({with_d})), Catch::Contains("private"));
  CHECK_THROWS_WITH(verifier_of(Json::array({jwk, jwk})), Catch::Contains("twice"));
  Json wrong_alg = jwk;
  wrong_alg["alg"] = "RS256";
  CHECK_THROWS_AS(verifier_of(Json::array({wrong_alg})), std::runtime_error);
  Json off_curve = jwk;
  off_curve["y"] = off_curve["x"];
  CHECK_THROWS_AS(verifier_of(Json::array({off_curve})), std::runtime_error);
  CHECK_THROWS_WITH(verifier_of(Json::array({enc})), Catch::Contains("no usable key"));
  CHECK_THROWS_AS(auth::Verifier(KeyConfig(dir.Write("bad.jwks", "[]"))), std::runtime_error);
  CHECK_THROWS_WITH(auth::Verifier(KeyConfig(dir.Write("bad.jwks", "") + ".missing")),
                    Catch::Contains(".missing"));

  // Signing keys: only the supported kinds, from PEM.
  CHECK_THROWS_AS(auth::SigningKey::Generate("HS256"), std::invalid_argument);
  CHECK_THROWS_AS(auth::SigningKey::FromPem("not a key"), std::runtime_error);
  CHECK_THROWS_WITH(auth::SigningKey::FromFile(dir.Write("empty.pem", "")),
                    Catch::Contains("empty.pem"));
}

TEST_CASE("JWK thumbprints follow RFC 7638") {
  // The example of RFC 7638, section 3.1.
  const std::string jwk =
      R"({"kty":"RSA","n":"0vx7agoebGcQSuuPiLJXZptN9nndrQmbXEps2aiAFbWhM78LhWx4cbbfAAtVT86zwu1RK7aPFFxuhDR1L6tSoc_BJECPebWKRXjBZCiFV4n3oknjhMstn64tZ_2W-5JsGY4Hc5n9yBXArwl93lqt7_RN5w6Cf0h4QyQ5v-65YGjQR0_FDW2QvzqY368QQMicAtaSqzs8KJZgnYb9c7d0zgdAZHzu6qMQvRL5hajrn1n91CbOpbISD08qNLyrdkt-bFTWhAI4vMQFh6WeZu0fM4lFd2NcRwr3XPksINHaQ-G_xBniIqbw0Ls1jF44-csFCur-kEgU8awapJzKnqDKgw","e":"AQAB","alg":"RS256","kid":"2011-04-29"})";
  CHECK(auth::JwkThumbprint(jwk) == "NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs");
  CHECK_THROWS_AS(auth::JwkThumbprint(R"({"kty":"oct","k":"c2VjcmV0"})"), std::invalid_argument);
  const auth::SigningKey key = auth::SigningKey::Generate("EdDSA");
  CHECK(auth::JwkThumbprint(key.PublicJwk()) == key.Thumbprint());
}
