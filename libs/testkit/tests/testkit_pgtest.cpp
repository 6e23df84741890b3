// pasar::testkit::TempDatabase and ServiceEnv against the real PostgreSQL of PASAR_TEST_PG.
#include <catch2/catch.hpp>

#include <libpq-fe.h>

#include <map>
#include <memory>
#include <string>

#include "pasar/testkit/testkit.h"

namespace {

struct ConnDeleter {
  void operator()(PGconn* c) const { PQfinish(c); }
};
struct ResultDeleter {
  void operator()(PGresult* r) const { PQclear(r); }
};

// The single text value of `sql` run on `conninfo`.
std::string QueryValue(const std::string& conninfo, const std::string& sql) {
  std::unique_ptr<PGconn, ConnDeleter> conn(PQconnectdb(conninfo.c_str()));
  REQUIRE(PQstatus(conn.get()) == CONNECTION_OK);
  std::unique_ptr<PGresult, ResultDeleter> res(PQexec(conn.get(), sql.c_str()));
  REQUIRE(PQresultStatus(res.get()) == PGRES_TUPLES_OK);
  REQUIRE(PQntuples(res.get()) == 1);
  return PQgetvalue(res.get(), 0, 0);
}

}  // namespace

TEST_CASE("TempDatabase creates a database and drops it") {
  const std::string admin = pasar::testkit::RequireEnv("PASAR_TEST_PG");
  std::string name;
  {
    pasar::testkit::TempDatabase db;
    name = db.name();
    CHECK(name.starts_with("t_"));
    CHECK(QueryValue(db.conninfo(), "SELECT current_database()") == name);
    // Kept open across the drop: WITH (FORCE) must not be blocked by it.
    std::unique_ptr<PGconn, ConnDeleter> lingering(PQconnectdb(db.conninfo().c_str()));
    REQUIRE(PQstatus(lingering.get()) == CONNECTION_OK);
    pasar::testkit::TempDatabase other;
    CHECK(other.name() != name);
  }
  CHECK(QueryValue(admin, "SELECT count(*) FROM pg_database WHERE datname = '" + name + "'") ==
        "0");
}

TEST_CASE("ServiceEnv gives a service the test's servers, prefix and secret") {
  const std::string redis = pasar::testkit::RequireEnv("PASAR_TEST_REDIS");
  pasar::testkit::TempDatabase db;
  const std::map<std::string, std::string> env = pasar::testkit::ServiceEnv(
      db, "tprefix:", "the-secret",
      {{"PASAR_RATE_LIMIT_PER_SECOND", "5"}, {"PASAR_SWEEP_INTERVAL_MS", "100"}});
  const std::map<std::string, std::string> expected = {
      {"PASAR_PG", db.conninfo()},          {"PASAR_REDIS", redis},
      {"PASAR_REDIS_PREFIX", "tprefix:"},   {"PASAR_LISTEN", "127.0.0.1:0"},
      {"PASAR_METRICS_LISTEN", ""},         {"PASAR_JWT_SECRET", "the-secret"},
      {"PASAR_RATE_LIMIT_PER_SECOND", "5"},  // `extra` overrides a default
      {"PASAR_SWEEP_INTERVAL_MS", "100"},    // and adds the service's own settings
  };
  CHECK(env == expected);
  // PASAR_PG reaches the test's own database.
  CHECK(QueryValue(env.at("PASAR_PG"), "SELECT current_database()") == db.name());

  const auto defaults = pasar::testkit::ServiceEnv(db, "tprefix:", "the-secret");
  CHECK(defaults.size() == 7);
  CHECK(defaults.at("PASAR_RATE_LIMIT_PER_SECOND") == "10000");
}
