// Idempotency of mutations (docs/conventions.md, "Idempotency"): a service stores
// (principal subject, rpc, request_id) -> (fingerprint, response) in the transaction of the
// change; a replay with the same fingerprint answers the stored response, one with another
// fingerprint is refused with KeyReused(). The records themselves live in each service's schema
// (SQL only in a service's store/); what is shared is how a request is fingerprinted and refused.
#pragma once

#include <string>

#include "absl/status/status.h"

namespace google::protobuf {
class Message;
}

namespace pasar::request {

// The fingerprint of a mutation request: lower-case hex SHA-256 of the request serialized
// deterministically with its request_id cleared (the key is compared on its own), 64 characters.
std::string Fingerprint(const google::protobuf::Message& request);

// FAILED_PRECONDITION with reason IDEMPOTENCY_KEY_REUSED (see status.h): "request_id was already
// used for a different request".
absl::Status KeyReused();

}  // namespace pasar::request
