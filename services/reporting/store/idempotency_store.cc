#include "store/idempotency_store.h"

#include "pasar/request/idempotency.h"

namespace pasar::reporting {
namespace {

using pg::Query;

constexpr Query kClaim{"rep_idem_claim",
                       "INSERT INTO idempotency (subject, rpc, request_id, fingerprint) "
                       "VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING"};
constexpr Query kGet{"rep_idem_get",
                     "SELECT fingerprint, response FROM idempotency "
                     "WHERE subject = $1 AND rpc = $2 AND request_id = $3"};
constexpr Query kStore{
    "rep_idem_store",
    "UPDATE idempotency SET response = $4 WHERE subject = $1 AND rpc = $2 AND request_id = $3"};
constexpr Query kPurge{"rep_idem_purge",
                       "DELETE FROM idempotency WHERE ctid IN (SELECT ctid FROM idempotency "
                       "WHERE created_at < now() - $1::bigint * interval '1 second' LIMIT $2)"};

}  // namespace

absl::StatusOr<std::string> IdempotencyStore::Run(
    std::string_view subject, std::string_view rpc, std::string_view request_id,
    const std::string& fingerprint,
    const std::function<absl::StatusOr<std::string>(pg::Transaction&)>& work) {
  return pg::WithTransaction(pool_, rpc, [&](pg::Transaction& tx) -> absl::StatusOr<std::string> {
    // Waits for a concurrent claim of the same key to finish; then claims it or sees the record.
    if (tx.Exec(kClaim, subject, rpc, request_id, fingerprint).affected() == 0) {
      const pg::Result stored = tx.Exec(kGet, subject, rpc, request_id);
      if (stored.empty() || stored.IsNull(0, 1)) {
        return absl::AbortedError("concurrent request with the same request_id; retry");
      }
      if (stored.Str(0, 0) != fingerprint) return request::KeyReused();
      return stored.Bytes(0, 1);
    }
    absl::StatusOr<std::string> response = work(tx);
    if (!response.ok()) return response;  // rolled back by the transaction's destructor
    tx.Exec(kStore, subject, rpc, request_id, pg::Bytea{*response});
    tx.Commit();
    return response;
  });
}

int64_t IdempotencyStore::Purge(absl::Duration retention, int limit) {
  return pg::Exec(pool_, kPurge, absl::ToInt64Seconds(retention), limit).affected();
}

}  // namespace pasar::reporting
