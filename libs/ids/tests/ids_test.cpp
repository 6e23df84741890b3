#include <catch2/catch.hpp>

#include <set>
#include <string>

#include "pasar/ids/ids.h"

using namespace pasar;

TEST_CASE("random UUIDs are canonical version 4 and distinct") {
  std::set<std::string> seen;
  for (int i = 0; i < 1000; ++i) {
    const std::string id = ids::RandomUuid();
    REQUIRE(ids::IsUuid(id));
    CHECK(id[14] == '4');
    CHECK(std::string("89ab").find(id[19]) != std::string::npos);
    seen.insert(id);
  }
  CHECK(seen.size() == 1000);
}

TEST_CASE("name-based UUIDs are stable per name and differ between names") {
  const std::string a = ids::NameUuid("customer-1\nrequest-1");
  CHECK(ids::IsUuid(a));
  CHECK(a[14] == '8');
  CHECK(a == ids::NameUuid("customer-1\nrequest-1"));
  CHECK(a != ids::NameUuid("customer-1\nrequest-2"));
}

TEST_CASE("random digits have the asked length and only digits") {
  for (int n : {1, 4, 6}) {
    const std::string d = ids::RandomDigits(n);
    CHECK(static_cast<int>(d.size()) == n);
    CHECK(d.find_first_not_of("0123456789") == std::string::npos);
  }
}

TEST_CASE("SHA-256 hex matches a known vector and UUID syntax is checked") {
  CHECK(ids::Sha256Hex("abc") ==
        "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  // RFC 4231 test case 2.
  CHECK(ids::HmacSha256Hex("Jefe", "what do ya want for nothing?") ==
        "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
  CHECK_FALSE(ids::IsUuid("not-a-uuid"));
  CHECK_FALSE(ids::IsUuid("0123456789abcdef0123456789abcdef0123"));
  CHECK(ids::IsUuid("0F8FAD5B-D9CB-469F-A165-70867728950E"));
}

TEST_CASE("CanonicalUuid lower-cases a UUID of either case and refuses anything else") {
  CHECK(ids::CanonicalUuid("0F8FAD5B-D9cb-469F-A165-70867728950E") ==
        std::optional<std::string>("0f8fad5b-d9cb-469f-a165-70867728950e"));
  CHECK(ids::CanonicalUuid("0f8fad5b-d9cb-469f-a165-70867728950e") ==
        std::optional<std::string>("0f8fad5b-d9cb-469f-a165-70867728950e"));
  CHECK_FALSE(ids::CanonicalUuid("not-a-uuid").has_value());
  CHECK_FALSE(ids::CanonicalUuid("").has_value());
  CHECK_FALSE(ids::CanonicalUuid("0F8FAD5B-D9CB-469F-A165-70867728950G").has_value());
}
