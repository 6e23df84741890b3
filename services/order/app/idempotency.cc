#include "app/idempotency.h"

#include "pasar/request/idempotency.h"
#include "pasar/request/status.h"
#include "store/order_store.h"

namespace pasar::order {

std::optional<absl::Status> Replay(pg::Transaction& tx, const std::string& subject,
                                   std::string_view rpc, const std::string& request_id,
                                   const std::string& fingerprint,
                                   google::protobuf::Message* response) {
  const auto stored = store::FindResponse(tx, subject, rpc, request_id);
  if (!stored) return std::nullopt;
  if (stored->request_hash != fingerprint) return request::KeyReused();
  if (!response->ParseFromString(stored->response)) return absl::InternalError("internal error");
  return absl::OkStatus();
}

void Remember(pg::Transaction& tx, const std::string& subject, std::string_view rpc,
              const std::string& request_id, const std::string& fingerprint,
              const google::protobuf::Message& response) {
  store::StoreResponse(tx, subject, rpc, request_id, fingerprint, response.SerializeAsString());
}

absl::Status InvalidTransition(std::string_view message) {
  return request::Refused("INVALID_TRANSITION", message);
}

}  // namespace pasar::order
