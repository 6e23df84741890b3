// Idempotency of the order service's mutations other than PlaceOrder (whose record is the order
// itself): (subject, rpc, request_id) -> (fingerprint, response) in orders.idempotency, written in
// the use case's transaction (docs/conventions.md, "Idempotency"). Fingerprints come from
// pasar::request::Fingerprint.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include <google/protobuf/message.h>

#include "absl/status/status.h"
#include "pasar/pg/pg.h"

namespace pasar::order {

// If (subject, rpc, request_id) was already answered: OK with the stored response parsed into
// `response`, or FAILED_PRECONDITION IDEMPOTENCY_KEY_REUSED for another request; nullopt when
// it was not.
std::optional<absl::Status> Replay(pg::Transaction& tx, const std::string& subject,
                                   std::string_view rpc, const std::string& request_id,
                                   const std::string& fingerprint,
                                   google::protobuf::Message* response);

// Records the answer of a first call, in its transaction.
void Remember(pg::Transaction& tx, const std::string& subject, std::string_view rpc,
              const std::string& request_id, const std::string& fingerprint,
              const google::protobuf::Message& response);

// FAILED_PRECONDITION INVALID_TRANSITION: `message`.
absl::Status InvalidTransition(std::string_view message);

}  // namespace pasar::order
