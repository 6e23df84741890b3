// Helpers shared by the order service's gRPC adapters: field checks, page tokens, request
// fingerprints and stored responses (idempotency of mutations).
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include <google/protobuf/message.h>
#include <grpcpp/server_context.h>
#include <grpcpp/support/status.h>

#include "pasar/pg/pg.h"
#include "store/order_store.h"

namespace pasar::order {

inline constexpr int kMaxTextChars = 200;
inline constexpr int kMaxRequestIdChars = 128;

// Number of UTF-8 code points (bytes that do not continue a sequence).
size_t Utf8Length(std::string_view s);

// INVALID_ARGUMENT unless 1..128 characters.
grpc::Status CheckRequestId(const std::string& request_id);
// INVALID_ARGUMENT "<field>: must be a UUID" unless a UUID (required).
grpc::Status CheckUuid(std::string_view field, const std::string& value);
// INVALID_ARGUMENT unless at most kMaxTextChars characters.
grpc::Status CheckText(std::string_view field, const std::string& value);

// Page size: 0 -> 50, > 100 -> 100, negative -> INVALID_ARGUMENT.
grpc::Status PageSize(int32_t requested, int* out);
std::string EncodePageToken(const store::Cursor& cursor);
// INVALID_ARGUMENT "page_token: malformed" when not produced by EncodePageToken.
grpc::Status DecodePageToken(const std::string& token, std::optional<store::Cursor>* out);

// SHA-256 of the request serialized with request_id cleared (the idempotency fingerprint).
std::string RequestHash(const google::protobuf::Message& request);

// If (subject, rpc, request_id) was already answered: OK with the stored response parsed into
// `response`, or FAILED_PRECONDITION / IDEMPOTENCY_KEY_REUSED for a different request.
std::optional<grpc::Status> Replay(pg::Transaction& tx, grpc::ServerContext* ctx,
                                   const std::string& subject, std::string_view rpc,
                                   const std::string& request_id, const std::string& hash,
                                   google::protobuf::Message* response);

grpc::Status KeyReused(grpc::ServerContext* ctx);
grpc::Status InvalidTransition(grpc::ServerContext* ctx, std::string_view message);

}  // namespace pasar::order
