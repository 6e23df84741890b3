#include "store/internal.h"
#include "store/store.h"

#include "pasar/request/status.h"

namespace pasar::inventory {
namespace {

using pg::Query;

constexpr Query kClaimRequest{
    "inv_claim_request",
    "INSERT INTO idempotency (subject, rpc, request_id, request) VALUES ($1, $2, $3, $4) "
    "ON CONFLICT DO NOTHING"};
constexpr Query kGetRequest{"inv_get_request",
                            "SELECT request, response FROM idempotency WHERE subject = $1 AND rpc "
                            "= $2 AND request_id = $3"};
constexpr Query kStoreResponse{
    "inv_store_response",
    "UPDATE idempotency SET response = $4 WHERE subject = $1 AND rpc = $2 AND request_id = $3"};
constexpr Query kPurgeIdempotency{
    "inv_purge_idempotency",
    "DELETE FROM idempotency WHERE ctid IN (SELECT ctid FROM idempotency "
    "WHERE created_at < now() - $1::bigint * interval '1 second' LIMIT $2)"};

}  // namespace

absl::StatusOr<std::string> Store::RunIdempotent(
    std::string_view subject, std::string_view rpc, std::string_view request_id,
    const std::string& request,
    const std::function<absl::StatusOr<std::string>(pg::Transaction&)>& work, bool* replayed) {
  // After the transaction, committed, rolled back or thrown: the next page is read afresh.
  struct NoteWrite {
    Store& store;
    ~NoteWrite() { store.NoteCatalogWrite(); }
  } note{*this};
  return pg::WithTransaction(pool_, rpc, [&](pg::Transaction& tx) -> absl::StatusOr<std::string> {
    if (replayed != nullptr) *replayed = false;
    // Waits for a concurrent claim of the same key to finish; then either claims it or
    // sees the committed record.
    if (tx.Exec(kClaimRequest, subject, rpc, request_id, pg::Bytea{request}).affected() == 0) {
      const pg::Result stored = tx.Exec(kGetRequest, subject, rpc, request_id);
      if (stored.empty() || stored.row(0).IsNull("response")) {
        return absl::AbortedError("concurrent request with the same request_id; retry");
      }
      if (stored.row(0).Bytes("request") != request) {
        return request::Refused(
            "IDEMPOTENCY_KEY_REUSED",
            "request_id " + std::string(request_id) + " was already used for a different request");
      }
      if (replayed != nullptr) *replayed = true;
      return stored.row(0).Bytes("response");
    }
    absl::StatusOr<std::string> response = work(tx);
    if (!response.ok()) return response;  // rolled back by the transaction's destructor
    tx.Exec(kStoreResponse, subject, rpc, request_id, pg::Bytea{*response});
    tx.Commit();
    return response;
  });
}

int64_t Store::PurgeIdempotency(absl::Duration retention, int limit) {
  return pg::Exec(pool_, kPurgeIdempotency, absl::ToInt64Seconds(retention), limit).affected();
}

}  // namespace pasar::inventory
