#include "pasar/httpjson/httpjson.h"

#include <google/protobuf/descriptor.h>
#include <google/protobuf/dynamic_message.h>
#include <google/protobuf/message.h>
#include <google/protobuf/util/json_util.h>
#include <grpcpp/client_context.h>
#include <grpcpp/impl/client_unary_call.h>
#include <grpcpp/impl/rpc_method.h>
#include <grpcpp/support/byte_buffer.h>
#include <grpcpp/support/sync_stream.h>

#include <array>
#include <chrono>
#include <deque>
#include <thread>

#include <nlohmann/json.hpp>

#include "absl/synchronization/mutex.h"

#include "pasar/rpc/client.h"

namespace pasar::httpjson {
namespace {

using google::protobuf::Descriptor;
using google::protobuf::Message;
using google::protobuf::MethodDescriptor;

constexpr std::array<std::string_view, 17> kCodeNames{
    "OK",        "CANCELLED",      "UNKNOWN",           "INVALID_ARGUMENT",   "DEADLINE_EXCEEDED",
    "NOT_FOUND", "ALREADY_EXISTS", "PERMISSION_DENIED", "RESOURCE_EXHAUSTED", "FAILED_PRECONDITION",
    "ABORTED",   "OUT_OF_RANGE",   "UNIMPLEMENTED",     "INTERNAL",           "UNAVAILABLE",
    "DATA_LOSS", "UNAUTHENTICATED"};

std::string_view CodeName(grpc::StatusCode code) {
  const int n = static_cast<int>(code);
  return n >= 0 && n < static_cast<int>(kCodeNames.size()) ? kCodeNames[n] : "UNKNOWN";
}

std::unique_ptr<Message> NewMessage(const Descriptor* type) {
  const Message* prototype =
      google::protobuf::MessageFactory::generated_factory()->GetPrototype(type);
  return std::unique_ptr<Message>(prototype->New());
}

grpc::ByteBuffer ToBuffer(const Message& m) {
  grpc::Slice slice(m.SerializeAsString());
  return grpc::ByteBuffer(&slice, 1);
}

bool FromBuffer(const grpc::ByteBuffer& buffer, Message* m) {
  std::vector<grpc::Slice> slices;
  if (!buffer.Dump(&slices).ok()) return false;
  std::string bytes;
  for (const grpc::Slice& s : slices)
    bytes.append(reinterpret_cast<const char*>(s.begin()), s.size());
  return m->ParseFromString(bytes);
}

// The proto3 JSON of a message: lowerCamelCase names, every field printed (zeros included, so
// that a client reads 0 rather than a missing key), enums by name, 64-bit integers as strings.
std::string ToJson(const Message& m) {
  google::protobuf::util::JsonPrintOptions options;
  options.always_print_primitive_fields = true;
  std::string out;
  if (!google::protobuf::util::MessageToJsonString(m, &out, options).ok()) return "{}";
  return out;
}

// The request of `method` from one JSON document (empty: {}), or the error reply.
std::unique_ptr<Message> Parse(const MethodDescriptor* method, std::string_view json,
                               Reply* error) {
  std::unique_ptr<Message> m = NewMessage(method->input_type());
  google::protobuf::util::JsonParseOptions options;
  options.ignore_unknown_fields = false;
  size_t start = json.find_first_not_of(" \t\r\n");
  const std::string text = start == std::string_view::npos ? "{}" : std::string(json.substr(start));
  if (auto s = google::protobuf::util::JsonStringToMessage(text, m.get(), options); !s.ok()) {
    const std::string why(s.message().data(), s.message().size());
    *error = Reply{HttpStatus(grpc::StatusCode::INVALID_ARGUMENT), "application/json",
                   ErrorBody(grpc::StatusCode::INVALID_ARGUMENT, JsonError(why), "")};
    return nullptr;
  }
  return m;
}

void Prepare(grpc::ClientContext& ctx, const CallInfo& info, bool with_deadline) {
  if (!info.authorization.empty()) ctx.AddMetadata("authorization", info.authorization);
  if (!info.request_id.empty()) ctx.AddMetadata("x-request-id", info.request_id);
  if (with_deadline) {
    ctx.set_deadline(std::chrono::system_clock::now() +
                     std::chrono::duration_cast<std::chrono::system_clock::duration>(
                         absl::ToChronoNanoseconds(info.deadline)));
  }
}

Reply ErrorReply(const grpc::Status& status, const grpc::ClientContext& ctx) {
  return Reply{HttpStatus(status.error_code()), "application/json",
               ErrorBody(status.error_code(), status.error_message(), rpc::ErrorReason(ctx))};
}

}  // namespace

int HttpStatus(grpc::StatusCode code) {
  switch (code) {
    case grpc::StatusCode::OK:
      return 200;
    case grpc::StatusCode::CANCELLED:
      return 499;
    case grpc::StatusCode::INVALID_ARGUMENT:
    case grpc::StatusCode::FAILED_PRECONDITION:
    case grpc::StatusCode::OUT_OF_RANGE:
      return 400;
    case grpc::StatusCode::DEADLINE_EXCEEDED:
      return 504;
    case grpc::StatusCode::NOT_FOUND:
      return 404;
    case grpc::StatusCode::ALREADY_EXISTS:
    case grpc::StatusCode::ABORTED:
      return 409;
    case grpc::StatusCode::PERMISSION_DENIED:
      return 403;
    case grpc::StatusCode::UNAUTHENTICATED:
      return 401;
    case grpc::StatusCode::RESOURCE_EXHAUSTED:
      return 429;
    case grpc::StatusCode::UNIMPLEMENTED:
      return 501;
    case grpc::StatusCode::UNAVAILABLE:
      return 503;
    default:  // UNKNOWN, INTERNAL, DATA_LOSS
      return 500;
  }
}

std::string ErrorBody(grpc::StatusCode code, std::string_view message, std::string_view reason) {
  nlohmann::ordered_json body;
  body["code"] = static_cast<int>(code);
  body["status"] = std::string(CodeName(code));
  body["message"] = std::string(message);
  body["reason"] = std::string(reason);
  return body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

std::string JsonError(std::string_view m) {
  constexpr std::string_view kUnknown = ": Cannot find field.";
  std::string path;
  std::string rest(m);
  // "(lines[0]) nope: ..." or "(order_id): ...": the path of the message in parentheses.
  if (!rest.empty() && rest[0] == '(') {
    const size_t close = rest.find(')');
    if (close != std::string::npos) {
      path = rest.substr(1, close - 1);
      rest = rest.substr(close + 1);
      if (!rest.empty() && rest[0] == ' ') rest = rest.substr(1);
    }
  }
  if (rest.size() > kUnknown.size() && rest.ends_with(kUnknown)) {
    const std::string name = rest.substr(0, rest.size() - kUnknown.size());
    return (path.empty() ? name : path + "." + name) + ": unknown field";
  }
  if (!path.empty() && rest.starts_with(": ")) return path + rest;
  // A syntax error: protobuf's message, on one line.
  std::string words(m);
  const size_t newline = words.find('\n');
  if (newline != std::string::npos) words.resize(newline);
  return "body: invalid JSON: " + words;
}

Transcoder::Transcoder(const std::vector<Backend>& backends) {
  for (const Backend& backend : backends) {
    if (backend.file == nullptr || backend.channel == nullptr) continue;
    for (int s = 0; s < backend.file->service_count(); ++s) {
      const google::protobuf::ServiceDescriptor* service = backend.file->service(s);
      for (int m = 0; m < service->method_count(); ++m) {
        const MethodDescriptor* method = service->method(m);
        const std::string key = service->full_name() + "/" + method->name();
        routes_.emplace(key, Route{method, "/" + key, backend.channel});
      }
    }
  }
}

const MethodDescriptor* Transcoder::Find(std::string_view service_and_method) const {
  const auto it = routes_.find(service_and_method);
  return it == routes_.end() ? nullptr : it->second.method;
}

std::vector<const MethodDescriptor*> Transcoder::Methods() const {
  std::vector<const MethodDescriptor*> out;
  for (const auto& [key, route] : routes_)
    out.push_back(route.method);
  return out;
}

const Transcoder::Route* Transcoder::RouteOf(const MethodDescriptor* method) const {
  const auto it = routes_.find(method->service()->full_name() + "/" + method->name());
  return it == routes_.end() ? nullptr : &it->second;
}

Reply Transcoder::Call(const MethodDescriptor* method, std::string_view body,
                       const CallInfo& info) const {
  const Route* route = method == nullptr ? nullptr : RouteOf(method);
  if (route == nullptr || method->server_streaming()) {
    return Reply{HttpStatus(grpc::StatusCode::UNIMPLEMENTED), "application/json",
                 ErrorBody(grpc::StatusCode::UNIMPLEMENTED, "no such unary method", "")};
  }
  std::unique_ptr<Message> response = NewMessage(method->output_type());
  grpc::ClientContext ctx;
  Prepare(ctx, info, true);
  grpc::ByteBuffer answer;
  grpc::Status status;
  Reply error;
  if (!method->client_streaming()) {
    std::unique_ptr<Message> request = Parse(method, body, &error);
    if (request == nullptr) return error;
    // The same blocking call generated stubs make, on bytes.
    const grpc::internal::RpcMethod rpc(route->path.c_str(), grpc::internal::RpcMethod::NORMAL_RPC,
                                        route->channel);
    status = grpc::internal::BlockingUnaryCall<grpc::ByteBuffer, grpc::ByteBuffer>(
        route->channel.get(), rpc, &ctx, ToBuffer(*request), &answer);
  } else {
    // NDJSON: every line is one request; all are checked before the call starts.
    std::vector<std::unique_ptr<Message>> requests;
    size_t at = 0;
    while (at <= body.size()) {
      const size_t end = std::min(body.find('\n', at), body.size());
      const std::string_view line = body.substr(at, end - at);
      if (line.find_first_not_of(" \t\r") != std::string_view::npos) {
        std::unique_ptr<Message> request = Parse(method, line, &error);
        if (request == nullptr) return error;
        requests.push_back(std::move(request));
      }
      at = end + 1;
    }
    const grpc::internal::RpcMethod rpc(
        route->path.c_str(), grpc::internal::RpcMethod::CLIENT_STREAMING, route->channel);
    std::unique_ptr<grpc::ClientWriter<grpc::ByteBuffer>> writer(
        grpc::internal::ClientWriterFactory<grpc::ByteBuffer>::Create(route->channel.get(), rpc,
                                                                      &ctx, &answer));
    for (const auto& request : requests) {
      if (!writer->Write(ToBuffer(*request))) break;
    }
    writer->WritesDone();
    status = writer->Finish();
  }
  if (!status.ok()) return ErrorReply(status, ctx);
  if (!FromBuffer(answer, response.get())) {
    return Reply{500, "application/json",
                 ErrorBody(grpc::StatusCode::INTERNAL, "unreadable response", "")};
  }
  return Reply{200, "application/json", ToJson(*response)};
}

// The reader thread of a ServerStream and what it hands over.
struct ServerStream::State {
  grpc::ClientContext ctx;
  std::unique_ptr<grpc::ClientReader<grpc::ByteBuffer>> reader;
  const MethodDescriptor* method = nullptr;
  absl::Duration keepalive;

  absl::Mutex mu;
  std::deque<std::string> chunks ABSL_GUARDED_BY(mu);  // JSON lines read, not yet handed out
  bool first ABSL_GUARDED_BY(mu) = false;              // a message or the end came
  bool ended ABSL_GUARDED_BY(mu) = false;              // the call finished
  grpc::Status status ABSL_GUARDED_BY(mu);
  std::string reason ABSL_GUARDED_BY(mu);
  bool cancelled ABSL_GUARDED_BY(mu) = false;
  std::thread thread;

  void Read() {
    grpc::ByteBuffer buffer;
    std::unique_ptr<Message> response = NewMessage(method->output_type());
    while (reader->Read(&buffer)) {
      response->Clear();
      if (!FromBuffer(buffer, response.get())) continue;
      absl::MutexLock lock(&mu);
      chunks.push_back("{\"result\":" + ToJson(*response) + "}\n");
      first = true;
    }
    const grpc::Status finished = reader->Finish();
    absl::MutexLock lock(&mu);
    status = finished;
    reason = rpc::ErrorReason(ctx);
    first = ended = true;
  }
};

ServerStream::ServerStream(std::shared_ptr<State> state) : state_(std::move(state)) {}

ServerStream::~ServerStream() {
  Cancel();
  if (state_->thread.joinable()) state_->thread.join();
}

void ServerStream::Cancel() {
  {
    absl::MutexLock lock(&state_->mu);
    state_->cancelled = true;
  }
  state_->ctx.TryCancel();
}

bool ServerStream::Next(std::string* chunk) {
  State& s = *state_;
  absl::MutexLock lock(&s.mu);
  auto ready = [&s]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(s.mu) {
    return !s.chunks.empty() || s.ended || s.cancelled;
  };
  if (!s.mu.AwaitWithTimeout(absl::Condition(&ready), s.keepalive)) {
    *chunk = "\n";  // keep-alive
    return true;
  }
  if (!s.chunks.empty()) {
    *chunk = std::move(s.chunks.front());
    s.chunks.pop_front();
    return true;
  }
  if (s.cancelled || !s.ended) return false;
  s.cancelled = true;  // the last line is handed out once
  if (s.status.ok() || s.status.error_code() == grpc::StatusCode::CANCELLED) return false;
  *chunk =
      "{\"error\":" + ErrorBody(s.status.error_code(), s.status.error_message(), s.reason) + "}\n";
  return true;
}

std::unique_ptr<ServerStream> Transcoder::OpenStream(const MethodDescriptor* method,
                                                     std::string_view body, const CallInfo& info,
                                                     absl::Duration keepalive) const {
  auto state = std::make_shared<ServerStream::State>();
  std::unique_ptr<ServerStream> stream(new ServerStream(state));
  const Route* route = method == nullptr ? nullptr : RouteOf(method);
  if (route == nullptr || !method->server_streaming() || method->client_streaming()) {
    stream->status_ = HttpStatus(grpc::StatusCode::UNIMPLEMENTED);
    stream->content_type_ = "application/json";
    stream->error_body_ =
        ErrorBody(grpc::StatusCode::UNIMPLEMENTED, "no such server-streaming method", "");
    return stream;
  }
  Reply error;
  std::unique_ptr<Message> request = Parse(method, body, &error);
  if (request == nullptr) {
    stream->status_ = error.status;
    stream->content_type_ = error.content_type;
    stream->error_body_ = error.body;
    return stream;
  }
  Prepare(state->ctx, info, false);  // a stream lives until either side ends it
  state->method = method;
  state->keepalive = keepalive;
  const grpc::internal::RpcMethod rpc(route->path.c_str(),
                                      grpc::internal::RpcMethod::SERVER_STREAMING, route->channel);
  state->reader.reset(grpc::internal::ClientReaderFactory<grpc::ByteBuffer>::Create(
      route->channel.get(), rpc, &state->ctx, ToBuffer(*request)));
  state->thread = std::thread([s = state.get()] { s->Read(); });
  // The status line waits for the first message or the end: an error before any message is an
  // ordinary error answer.
  // A stream that sends nothing for a while starts as 200 all the same.
  absl::MutexLock lock(&state->mu);
  state->mu.AwaitWithTimeout(absl::Condition(&state->first), keepalive);
  if (state->chunks.empty() && state->ended && !state->status.ok()) {
    const Reply reply =
        Reply{HttpStatus(state->status.error_code()), "application/json",
              ErrorBody(state->status.error_code(), state->status.error_message(), state->reason)};
    stream->status_ = reply.status;
    stream->content_type_ = reply.content_type;
    stream->error_body_ = reply.body;
    state->cancelled = true;
  }
  return stream;
}

}  // namespace pasar::httpjson
