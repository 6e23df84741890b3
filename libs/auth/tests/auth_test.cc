#include "pasar/auth/auth.h"

#include <catch2/catch.hpp>
#include <cstdlib>
#include <string>

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
                          auth::Role::kOperator, auth::Role::kService}) {
    REQUIRE(auth::ParseRole(auth::RoleName(role)) == role);
  }
  CHECK(auth::RoleName(auth::Role::kOperator) == "operator");
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

TEST_CASE("Only HS256 is accepted, never alg none") {
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

TEST_CASE("JwtConfigFromEnv reads the environment and falls back to the dev secret") {
  ::setenv("PASAR_JWT_SECRET", "from-env", 1);
  ::setenv("PASAR_JWT_ISSUER", "iss-x", 1);
  ::setenv("PASAR_JWT_AUDIENCE", "aud-y", 1);
  auth::JwtConfig config = auth::JwtConfigFromEnv();
  CHECK(config.secret == "from-env");
  CHECK(config.issuer == "iss-x");
  CHECK(config.audience == "aud-y");

  ::unsetenv("PASAR_JWT_SECRET");
  ::unsetenv("PASAR_JWT_ISSUER");
  ::unsetenv("PASAR_JWT_AUDIENCE");
  config = auth::JwtConfigFromEnv();
  CHECK(config.secret == auth::kDevelopmentSecret);
  CHECK(config.issuer == "pasar");
  CHECK(config.audience == "pasar");

  CHECK_THROWS_AS(auth::Verifier(auth::JwtConfig{}), std::invalid_argument);
}
