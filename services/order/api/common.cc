#include "api/common.h"

#include <memory>

#include "api/ids.h"
#include "pasar/rpc/status.h"

namespace pasar::order {

size_t Utf8Length(std::string_view s) {
  size_t n = 0;
  for (unsigned char c : s) {
    if ((c & 0xC0) != 0x80) ++n;
  }
  return n;
}

grpc::Status CheckRequestId(const std::string& request_id) {
  if (request_id.empty()) return rpc::InvalidArgument("request_id", "required");
  if (Utf8Length(request_id) > kMaxRequestIdChars) {
    return rpc::InvalidArgument("request_id", "at most 128 characters");
  }
  return grpc::Status::OK;
}

grpc::Status CheckUuid(std::string_view field, const std::string& value) {
  if (value.empty()) return rpc::InvalidArgument(field, "required");
  if (!IsUuid(value)) return rpc::InvalidArgument(field, "must be a UUID");
  return grpc::Status::OK;
}

grpc::Status CheckText(std::string_view field, const std::string& value) {
  if (Utf8Length(value) > kMaxTextChars) {
    return rpc::InvalidArgument(field, "at most 200 characters");
  }
  return grpc::Status::OK;
}

grpc::Status PageSize(int32_t requested, int* out) {
  if (requested < 0) return rpc::InvalidArgument("page_size", "must be >= 0");
  *out = requested == 0 ? 50 : std::min(requested, 100);
  return grpc::Status::OK;
}

std::string EncodePageToken(const store::Cursor& cursor) {
  return std::to_string(cursor.created_micros) + "." + cursor.id;
}

grpc::Status DecodePageToken(const std::string& token, std::optional<store::Cursor>* out) {
  out->reset();
  if (token.empty()) return grpc::Status::OK;
  const size_t dot = token.find('.');
  if (dot == std::string::npos || dot == 0) return rpc::InvalidArgument("page_token", "malformed");
  store::Cursor c;
  c.id = token.substr(dot + 1);
  try {
    size_t used = 0;
    c.created_micros = std::stoll(token.substr(0, dot), &used);
    if (used != dot) return rpc::InvalidArgument("page_token", "malformed");
  } catch (const std::exception&) {
    return rpc::InvalidArgument("page_token", "malformed");
  }
  if (!IsUuid(c.id)) return rpc::InvalidArgument("page_token", "malformed");
  *out = std::move(c);
  return grpc::Status::OK;
}

std::string RequestHash(const google::protobuf::Message& request) {
  std::unique_ptr<google::protobuf::Message> copy(request.New());
  copy->CopyFrom(request);
  const auto* field = copy->GetDescriptor()->FindFieldByName("request_id");
  if (field != nullptr) copy->GetReflection()->ClearField(copy.get(), field);
  std::string bytes;
  copy->SerializeToString(&bytes);
  return Sha256Hex(bytes);
}

grpc::Status KeyReused(grpc::ServerContext* ctx) {
  return rpc::Refuse(ctx, grpc::StatusCode::FAILED_PRECONDITION, "IDEMPOTENCY_KEY_REUSED",
                     "request_id was already used for a different request");
}

grpc::Status InvalidTransition(grpc::ServerContext* ctx, std::string_view message) {
  return rpc::Refuse(ctx, grpc::StatusCode::FAILED_PRECONDITION, "INVALID_TRANSITION", message);
}

std::optional<grpc::Status> Replay(pg::Transaction& tx, grpc::ServerContext* ctx,
                                   const std::string& subject, std::string_view rpc,
                                   const std::string& request_id, const std::string& hash,
                                   google::protobuf::Message* response) {
  const auto stored = store::FindResponse(tx, subject, rpc, request_id);
  if (!stored) return std::nullopt;
  if (stored->request_hash != hash) return KeyReused(ctx);
  if (!response->ParseFromString(stored->response)) {
    return grpc::Status(grpc::StatusCode::INTERNAL, "internal error");
  }
  return grpc::Status::OK;
}

}  // namespace pasar::order
