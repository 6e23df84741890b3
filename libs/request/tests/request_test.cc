// The shared request checks: field checks and their messages, page tokens bound to their query,
// request fingerprints, refusals carrying their reason. Pure.
#include <catch2/catch.hpp>

#include <cmath>
#include <memory>

#include <google/protobuf/descriptor.h>
#include <google/protobuf/descriptor.pb.h>
#include <google/protobuf/dynamic_message.h>

#include "pasar/request/fields.h"
#include "pasar/request/idempotency.h"
#include "pasar/request/page_token.h"
#include "pasar/request/status.h"

namespace request = pasar::request;

namespace {

std::string Message(const absl::Status& s) {
  return std::string(s.message());
}

// A list request built at run time (the library knows no contract): market_id, page_size,
// page_token, request_id.
class ListRequests {
 public:
  ListRequests() {
    google::protobuf::FileDescriptorProto file;
    file.set_name("test/list.proto");
    file.set_package("pasar.testing");
    file.set_syntax("proto3");
    auto* m = file.add_message_type();
    m->set_name("ListThingsRequest");
    auto add = [&](const char* name, int number, google::protobuf::FieldDescriptorProto::Type t) {
      auto* f = m->add_field();
      f->set_name(name);
      f->set_number(number);
      f->set_type(t);
      f->set_label(google::protobuf::FieldDescriptorProto::LABEL_OPTIONAL);
    };
    add("market_id", 1, google::protobuf::FieldDescriptorProto::TYPE_STRING);
    add("page_size", 2, google::protobuf::FieldDescriptorProto::TYPE_INT32);
    add("page_token", 3, google::protobuf::FieldDescriptorProto::TYPE_STRING);
    add("request_id", 4, google::protobuf::FieldDescriptorProto::TYPE_STRING);
    pool_.BuildFile(file);
    type_ = pool_.FindMessageTypeByName("pasar.testing.ListThingsRequest");
  }

  std::unique_ptr<google::protobuf::Message> Make(const std::string& market, int page_size,
                                                  const std::string& token,
                                                  const std::string& request_id = "") {
    std::unique_ptr<google::protobuf::Message> m(factory_.GetPrototype(type_)->New());
    const auto* r = m->GetReflection();
    r->SetString(m.get(), type_->FindFieldByName("market_id"), market);
    r->SetInt32(m.get(), type_->FindFieldByName("page_size"), page_size);
    r->SetString(m.get(), type_->FindFieldByName("page_token"), token);
    r->SetString(m.get(), type_->FindFieldByName("request_id"), request_id);
    return m;
  }

 private:
  google::protobuf::DescriptorPool pool_;
  google::protobuf::DynamicMessageFactory factory_;
  const google::protobuf::Descriptor* type_ = nullptr;
};

}  // namespace

TEST_CASE("field checks name the field and say why") {
  CHECK(request::CheckRequestId("r-1").ok());
  CHECK(Message(request::CheckRequestId("")) == "request_id: is required");
  CHECK(request::CheckRequestId(std::string(128, 'x')).ok());
  CHECK(Message(request::CheckRequestId(std::string(129, 'x'))).rfind("request_id: ", 0) == 0);
  CHECK_FALSE(request::CheckRequestId("has space").ok());

  CHECK(request::CheckUuid("id", "123e4567-e89b-12d3-a456-426614174000").ok());
  CHECK(request::CheckUuid("id", "123E4567-E89B-12D3-A456-426614174000").ok());
  CHECK(Message(request::CheckUuid("id", "")) == "id: is required");
  CHECK(Message(request::CheckUuid("lines[2].product_id", "123e4567e89b12d3a456426614174000")) ==
        "lines[2].product_id: must be a UUID");

  CHECK(request::CheckLength("note", "", 0, 200).ok());
  CHECK(request::CheckLength("note", std::string(200, 'n'), 0, 200).ok());
  CHECK(Message(request::CheckLength("note", std::string(201, 'n'), 0, 200)) ==
        "note: must be at most 200 characters");
  CHECK(Message(request::CheckLength("subject", "", 1, 128)) == "subject: is required");
  // Characters, not bytes: 200 two-byte characters fit in 200.
  std::string accents;
  for (int i = 0; i < 200; ++i)
    accents += "\xC3\xA9";
  CHECK(request::CheckLength("note", accents, 0, 200).ok());
  CHECK(request::Utf8Length(accents) == 200);
  CHECK(request::Utf8Length("\xC3") == -1);      // truncated
  CHECK(request::Utf8Length("\xC0\x80") == -1);  // overlong

  CHECK(request::CheckText("name", "Cabai rawit", 100).ok());
  CHECK(Message(request::CheckText("name", "", 100)) == "name: is required");
  CHECK_FALSE(request::CheckText("name", "   ", 100).ok());
  CHECK_FALSE(request::CheckText("name", "a\nb", 100).ok());
  CHECK(request::CheckOptionalText("category", "", 40).ok());
  CHECK_FALSE(request::CheckOptionalText("category", " ", 40).ok());

  CHECK(Message(request::CheckRange("percent", 51, 0, 50)) == "percent: must be in 0..50");
  CHECK(request::CheckDigits("pin", "0042", 4).ok());
  CHECK(Message(request::CheckDigits("pin", "42", 4)) == "pin: must be 4 digits");
  CHECK_FALSE(request::CheckDigits("pin", "12a4", 4).ok());

  CHECK(request::FirstError(
            {absl::OkStatus(), request::Invalid("a", "x"), request::Invalid("b", "y")})
            .message() == "a: x");
  CHECK(request::FirstError({absl::OkStatus()}).ok());
}

TEST_CASE("page sizes default to 50, are capped at 100, and are never negative") {
  CHECK(*request::PageSize(0) == 50);
  CHECK(*request::PageSize(7) == 7);
  CHECK(*request::PageSize(1000) == 100);
  CHECK(Message(request::PageSize(-1).status()) == "page_size: must be >= 0");
}

TEST_CASE("a page token holds its position, for its own query only") {
  ListRequests requests;
  const auto first = requests.Make("market-1", 10, "");
  const std::string scope = request::ListScope(*first);
  // The page size and the token are not part of the query.
  CHECK(request::ListScope(*requests.Make("market-1", 50, "abc")) == scope);
  CHECK(request::ListScope(*requests.Make("market-2", 10, "")) != scope);

  const std::string token = request::EncodePageToken(scope, {"1700000000000000", "id-9"});
  const auto next = request::DecodePageToken(token, scope, 2);
  REQUIRE(next.ok());
  REQUIRE(next->has_value());
  CHECK(**next == std::vector<std::string>{"1700000000000000", "id-9"});

  const auto none = request::DecodePageToken("", scope, 2);
  REQUIRE(none.ok());
  CHECK_FALSE(none->has_value());

  const std::string other = request::ListScope(*requests.Make("market-2", 10, ""));
  CHECK(Message(request::DecodePageToken(token, other, 2).status()) ==
        "page_token: issued for another query");
  CHECK(Message(request::DecodePageToken("garbage!", scope, 2).status()) ==
        "page_token: malformed");
  CHECK(Message(request::DecodePageToken(token, scope, 3).status()) == "page_token: malformed");
  CHECK(Message(request::DecodePageToken(std::string(2000, 'A'), scope, 2).status()) ==
        "page_token: malformed");
  // Free text travels unchanged (a name with spaces and accents).
  const std::string named = request::EncodePageToken(scope, {"Bawang merah \xC3\xA9", "id"});
  CHECK((**request::DecodePageToken(named, scope, 2))[0] == "Bawang merah \xC3\xA9");
}

TEST_CASE("a fingerprint ignores the request id and nothing else") {
  ListRequests requests;
  const std::string a = request::Fingerprint(*requests.Make("m", 1, "", "r-1"));
  CHECK(a.size() == 64);
  CHECK(request::Fingerprint(*requests.Make("m", 1, "", "r-2")) == a);
  CHECK(request::Fingerprint(*requests.Make("m", 2, "", "r-1")) != a);
  CHECK(request::Fingerprint(*requests.Make("n", 1, "", "r-1")) != a);
}

TEST_CASE("a refusal carries its reason; other statuses carry none") {
  const absl::Status s = request::Refused("INSUFFICIENT_STOCK", "p-1 (requested 5, available 2)");
  CHECK(s.code() == absl::StatusCode::kFailedPrecondition);
  CHECK(s.message() == "p-1 (requested 5, available 2)");
  CHECK(request::RefusalReason(s) == "INSUFFICIENT_STOCK");
  const absl::Status limited =
      request::Refused("TOO_MANY_ATTEMPTS", "wait", absl::StatusCode::kResourceExhausted);
  CHECK(limited.code() == absl::StatusCode::kResourceExhausted);
  CHECK_FALSE(request::RefusalReason(absl::NotFoundError("x")).has_value());
  CHECK(request::NotFound("order").message() == "order not found");
  CHECK(request::NotFound("order").code() == absl::StatusCode::kNotFound);
  CHECK(request::RefusalReason(request::KeyReused()) == "IDEMPOTENCY_KEY_REUSED");
}
