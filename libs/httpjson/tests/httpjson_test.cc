// The transcoder without servers: status mapping, error bodies, JSON errors that name the
// field, and the routes read from the contracts' descriptors.
#include <catch2/catch.hpp>

#include <google/protobuf/descriptor.h>
#include <google/protobuf/util/json_util.h>
#include <grpcpp/create_channel.h>
#include <grpcpp/security/credentials.h>
#include <nlohmann/json.hpp>

#include "pasar/httpjson/httpjson.h"
#include "pasar/inventory/v1/inventory.pb.h"
#include "pasar/order/v1/order.pb.h"

namespace httpjson = pasar::httpjson;

namespace {

// What protobuf says about `json` parsed as `M`, transcoded to the Pasar shape.
template <class M>
std::string ParseError(const std::string& json) {
  M m;
  google::protobuf::util::JsonParseOptions options;
  const auto s = google::protobuf::util::JsonStringToMessage(json, &m, options);
  REQUIRE_FALSE(s.ok());
  return httpjson::JsonError(std::string(s.message().data(), s.message().size()));
}

}  // namespace

TEST_CASE("gRPC codes map to the standard HTTP statuses") {
  CHECK(httpjson::HttpStatus(grpc::StatusCode::OK) == 200);
  CHECK(httpjson::HttpStatus(grpc::StatusCode::INVALID_ARGUMENT) == 400);
  CHECK(httpjson::HttpStatus(grpc::StatusCode::FAILED_PRECONDITION) == 400);
  CHECK(httpjson::HttpStatus(grpc::StatusCode::UNAUTHENTICATED) == 401);
  CHECK(httpjson::HttpStatus(grpc::StatusCode::PERMISSION_DENIED) == 403);
  CHECK(httpjson::HttpStatus(grpc::StatusCode::NOT_FOUND) == 404);
  CHECK(httpjson::HttpStatus(grpc::StatusCode::ABORTED) == 409);
  CHECK(httpjson::HttpStatus(grpc::StatusCode::RESOURCE_EXHAUSTED) == 429);
  CHECK(httpjson::HttpStatus(grpc::StatusCode::UNIMPLEMENTED) == 501);
  CHECK(httpjson::HttpStatus(grpc::StatusCode::UNAVAILABLE) == 503);
  CHECK(httpjson::HttpStatus(grpc::StatusCode::DEADLINE_EXCEEDED) == 504);
  CHECK(httpjson::HttpStatus(grpc::StatusCode::INTERNAL) == 500);
  const auto body = nlohmann::json::parse(httpjson::ErrorBody(
      grpc::StatusCode::FAILED_PRECONDITION, "INSUFFICIENT_STOCK: p (1, 0)", "INSUFFICIENT_STOCK"));
  CHECK(body["code"] == 9);
  CHECK(body["status"] == "FAILED_PRECONDITION");
  CHECK(body["reason"] == "INSUFFICIENT_STOCK");
}

TEST_CASE("bad JSON and unknown fields are errors that name the field") {
  CHECK(ParseError<pasar::order::v1::GetOrderRequest>(R"({"orderId":"x","bogus":1})") ==
        "bogus: unknown field");
  CHECK(ParseError<pasar::order::v1::GetOrderRequest>(R"({"orderId": 5})") ==
        "order_id: invalid value 5 for type TYPE_STRING");
  CHECK(ParseError<pasar::order::v1::PlaceOrderRequest>(
            R"({"lines":[{"productId":"p","nope":1}]})") == "lines[0].nope: unknown field");
  CHECK(ParseError<pasar::order::v1::PlaceOrderRequest>(
            R"({"lines":[{"productId":"p","quantity":"abc"}]})") ==
        "lines[0].quantity: invalid value \"abc\" for type TYPE_INT64");
  CHECK(ParseError<pasar::order::v1::GetOrderRequest>("{not json")
            .starts_with("body: invalid JSON: "));
}

TEST_CASE("every method of a backend's contract is routed, and nothing else") {
  auto channel = grpc::CreateChannel("127.0.0.1:1", grpc::InsecureChannelCredentials());
  const httpjson::Transcoder t({{pasar::inventory::v1::Market::descriptor()->file(), channel}});
  const auto* file = pasar::inventory::v1::Market::descriptor()->file();
  size_t methods = 0;
  for (int s = 0; s < file->service_count(); ++s)
    methods += file->service(s)->method_count();
  CHECK(t.Methods().size() == methods);
  CHECK(t.Find("pasar.inventory.v1.CatalogService/GetMarket") != nullptr);
  CHECK(t.Find("pasar.inventory.v1.CatalogService/Nope") == nullptr);
  CHECK(t.Find("pasar.order.v1.OrderService/GetOrder") == nullptr);
  // A call to a backend that is not there is UNAVAILABLE, 503.
  httpjson::CallInfo info;
  info.deadline = absl::Seconds(2);
  const httpjson::Reply r =
      t.Call(t.Find("pasar.inventory.v1.CatalogService/ListMarkets"), "{}", info);
  CHECK(r.status == 503);
  CHECK(nlohmann::json::parse(r.body)["status"] == "UNAVAILABLE");
  // A body that does not parse never reaches the backend.
  const httpjson::Reply bad =
      t.Call(t.Find("pasar.inventory.v1.CatalogService/GetMarket"), R"({"marketId":1})", info);
  CHECK(bad.status == 400);
  CHECK(nlohmann::json::parse(bad.body)["message"] ==
        "market_id: invalid value 1 for type TYPE_STRING");
}
