#include "pasar/rpc/status.h"

#include <exception>
#include <string>

#include "pasar/log/log.h"
#include "pasar/request/status.h"

#ifdef PASAR_RPC_WITH_PG
#include "pasar/pg/pg.h"
#endif
#ifdef PASAR_RPC_WITH_REDIS
#include "pasar/redis/redis.h"
#endif

namespace pasar::rpc {
namespace {

// absl and gRPC share the canonical code numbers.
grpc::StatusCode ToGrpcCode(absl::StatusCode code) {
  return static_cast<grpc::StatusCode>(code);
}

std::string Cat(std::string_view a, std::string_view sep, std::string_view b) {
  std::string out;
  out.reserve(a.size() + sep.size() + b.size());
  out.append(a).append(sep).append(b);
  return out;
}

}  // namespace

grpc::Status ToGrpc(const absl::Status& status) {
  if (status.ok()) return grpc::Status::OK;
  return grpc::Status(ToGrpcCode(status.code()), std::string(status.message()));
}

grpc::Status ToGrpc(grpc::ServerContext* ctx, const absl::Status& status) {
  if (status.ok()) return grpc::Status::OK;
  if (std::optional<std::string> reason = request::RefusalReason(status)) {
    return Refuse(ctx, ToGrpcCode(status.code()), *reason,
                  std::string_view(status.message().data(), status.message().size()));
  }
  return ToGrpc(status);
}

grpc::Status InvalidArgument(std::string_view field, std::string_view why) {
  return grpc::Status(grpc::StatusCode::INVALID_ARGUMENT, Cat(field, ": ", why));
}

grpc::Status Refuse(grpc::ServerContext* ctx, grpc::StatusCode code, std::string_view reason,
                    std::string_view msg) {
  if (ctx != nullptr) ctx->AddTrailingMetadata(kErrorReasonKey, std::string(reason));
  return grpc::Status(code, Cat(reason, ": ", msg));
}

grpc::Status NotFound(std::string_view what) {
  return grpc::Status(grpc::StatusCode::NOT_FOUND, Cat(what, " ", "not found"));
}

grpc::Status StatusFromCurrentException() {
  try {
    throw;
#ifdef PASAR_RPC_WITH_PG
  } catch (const pg::ConnectionError& e) {
    log::Log("warn", "postgresql unavailable", {{"error", e.what()}});
    return grpc::Status(grpc::StatusCode::UNAVAILABLE, "database unavailable, retry later");
  } catch (const pg::PoolTimeout& e) {
    log::Log("warn", "postgresql pool exhausted", {{"error", e.what()}});
    return grpc::Status(grpc::StatusCode::UNAVAILABLE, "database busy, retry later");
  } catch (const pg::Error& e) {
    if (e.serialization_failure()) {
      log::Log("info", "transaction conflict", {{"error", e.what()}, {"sqlstate", e.sqlstate()}});
      return grpc::Status(grpc::StatusCode::ABORTED, "concurrent update, retry");
    }
    if (e.sqlstate() == "57014") {
      log::Log("warn", "statement timeout", {{"error", e.what()}});
      return grpc::Status(grpc::StatusCode::DEADLINE_EXCEEDED, "database statement timed out");
    }
    log::Log("error", "database error", {{"error", e.what()}, {"sqlstate", e.sqlstate()}});
    return grpc::Status(grpc::StatusCode::INTERNAL, "internal error");
#endif
#ifdef PASAR_RPC_WITH_REDIS
  } catch (const redis::Error& e) {
    log::Log("warn", "redis unavailable", {{"error", e.what()}});
    return grpc::Status(grpc::StatusCode::UNAVAILABLE, "redis unavailable, retry later");
#endif
  } catch (const std::exception& e) {
    log::Log("error", "unhandled exception in handler", {{"error", e.what()}});
    return grpc::Status(grpc::StatusCode::INTERNAL, "internal error");
  } catch (...) {
    log::Log("error", "unhandled non-standard exception in handler");
    return grpc::Status(grpc::StatusCode::INTERNAL, "internal error");
  }
}

}  // namespace pasar::rpc
