// Migrate: numbered SQL migrations per (schema, component) under a session advisory lock.
#include "pasar/pg/migrate.h"

#include <algorithm>
#include <map>
#include <string>

#include "connection.h"
#include "pasar/log/log.h"

namespace pasar::pg {
namespace {

constexpr absl::Duration kLockWait = absl::Minutes(2);
constexpr absl::Duration kLockPoll = absl::Milliseconds(50);

// Takes pg_advisory_lock(hashtext(schema)) on `conn`, polling so the wait stays bounded.
void LockSchema(detail::Connection& conn, std::string_view schema) {
  const std::vector<Param> params = Params(schema);
  const absl::Time deadline = absl::Now() + kLockWait;
  while (!conn.ExecParams("SELECT pg_try_advisory_lock(hashtext($1))", params).Bool(0, 0)) {
    if (absl::Now() >= deadline) {
      throw Error("pg: migrations of schema " + std::string(schema) +
                  ": lock not obtained within " + absl::FormatDuration(kLockWait));
    }
    absl::SleepFor(kLockPoll);
  }
}

std::vector<const Migration*> Ordered(std::string_view component,
                                      const std::vector<Migration>& migrations) {
  std::vector<const Migration*> ordered;
  for (const Migration& m : migrations)
    ordered.push_back(&m);
  std::sort(ordered.begin(), ordered.end(),
            [](const Migration* a, const Migration* b) { return a->version < b->version; });
  for (size_t i = 0; i < ordered.size(); ++i) {
    if (ordered[i]->version <= 0 || (i > 0 && ordered[i]->version == ordered[i - 1]->version)) {
      throw Error("pg: migrations of " + std::string(component) + ": version " +
                  std::to_string(ordered[i]->version) + " is not positive or not unique");
    }
  }
  return ordered;
}

void Apply(detail::Connection& conn, const std::string& schema_ident, std::string_view component,
           const Migration& m) {
  const std::string label =
      "migration " + std::string(component) + "/" + std::to_string(m.version) + "_" + m.name;
  conn.ExecSimple("BEGIN");
  conn.ExecSimple("SET LOCAL search_path TO " + schema_ident + ", public");
  try {
    conn.ExecSimple(m.sql);
  } catch (const Error& e) {
    throw Error("pg: " + label + " failed: " + e.what(), e.sqlstate());
  }
  conn.ExecParams("INSERT INTO " + schema_ident +
                      ".schema_migrations (component, version, name) VALUES ($1, $2, $3)",
                  Params(component, m.version, m.name));
  conn.ExecSimple("COMMIT");
  log::Info("migration applied", {{"component", "pg"},
                                  {"schema", schema_ident},
                                  {"migration", std::string(component) + "/" +
                                                    std::to_string(m.version) + "_" + m.name}});
}

}  // namespace

void Migrate(Pool& pool, std::string_view schema, std::string_view component,
             const std::vector<Migration>& migrations) {
  const std::vector<const Migration*> ordered = Ordered(component, migrations);
  Pool::Lease lease = pool.Acquire();
  detail::Connection& conn = lease.connection();
  try {
    LockSchema(conn, schema);
    const std::string ident = conn.QuoteIdentifier(schema);
    conn.ExecSimple("CREATE SCHEMA IF NOT EXISTS " + ident);
    conn.ExecSimple("CREATE TABLE IF NOT EXISTS " + ident +
                    ".schema_migrations ("
                    "component text NOT NULL, version integer NOT NULL, name text NOT NULL, "
                    "applied_at timestamptz NOT NULL DEFAULT now(), "
                    "PRIMARY KEY (component, version))");
    const Result rows = conn.ExecParams(
        "SELECT version, name FROM " + ident + ".schema_migrations WHERE component = $1",
        Params(component));
    std::map<int64_t, std::string> applied;
    for (int i = 0; i < rows.size(); ++i)
      applied.emplace(rows.Int(i, 0), rows.Str(i, 1));
    for (const Migration* m : ordered) {
      const auto it = applied.find(m->version);
      if (it == applied.end()) {
        Apply(conn, ident, component, *m);
      } else if (it->second != m->name) {
        throw Error("pg: migrations of " + std::string(component) + ": version " +
                    std::to_string(m->version) + " was applied as " + it->second + ", now named " +
                    m->name);
      }
    }
    conn.ExecParams("SELECT pg_advisory_unlock(hashtext($1))", Params(schema));
  } catch (...) {
    // Closing the connection rolls back the open migration and releases the advisory lock.
    lease.Discard();
    throw;
  }
}

}  // namespace pasar::pg
