#include "store/idempotency.h"

namespace pasar::dispatch::store {
namespace {

constexpr pg::Query kClaimKey{
    "dsp_claim_key",
    "INSERT INTO idempotency_keys (subject, rpc, request_id, request) VALUES ($1, $2, $3, $4) "
    "ON CONFLICT DO NOTHING RETURNING 1"};
constexpr pg::Query kGetKey{"dsp_get_key",
                            "SELECT request, response FROM idempotency_keys "
                            "WHERE subject = $1 AND rpc = $2 AND request_id = $3"};
enum KeyCol : int { kKeyRequest, kKeyResponse };
constexpr pg::Query kSetKeyResponse{"dsp_set_key_response",
                                    "UPDATE idempotency_keys SET response = $4 "
                                    "WHERE subject = $1 AND rpc = $2 AND request_id = $3"};
constexpr pg::Query kDropKey{
    "dsp_drop_key",
    "DELETE FROM idempotency_keys WHERE subject = $1 AND rpc = $2 AND request_id = $3"};

constexpr pg::Query kPurgeKeys{
    "dsp_purge_keys",
    "DELETE FROM idempotency_keys WHERE ctid IN (SELECT ctid FROM idempotency_keys "
    "WHERE created_at < now() - $1::bigint * interval '1 second' LIMIT $2)"};

}  // namespace

KeyClaim ClaimKey(pg::Transaction& tx, const IdemKey& key, std::string* response) {
  if (!tx.Exec(kClaimKey, key.subject, key.rpc, key.request_id, pg::Bytea{key.fingerprint})
           .empty()) {
    return KeyClaim::kNew;
  }
  const pg::Result r = tx.Exec(kGetKey, key.subject, key.rpc, key.request_id);
  if (r.empty() || r.Bytes(0, kKeyRequest) != key.fingerprint || r.IsNull(0, kKeyResponse)) {
    return KeyClaim::kReused;
  }
  *response = r.Bytes(0, kKeyResponse);
  return KeyClaim::kReplay;
}

void SaveKeyResponse(pg::Transaction& tx, const IdemKey& key, const std::string& response) {
  tx.Exec(kSetKeyResponse, key.subject, key.rpc, key.request_id, pg::Bytea{response});
}

void DropKey(pg::Transaction& tx, const IdemKey& key) {
  tx.Exec(kDropKey, key.subject, key.rpc, key.request_id);
}

int64_t PurgeKeys(pg::Pool& pool, absl::Duration retention, int limit) {
  return pg::Exec(pool, kPurgeKeys, absl::ToInt64Seconds(retention), int64_t{limit}).affected();
}

}  // namespace pasar::dispatch::store
