#include "pasar/testkit/testkit.h"

#include <fcntl.h>
#include <libpq-fe.h>
#include <poll.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <memory>
#include <random>
#include <sstream>
#include <stdexcept>

#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "nlohmann/json.hpp"

extern char** environ;

namespace pasar::testkit {
namespace {

// Generous: a sanitizer build starting (and migrating a fresh database) on a loaded CI machine
// is slow, and only a service that fails to start waits it out.
constexpr absl::Duration kListeningWait = absl::Seconds(60);
constexpr absl::Duration kTerminateWait = absl::Seconds(10);

std::string RandomHex(int bytes) {
  thread_local std::mt19937_64 rng{std::random_device{}()};
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string s;
  for (int i = 0; i < bytes; ++i) {
    const auto b = static_cast<unsigned>(rng() & 0xff);
    s += kDigits[b >> 4];
    s += kDigits[b & 0xf];
  }
  return s;
}

struct ConnDeleter {
  void operator()(PGconn* c) const { PQfinish(c); }
};
struct ResultDeleter {
  void operator()(PGresult* r) const { PQclear(r); }
};

// Runs one statement on a fresh administrative connection to `conninfo`; throws on failure.
void AdminExec(const std::string& conninfo, const std::string& sql) {
  const char* const keywords[] = {"connect_timeout", "dbname", nullptr};
  const char* const values[] = {"10", conninfo.c_str(), nullptr};
  std::unique_ptr<PGconn, ConnDeleter> conn(PQconnectdbParams(keywords, values, 1));
  if (!conn || PQstatus(conn.get()) != CONNECTION_OK) {
    throw std::runtime_error("testkit: cannot connect to PASAR_TEST_PG (" + conninfo +
                             "): " + (conn ? PQerrorMessage(conn.get()) : "out of memory"));
  }
  std::unique_ptr<PGresult, ResultDeleter> res(PQexec(conn.get(), sql.c_str()));
  if (!res || PQresultStatus(res.get()) != PGRES_COMMAND_OK) {
    throw std::runtime_error("testkit: " + sql + ": " + PQerrorMessage(conn.get()));
  }
}

// Single-quotes a conninfo value.
std::string ConninfoValue(const char* v) {
  std::string s = "'";
  for (const char* p = v; *p != '\0'; ++p) {
    if (*p == '\'' || *p == '\\') s += '\\';
    s += *p;
  }
  return s + "'";
}

// `conninfo` (key=value or URI) rewritten as key=value with dbname replaced.
std::string WithDatabase(const std::string& conninfo, const std::string& dbname) {
  char* err = nullptr;
  std::unique_ptr<PQconninfoOption, decltype(&PQconninfoFree)> options(
      PQconninfoParse(conninfo.c_str(), &err), &PQconninfoFree);
  if (!options) {
    const std::string message = err == nullptr ? "out of memory" : err;
    PQfreemem(err);
    throw std::runtime_error("testkit: PASAR_TEST_PG is not a valid conninfo: " + message);
  }
  std::string out;
  for (const PQconninfoOption* o = options.get(); o->keyword != nullptr; ++o) {
    if (std::strcmp(o->keyword, "dbname") == 0 || o->val == nullptr) continue;
    out += std::string(o->keyword) + "=" + ConninfoValue(o->val) + " ";
  }
  return out + "dbname=" + ConninfoValue(dbname.c_str());
}

bool IsExecutable(const std::string& path) {
  struct stat st {};
  return stat(path.c_str(), &st) == 0 && S_ISREG(st.st_mode) && access(path.c_str(), X_OK) == 0;
}

}  // namespace

std::string RequireEnv(const char* name) {
  const char* value = std::getenv(name);
  if (value == nullptr || *value == '\0') {
    throw std::runtime_error(std::string("testkit: environment variable ") + name +
                             " is not set (start the stack: eval \"$(scripts/stack env)\")");
  }
  return value;
}

// ---- TempDatabase ----

TempDatabase::TempDatabase()
    : admin_conninfo_(RequireEnv("PASAR_TEST_PG")), name_("t_" + RandomHex(8)) {
  AdminExec(admin_conninfo_, "CREATE DATABASE " + name_);
  conninfo_ = WithDatabase(admin_conninfo_, name_);
}

TempDatabase::~TempDatabase() {
  try {
    AdminExec(admin_conninfo_, "DROP DATABASE IF EXISTS " + name_ + " WITH (FORCE)");
  } catch (const std::exception& e) {
    std::cerr << "testkit: cannot drop database " << name_ << ": " << e.what() << "\n";
  }
}

std::string UniqueRedisPrefix() {
  return "t" + RandomHex(8) + ":";
}

std::map<std::string, std::string> ServiceEnv(const TempDatabase& db,
                                              const std::string& redis_prefix,
                                              const std::string& jwt_secret,
                                              std::map<std::string, std::string> extra) {
  std::map<std::string, std::string> env = {
      {"PASAR_PG", db.conninfo()},
      {"PASAR_REDIS", RequireEnv("PASAR_TEST_REDIS")},
      {"PASAR_REDIS_PREFIX", redis_prefix},
      {"PASAR_LISTEN", "127.0.0.1:0"},
      {"PASAR_METRICS_LISTEN", ""},
      {"PASAR_JWT_SECRET", jwt_secret},
      {"PASAR_RATE_LIMIT_PER_SECOND", "10000"},
  };
  for (auto& [name, value] : extra)
    env.insert_or_assign(name, std::move(value));
  return env;
}

// ---- ServiceProcess ----

ServiceProcess::ServiceProcess(std::string binary_path, std::map<std::string, std::string> env,
                               std::vector<std::string> args)
    : binary_(std::move(binary_path)) {
  // Everything the child needs is prepared before fork(): after it only async-signal-safe calls.
  std::map<std::string, std::string> merged;
  for (char** e = environ; *e != nullptr; ++e) {
    const std::string entry = *e;
    const size_t eq = entry.find('=');
    if (eq != std::string::npos) merged[entry.substr(0, eq)] = entry.substr(eq + 1);
  }
  for (auto& [k, v] : env)
    merged[k] = v;
  std::vector<std::string> env_strings;
  for (const auto& [k, v] : merged)
    env_strings.push_back(k + "=" + v);
  std::vector<char*> envp;
  for (std::string& s : env_strings)
    envp.push_back(s.data());
  envp.push_back(nullptr);
  std::vector<std::string> argv_strings{binary_};
  argv_strings.insert(argv_strings.end(), args.begin(), args.end());
  std::vector<char*> argv;
  for (std::string& s : argv_strings)
    argv.push_back(s.data());
  argv.push_back(nullptr);

  // The log outlives the object (kept for post-mortems): <dir>/<binary>-XXXXXX.log, where <dir>
  // is PASAR_TEST_LOG_DIR (scripts/test: a folder of the build it empties before each run) or
  // else $TMPDIR or /tmp.
  const char* log_dir = std::getenv("PASAR_TEST_LOG_DIR");
  if (log_dir == nullptr || *log_dir == '\0') log_dir = std::getenv("TMPDIR");
  if (log_dir == nullptr || *log_dir == '\0') log_dir = "/tmp";
  std::string log_template = (std::filesystem::path(log_dir) /
                              (std::filesystem::path(binary_).filename().string() + "-XXXXXX.log"))
                                 .string();
  const int log_fd = mkstemps(log_template.data(), 4);
  if (log_fd < 0) throw std::runtime_error("testkit: cannot create a log file");
  close(log_fd);
  log_path_ = log_template;

  int fds[2];
  if (pipe2(fds, O_CLOEXEC) != 0) throw std::runtime_error("testkit: pipe failed");
  const pid_t parent = getpid();
  pid_ = fork();
  if (pid_ < 0) {
    close(fds[0]);
    close(fds[1]);
    throw std::runtime_error("testkit: fork failed");
  }
  if (pid_ == 0) {
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (getppid() != parent) _exit(127);
    dup2(fds[1], STDOUT_FILENO);
    dup2(fds[1], STDERR_FILENO);
    execve(argv[0], argv.data(), envp.data());
    static constexpr char kFailed[] = "testkit: execve failed\n";
    (void)!write(STDERR_FILENO, kFailed, sizeof(kFailed) - 1);
    _exit(127);
  }
  close(fds[1]);
  reader_ = std::thread([this, fd = fds[0]] { ReadOutput(fd); });

  {
    absl::MutexLock lock(&mu_);
    const auto ready = [this]() {
      mu_.AssertHeld();
      return !listening_address_.empty() || output_closed_;
    };
    mu_.AwaitWithTimeout(absl::Condition(&ready), kListeningWait);
    address_ = listening_address_;
  }
  if (address_.empty()) {
    Kill(SIGKILL);
    stop_ = true;
    reader_.join();
    throw std::runtime_error("testkit: " + binary_ + " did not log a \"listening\" line within " +
                             absl::FormatDuration(kListeningWait) + " (or exited first); log " +
                             log_path_ + ":\n" + Log());
  }
}

ServiceProcess::~ServiceProcess() {
  Kill(SIGKILL);
  stop_ = true;
  if (reader_.joinable()) reader_.join();
}

void ServiceProcess::ReadOutput(int fd) {
  std::ofstream log(log_path_, std::ios::binary | std::ios::app);
  std::string line;
  char buf[4096];
  while (!stop_) {
    pollfd pfd{fd, POLLIN, 0};
    const int rc = poll(&pfd, 1, 100);
    if (rc < 0 && errno == EINTR) continue;
    if (rc < 0) break;
    if (rc == 0) continue;
    const ssize_t n = read(fd, buf, sizeof(buf));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;  // EOF: the process (and any child holding the pipe) is gone
    log.write(buf, n);
    log.flush();
    line.append(buf, static_cast<size_t>(n));
    size_t nl;
    while ((nl = line.find('\n')) != std::string::npos) {
      const std::string one = line.substr(0, nl);
      line.erase(0, nl + 1);
      if (one.find("listening") == std::string::npos) continue;
      const nlohmann::json j = nlohmann::json::parse(one, nullptr, /*allow_exceptions=*/false);
      // A gRPC service logs its port as "grpc", the HTTP gateway as "http".
      const char* key = j.is_object() && j.contains("grpc") ? "grpc" : "http";
      if (j.is_object() && j.value("msg", "") == "listening" && j.contains(key) &&
          j[key].is_string()) {
        absl::MutexLock lock(&mu_);
        if (listening_address_.empty()) listening_address_ = j[key].get<std::string>();
      }
    }
  }
  close(fd);
  absl::MutexLock lock(&mu_);
  output_closed_ = true;
}

int ServiceProcess::port() const {
  const size_t colon = address_.rfind(':');
  return colon == std::string::npos ? 0 : std::atoi(address_.c_str() + colon + 1);
}

bool ServiceProcess::Reap(bool block) {
  if (status_.has_value()) return true;
  if (pid_ <= 0) return true;
  int status = 0;
  pid_t r;
  do {
    r = waitpid(pid_, &status, block ? 0 : WNOHANG);
  } while (r < 0 && errno == EINTR);
  if (r == pid_ || r < 0) {
    status_ = r == pid_ ? status : -1;
    return true;
  }
  return false;
}

void ServiceProcess::Kill(int signal) {
  if (Reap(false)) return;
  kill(pid_, signal);
  if (signal == SIGKILL) Reap(true);
}

void ServiceProcess::Terminate() {
  if (Reap(false)) return;
  kill(pid_, SIGTERM);
  const absl::Time deadline = absl::Now() + kTerminateWait;
  while (absl::Now() < deadline) {
    if (Reap(false)) return;
    absl::SleepFor(absl::Milliseconds(10));
  }
  Kill(SIGKILL);
}

bool ServiceProcess::Running() {
  return !Reap(false);
}

std::optional<int> ServiceProcess::exit_status() {
  Reap(false);
  return status_;
}

std::string ServiceProcess::Log() const {
  std::ifstream in(log_path_, std::ios::binary);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

// ---- BinaryPath ----

std::string BinaryPath(std::string_view name) {
  std::string dir;
  if (const char* env = std::getenv("PASAR_BIN_DIR"); env != nullptr && *env != '\0') {
    dir = env;
  } else {
    dir = std::string(PASAR_BUILD_DIR) + "/bin";
  }
  const std::string path = dir + "/" + std::string(name);
  if (!IsExecutable(path)) {
    throw std::runtime_error("testkit: " + path +
                             " is not an executable (build it first, or set PASAR_BIN_DIR)");
  }
  return path;
}

}  // namespace pasar::testkit
