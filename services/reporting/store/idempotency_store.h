// The reporting service's idempotency records (table `idempotency`): a mutation runs once per
// (caller, rpc, request_id); a replay with the same request answers the stored response, one with
// another request is refused request::KeyReused() (docs/conventions.md, "Idempotency").
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "pasar/pg/pg.h"

namespace pasar::reporting {

class IdempotencyStore final {
 public:
  explicit IdempotencyStore(pg::Pool& pool) : pool_(pool) {}

  // Runs `work` in one transaction keyed by (subject, rpc, request_id): the first call claims the
  // key, runs `work` and stores the response it returns with the change; a later call with the
  // same `fingerprint` (request::Fingerprint) returns that response without running `work`; with
  // another, request::KeyReused(). When `work` fails everything rolls back (the key stays free).
  // Concurrent calls with one key serialise on the key's row. Throws what pg throws.
  absl::StatusOr<std::string> Run(
      std::string_view subject, std::string_view rpc, std::string_view request_id,
      const std::string& fingerprint,
      const std::function<absl::StatusOr<std::string>(pg::Transaction&)>& work);

  // Deletes up to `limit` records older than `retention`; returns how many.
  int64_t Purge(absl::Duration retention, int limit);

 private:
  pg::Pool& pool_;
};

}  // namespace pasar::reporting
