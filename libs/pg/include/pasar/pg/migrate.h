// pasar::pg migrations: numbered SQL files applied once per (schema, component, version).
//
// A service embeds its migrations/NNNN_name.sql with the CMake function
// pasar_embed_migrations(<target> <dir> <namespace>), declares
//   namespace <namespace> { std::vector<pasar::pg::Migration> Migrations(); }
// and calls pasar::pg::Migrate(pool, "orders", "orders", <namespace>::Migrations()) at start-up.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "pasar/pg/pg.h"

namespace pasar::pg {

struct Migration {
  int version;       // > 0, unique within the component; applied in increasing order
  std::string name;  // recorded; a different name for an applied version is an error
  std::string sql;   // one or more statements; no BEGIN/COMMIT of its own
};

// Creates `schema` and <schema>.schema_migrations(component, version, name, applied_at) if
// missing, then applies, in version order, each migration of `component` not yet recorded there:
// each in its own transaction together with its schema_migrations row, with search_path set to
// "<schema>, public" so the SQL uses unqualified names. Safe when several processes start at
// once: the whole run holds pg_advisory_lock(hashtext(schema)) on one connection (waiting for it
// at most 2 minutes). Each statement is bounded by the pool's statement_timeout.
// Throws Error when a migration fails (nothing of that migration stays) or when the recorded
// history disagrees with `migrations` (an applied version with another name).
void Migrate(Pool& pool, std::string_view schema, std::string_view component,
             const std::vector<Migration>& migrations);

}  // namespace pasar::pg
