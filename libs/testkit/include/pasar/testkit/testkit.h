// pasar::testkit — support for tests that use real servers and real binaries. Tests only.
//
// Servers come from the environment (set by scripts/test or `scripts/stack env`):
// PASAR_TEST_PG (libpq conninfo), PASAR_TEST_REDIS (redis://host:port), PASAR_STACK (the stack
// script, for restart-pg / restart-redis). Missing settings make the test FAIL, never skip.
//
// Service binaries: BinaryPath("pasar-order") looks in $PASAR_BIN_DIR, else in
// <build dir>/bin. Services must therefore put their executables there:
//   set_target_properties(pasar-order PROPERTIES RUNTIME_OUTPUT_DIRECTORY ${CMAKE_BINARY_DIR}/bin)
//
// Differences from plan/lib-api.md (additions only): TempDatabase::name(); ServiceProcess takes
// optional command-line arguments, and has port(), pid(), log_path(), Log(), exit_status();
// ServiceEnv(); PublishAsRelay() (in pasar/testkit/relay.h); Eventually() (in
// pasar/testkit/eventually.h); TestPki (in pasar/testkit/pki.h); TestKeyFiles (in
// pasar/testkit/keys.h).
#pragma once

#include <sys/types.h>

#include <atomic>
#include <csignal>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "absl/synchronization/mutex.h"

namespace pasar::testkit {

// The value of environment variable `name`; throws std::runtime_error (failing the test) when it
// is missing or empty.
std::string RequireEnv(const char* name);

// A fresh database t_<random hex> on the server of PASAR_TEST_PG, dropped (WITH (FORCE)) on
// destruction. Throws when PASAR_TEST_PG is missing or the server unreachable.
class TempDatabase final {
 public:
  TempDatabase();
  TempDatabase(const TempDatabase&) = delete;
  TempDatabase& operator=(const TempDatabase&) = delete;
  ~TempDatabase();

  // PASAR_TEST_PG with dbname replaced by this database (key=value form).
  const std::string& conninfo() const { return conninfo_; }
  const std::string& name() const { return name_; }

 private:
  std::string admin_conninfo_;
  std::string name_;
  std::string conninfo_;
};

// A Redis key prefix unique to this call: "t<random hex>:".
std::string UniqueRedisPrefix();

// The environment every service reads (docs/conventions.md), set up for one test process:
// PASAR_PG = db, PASAR_REDIS = $PASAR_TEST_REDIS (throws when missing), PASAR_REDIS_PREFIX,
// PASAR_LISTEN = 127.0.0.1:0 (the port comes from the listening line), PASAR_METRICS_LISTEN
// empty (no fixed port to collide on), PASAR_JWT_SECRET (HS256, the development mode), and
// PASAR_RATE_LIMIT_PER_SECOND = 10000 (a test drives many calls as one principal; the production
// limit would refuse them). `extra` adds the service's own settings and overrides any of these:
// a test of public-key tokens gives PASAR_JWT_JWKS_FILE (see TestKeyFiles in
// pasar/testkit/keys.h) and PASAR_JWT_SECRET = "" (unset: HS256 refused).
std::map<std::string, std::string> ServiceEnv(const TempDatabase& db,
                                              const std::string& redis_prefix,
                                              const std::string& jwt_secret,
                                              std::map<std::string, std::string> extra = {});

// Starts a real binary with `env` added to (overriding) the current environment, captures its
// stderr and stdout through a pipe into a log file (in PASAR_TEST_LOG_DIR, else $TMPDIR or
// /tmp; kept after the test for post-mortems), and waits up to 60 s for the JSON line
// {"msg":"listening",...,"grpc":"host:port"} (or "http":"host:port", pasar-gateway's). Throws
// with the captured log if the line does not come (or the process exits first). The destructor
// kills the process (SIGKILL) and reaps it. The process also gets SIGKILL if the test process
// dies.
class ServiceProcess final {
 public:
  explicit ServiceProcess(std::string binary_path, std::map<std::string, std::string> env,
                          std::vector<std::string> args = {});
  ServiceProcess(const ServiceProcess&) = delete;
  ServiceProcess& operator=(const ServiceProcess&) = delete;
  ~ServiceProcess();

  std::string address() const { return address_; }  // "host:port" from the listening line
  int port() const;
  pid_t pid() const { return pid_; }
  // Sends `signal`; for SIGKILL also waits for the process to exit.
  void Kill(int signal = SIGKILL);
  // SIGTERM, then waits up to 10 s for the exit; SIGKILL if it is still running.
  void Terminate();
  bool Running();                    // false once the process has exited (reaps it)
  std::optional<int> exit_status();  // waitpid status once exited (WIFEXITED etc.)
  const std::string& log_path() const { return log_path_; }
  std::string Log() const;  // the captured output so far

 private:
  void ReadOutput(int fd);  // reader thread: pipe -> log file, watches for the listening line
  bool Reap(bool block);    // true once exited

  std::string binary_;
  std::string log_path_;
  pid_t pid_ = -1;
  std::optional<int> status_;
  std::string address_;
  std::atomic<bool> stop_{false};
  mutable absl::Mutex mu_;
  std::string listening_address_ ABSL_GUARDED_BY(mu_);
  bool output_closed_ ABSL_GUARDED_BY(mu_) = false;
  std::thread reader_;
};

// Path of a service binary built by this tree: $PASAR_BIN_DIR/<name> when set, else
// <CMAKE_BINARY_DIR>/bin/<name>. Throws when the file is not an executable.
std::string BinaryPath(std::string_view name);

}  // namespace pasar::testkit
