// Idempotency keys of the mutations (table idempotency_keys): (principal subject, rpc,
// request_id) -> the request's fingerprint and, once committed, the response.
#pragma once

#include <cstdint>
#include <string>

#include "absl/time/time.h"

#include "pasar/pg/pg.h"

namespace pasar::dispatch::store {

// The idempotency key of a mutation and the request's fingerprint (its serialized bytes with
// request_id cleared).
struct IdemKey {
  std::string subject;
  std::string rpc;
  std::string request_id;
  std::string fingerprint;
};

enum class KeyClaim {
  kNew,     // claimed by this transaction: go ahead
  kReplay,  // done before with the same request: `response` is the stored response
  kReused,  // used for a different request (or its first use left no response)
};

// Claims `key` in `tx` (waiting for a concurrent claim to commit or roll back).
KeyClaim ClaimKey(pg::Transaction& tx, const IdemKey& key, std::string* response);
// The response of a claimed key, committed with the transaction.
void SaveKeyResponse(pg::Transaction& tx, const IdemKey& key, const std::string& response);
// Releases a claimed key (a refusal whose effects are kept: a corrected retry may reuse it).
void DropKey(pg::Transaction& tx, const IdemKey& key);
// Deletes up to `limit` keys older than `retention` (service::Purger); returns how many. A
// request replayed after that is a new request.
int64_t PurgeKeys(pg::Pool& pool, absl::Duration retention, int limit);

}  // namespace pasar::dispatch::store
