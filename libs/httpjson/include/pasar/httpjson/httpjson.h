// HTTP/JSON for every public RPC, transcoded from the protobuf contracts (README, "HTTP and
// JSON"): a request body in the proto3 JSON mapping becomes the RPC's request message, the call
// goes to the service over gRPC with the caller's bearer token, and the answer comes back as JSON
// with the gRPC status mapped to its HTTP status. Generic: everything is read from the
// descriptors of the generated contracts, nothing is written per RPC.
//
//   POST /api/<package>.<Service>/<Method>   body: the request as JSON ({} or empty for none)
//     unary            -> 200 and the response as JSON, or the error (ErrorBody)
//     server streaming -> 200, application/x-ndjson: one {"result": <response>} line per message,
//                         blank lines as keep-alives while nothing happens, and a last
//                         {"error": ...} line if the stream ends with an error after the first
//                         message (an error before it is an ordinary error reply)
//     client streaming -> the body is NDJSON, one request message per line
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include <grpcpp/channel.h>
#include <grpcpp/support/status.h>

#include "absl/time/time.h"

namespace google::protobuf {
class FileDescriptor;
class MethodDescriptor;
}  // namespace google::protobuf

namespace pasar::httpjson {

// The HTTP status of a gRPC status code, as google/rpc/code.proto maps them (OK 200,
// INVALID_ARGUMENT 400, UNAUTHENTICATED 401, PERMISSION_DENIED 403, NOT_FOUND 404, ABORTED and
// ALREADY_EXISTS 409, FAILED_PRECONDITION 400, RESOURCE_EXHAUSTED 429, CANCELLED 499,
// UNIMPLEMENTED 501, UNAVAILABLE 503, DEADLINE_EXCEEDED 504, the rest 500).
int HttpStatus(grpc::StatusCode code);

// The JSON body of an error: {"code": 5, "status": "NOT_FOUND", "message": "...", "reason":
// "..."} (reason: the pasar.common.v1.ErrorReason short name of a refusal, "" otherwise).
std::string ErrorBody(grpc::StatusCode code, std::string_view message, std::string_view reason);

// protobuf's JSON parse error as "<field path>: <why>", the shape of every Pasar error of bad
// input: "bogus: Cannot find field." -> "bogus: unknown field"; "(lines[0]) nope: Cannot find
// field." -> "lines[0].nope: unknown field"; "(order_id): invalid value 5 for type
// TYPE_STRING" -> "order_id: invalid value 5 for type TYPE_STRING"; a syntax error ->
// "body: invalid JSON: <protobuf's words>".
std::string JsonError(std::string_view protobuf_message);

// An answer to one HTTP request.
struct Reply {
  int status = 200;
  std::string content_type = "application/json";
  std::string body;
};

// What the HTTP request carries for the call.
struct CallInfo {
  std::string authorization;                    // the Authorization header, passed on as is
  std::string request_id;                       // X-Request-Id, passed on when present
  absl::Duration deadline = absl::Seconds(30);  // unary and client-streaming calls
};

// One backend: every service of the contract `file` goes to `channel`.
struct Backend {
  const google::protobuf::FileDescriptor* file = nullptr;
  std::shared_ptr<grpc::Channel> channel;
};

// A server-streaming call in progress, for an HTTP response written in chunks: the status is
// known once the first message (or the end) came, then Next() hands out the body chunk by chunk.
class ServerStream final {
 public:
  ~ServerStream();  // cancels the call and waits for its reader
  ServerStream(const ServerStream&) = delete;
  ServerStream& operator=(const ServerStream&) = delete;

  // 200 when the stream sent a message or ended cleanly, else the error's HTTP status.
  int status() const { return status_; }
  const std::string& content_type() const { return content_type_; }
  // The whole body of an error answer (status() != 200).
  const std::string& error_body() const { return error_body_; }

  // The next chunk of a 200 answer: a {"result": ...} line, a blank line after `keepalive`
  // without a message (a write to a client that went away fails, which ends the call), or a last
  // {"error": ...} line; false once the stream is over. Blocks until one is ready.
  bool Next(std::string* chunk);
  // Cancels the call (the HTTP client went away); Next() then returns false.
  void Cancel();

 private:
  friend class Transcoder;
  struct State;
  explicit ServerStream(std::shared_ptr<State> state);
  std::shared_ptr<State> state_;
  int status_ = 200;
  std::string content_type_ = "application/x-ndjson";
  std::string error_body_;
};

class Transcoder final {
 public:
  // The services of the backends' files (from the generated descriptors of the contracts linked
  // into the binary).
  explicit Transcoder(const std::vector<Backend>& backends);

  // The method of a path's "<package>.<Service>/<Method>"; null when unknown or not served.
  const google::protobuf::MethodDescriptor* Find(std::string_view service_and_method) const;
  // Every method served, by full name.
  std::vector<const google::protobuf::MethodDescriptor*> Methods() const;

  // Unary and client-streaming methods: the whole answer.
  Reply Call(const google::protobuf::MethodDescriptor* method, std::string_view body,
             const CallInfo& info) const;

  // Server-streaming methods: starts the call and waits for its first message or its end.
  std::unique_ptr<ServerStream> OpenStream(const google::protobuf::MethodDescriptor* method,
                                           std::string_view body, const CallInfo& info,
                                           absl::Duration keepalive = absl::Seconds(15)) const;

 private:
  struct Route {
    const google::protobuf::MethodDescriptor* method;
    std::string path;  // "/pasar.order.v1.OrderService/GetOrder"
    std::shared_ptr<grpc::Channel> channel;
  };
  const Route* RouteOf(const google::protobuf::MethodDescriptor* method) const;

  std::map<std::string, Route, std::less<>> routes_;  // by "<package>.<Service>/<Method>"
};

}  // namespace pasar::httpjson
