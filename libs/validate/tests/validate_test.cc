#include <catch2/catch.hpp>

#include <string>

#include "pasar/common/v1/staples.pb.h"
#include "pasar/validate/validate.h"

namespace v = pasar::validate;

namespace {
std::string Message(const absl::Status& s) {
  return std::string(s.message());
}
}  // namespace

TEST_CASE("every refusal names its field and says why") {
  CHECK(Message(v::CheckRequestId("request_id", "")) == "request_id: is required");
  CHECK(Message(v::CheckRequestId("request_id", "a b")) ==
        "request_id: must be printable ASCII without spaces");
  CHECK(v::CheckRequestId("request_id", std::string(128, 'x')).ok());
  CHECK_FALSE(v::CheckRequestId("request_id", std::string(129, 'x')).ok());
  CHECK(Message(v::CheckUuid("market_id", "nope")) == "market_id: must be a UUID");
  CHECK(v::CheckUuid("market_id", "0D7E1F4A-1111-4222-8333-444455556666").ok());
  CHECK(v::CheckOptionalUuid("market_id", "").ok());
  CHECK(Message(v::CheckOptionalUuid("market_id", "x")) == "market_id: must be a UUID");
  CHECK(Message(v::CheckText("name", "   ", 10)) == "name: must not be blank");
  CHECK(Message(v::CheckText("name", "a\nb", 10)) == "name: must not contain control characters");
  CHECK(Message(v::CheckText("name", "\xff", 10)) == "name: must be valid UTF-8");
  CHECK(v::CheckText("name", "Pasar Baru Lumajang", 100).ok());
  CHECK(Message(v::CheckText("name", "abcdef", 5)) == "name: must be at most 5 characters");
  CHECK(v::CheckOptionalText("note", "", 5).ok());
  CHECK(Message(v::CheckRange("band_percent", 0, 1, 100)) == "band_percent: must be in 1..100");
  CHECK(v::FirstError({absl::OkStatus(), v::InvalidField("a", "x"), v::InvalidField("b", "y")})
            .message() == "a: x");
}

TEST_CASE("UTF-8 length counts code points and refuses broken sequences") {
  CHECK(v::Utf8Length("abc") == 3);
  CHECK(v::Utf8Length("cabai \xc3\xa9") == 7);
  CHECK(v::Utf8Length("\xc3") == -1);          // truncated
  CHECK(v::Utf8Length("\xc0\x80") == -1);      // overlong
  CHECK(v::Utf8Length("\xed\xa0\x80") == -1);  // surrogate
}

TEST_CASE("enum values must be defined, and given when required") {
  const auto* type = pasar::common::v1::Commodity_descriptor();
  CHECK(v::CheckEnum("commodity", pasar::common::v1::COMMODITY_SUGAR, type, true).ok());
  CHECK(v::CheckEnum("commodity", 0, type, false).ok());
  CHECK(Message(v::CheckEnum("commodity", 0, type, true)) == "commodity: is required");
  CHECK(Message(v::CheckEnum("commodity", 999, type, false)) == "commodity: unknown value 999");
}
