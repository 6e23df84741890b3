#include "pasar/idempotency/idempotency.h"

#include <google/protobuf/io/coded_stream.h>
#include <google/protobuf/io/zero_copy_stream_impl_lite.h>
#include <google/protobuf/message.h>

#include "pasar/rpc/status.h"

namespace pasar::idempotency {
namespace {

using pg::Query;

constexpr Query kClaim{"idem_claim",
                       "INSERT INTO idempotency (subject, rpc, request_id, request) "
                       "VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING"};
constexpr Query kGet{"idem_get",
                     "SELECT request, response FROM idempotency "
                     "WHERE subject = $1 AND rpc = $2 AND request_id = $3"};
constexpr Query kStore{
    "idem_store",
    "UPDATE idempotency SET response = $4 WHERE subject = $1 AND rpc = $2 AND request_id = $3"};
constexpr Query kPurge{"idem_purge",
                       "DELETE FROM idempotency WHERE ctid IN (SELECT ctid FROM idempotency "
                       "WHERE created_at < now() - $1::bigint * interval '1 second' LIMIT $2)"};

}  // namespace

std::vector<pg::Migration> Migrations() {
  return {{1, "idempotency",
           "CREATE TABLE IF NOT EXISTS idempotency (\n"
           "  subject text NOT NULL,\n"
           "  rpc text NOT NULL,\n"
           "  request_id text NOT NULL,\n"
           "  request bytea NOT NULL,\n"
           "  response bytea,  -- NULL while the claiming transaction runs\n"
           "  created_at timestamptz NOT NULL DEFAULT now(),\n"
           "  PRIMARY KEY (subject, rpc, request_id)\n"
           ");\n"
           "CREATE INDEX IF NOT EXISTS idempotency_by_age ON idempotency (created_at);\n"}};
}

std::string Fingerprint(const google::protobuf::Message& request) {
  std::string out;
  {
    google::protobuf::io::StringOutputStream stream(&out);
    google::protobuf::io::CodedOutputStream coded(&stream);
    coded.SetSerializationDeterministic(true);
    request.SerializeToCodedStream(&coded);
  }
  return out;
}

absl::StatusOr<std::string> Run(
    pg::Pool& pool, std::string_view subject, std::string_view rpc, std::string_view request_id,
    const std::string& fingerprint,
    const std::function<absl::StatusOr<std::string>(pg::Transaction&)>& work, bool* replayed) {
  return pg::WithTransaction(pool, rpc, [&](pg::Transaction& tx) -> absl::StatusOr<std::string> {
    if (replayed != nullptr) *replayed = false;
    // Waits for a concurrent claim of the same key to finish; then claims it or sees the record.
    if (tx.Exec(kClaim, subject, rpc, request_id, pg::Bytea{fingerprint}).affected() == 0) {
      const pg::Result stored = tx.Exec(kGet, subject, rpc, request_id);
      if (stored.empty() || stored.IsNull(0, 1)) {
        return absl::AbortedError("concurrent request with the same request_id; retry");
      }
      if (stored.Bytes(0, 0) != fingerprint) {
        return rpc::Refusal(
            "IDEMPOTENCY_KEY_REUSED",
            "request_id " + std::string(request_id) + " was already used for a different request");
      }
      if (replayed != nullptr) *replayed = true;
      return stored.Bytes(0, 1);
    }
    absl::StatusOr<std::string> response = work(tx);
    if (!response.ok()) return response;  // rolled back by the transaction's destructor
    tx.Exec(kStore, subject, rpc, request_id, pg::Bytea{*response});
    tx.Commit();
    return response;
  });
}

int64_t Purge(pg::Pool& pool, absl::Duration retention, int limit) {
  return pg::Exec(pool, kPurge, absl::ToInt64Seconds(retention), limit).affected();
}

}  // namespace pasar::idempotency
