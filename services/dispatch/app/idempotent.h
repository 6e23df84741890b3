// The transaction of a mutation: once per idempotency key (store/idempotency.h), the key
// claimed in the same transaction as the effects and the response.
#pragma once

#include <string>
#include <string_view>

#include "app/outcome.h"
#include "pasar/pg/pg.h"
#include "store/idempotency.h"

namespace pasar::dispatch::app {

// Runs body(tx, keep) -> Outcome once per key, in one transaction with the key; a replay
// answers the stored response. A refusal rolls everything back, unless the body set `keep` (a
// counted failed attempt): then its effects stay and the key is released, so a corrected retry
// may reuse it.
template <class Resp, class Body>
Outcome Idempotent(pg::Pool& pool, std::string_view name, const store::IdemKey& key, Resp* resp,
                   Body&& body) {
  return pg::WithTransaction(pool, name, [&](pg::Transaction& tx) -> Outcome {
    resp->Clear();
    std::string stored;
    switch (store::ClaimKey(tx, key, &stored)) {
      case store::KeyClaim::kReplay:
        resp->ParseFromString(stored);
        tx.Commit();
        return Outcome{};
      case store::KeyClaim::kReused:
        tx.Commit();
        return Refuse(Refusal::kKeyReused, "request_id was used for a different request");
      case store::KeyClaim::kNew:
        break;
    }
    bool keep = false;
    Outcome out = body(tx, keep);
    if (out.ok()) {
      store::SaveKeyResponse(tx, key, resp->SerializeAsString());
      tx.Commit();
    } else if (keep) {
      store::DropKey(tx, key);
      tx.Commit();
    }
    return out;
  });
}

}  // namespace pasar::dispatch::app
