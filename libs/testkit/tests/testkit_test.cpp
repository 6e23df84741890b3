// pasar::testkit without servers: ServiceProcess (with /bin/sh as the "service"), BinaryPath,
// UniqueRedisPrefix, RequireEnv, TestPki.
#include <catch2/catch.hpp>

#include <sys/wait.h>

#include <cstdlib>
#include <filesystem>
#include <set>
#include <stdexcept>
#include <string>

#include "pasar/testkit/pki.h"
#include "pasar/testkit/testkit.h"

using pasar::testkit::ServiceProcess;

namespace {

// A fake service: logs a line, then the listening line with the address from its environment.
constexpr char kFakeService[] =
    "echo \"starting, inherited=$TESTKIT_INHERITED\" >&2; "
    "echo \"{\\\"level\\\":\\\"info\\\",\\\"msg\\\":\\\"listening\\\",\\\"service\\\":\\\"fake\\\","
    "\\\"grpc\\\":\\\"$FAKE_LISTEN\\\"}\" >&2; "
    "exec sleep 60";

}  // namespace

TEST_CASE("ServiceProcess reads the address from the listening line") {
  REQUIRE(setenv("TESTKIT_INHERITED", "yes", 1) == 0);
  ServiceProcess service("/bin/sh", {{"FAKE_LISTEN", "127.0.0.1:4567"}}, {"-c", kFakeService});
  CHECK(service.address() == "127.0.0.1:4567");
  CHECK(service.port() == 4567);
  CHECK(service.Running());
  CHECK(std::filesystem::exists(service.log_path()));
  const std::string log = service.Log();
  CHECK(log.find("starting, inherited=yes") != std::string::npos);  // current env is kept
  CHECK(log.find("\"msg\":\"listening\"") != std::string::npos);

  SECTION("Terminate stops it with SIGTERM") {
    service.Terminate();
    CHECK_FALSE(service.Running());
    REQUIRE(service.exit_status().has_value());
    CHECK(WIFSIGNALED(*service.exit_status()));
    CHECK(WTERMSIG(*service.exit_status()) == SIGTERM);
  }
  SECTION("Kill stops it with SIGKILL") {
    service.Kill();
    CHECK_FALSE(service.Running());
    REQUIRE(service.exit_status().has_value());
    CHECK(WTERMSIG(*service.exit_status()) == SIGKILL);
  }
}

TEST_CASE("ServiceProcess fails with the log when the service exits before listening") {
  try {
    ServiceProcess service("/bin/sh", {}, {"-c", "echo 'cannot bind: address in use' >&2; exit 3"});
    FAIL("the constructor must throw");
  } catch (const std::runtime_error& e) {
    CHECK(std::string(e.what()).find("cannot bind: address in use") != std::string::npos);
  }
}

TEST_CASE("ServiceProcess ignores lines that are not the listening JSON line") {
  ServiceProcess service(
      "/bin/sh", {},
      {"-c",
       "echo 'not json but listening' >&2; echo '{\"msg\":\"listening soon\"}' >&2; "
       "echo '{\"msg\":\"listening\",\"grpc\":\"[::1]:50051\"}' >&2; exec sleep 60"});
  CHECK(service.address() == "[::1]:50051");
  CHECK(service.port() == 50051);
}

TEST_CASE("BinaryPath prefers PASAR_BIN_DIR and checks the file") {
  REQUIRE(setenv("PASAR_BIN_DIR", "/bin", 1) == 0);
  CHECK(pasar::testkit::BinaryPath("sh") == "/bin/sh");
  CHECK_THROWS_AS(pasar::testkit::BinaryPath("no-such-binary-pasar"), std::runtime_error);
  REQUIRE(unsetenv("PASAR_BIN_DIR") == 0);
  try {
    pasar::testkit::BinaryPath("pasar-no-such-service");
    FAIL("must throw");
  } catch (const std::runtime_error& e) {
    CHECK(std::string(e.what()).find("/bin/pasar-no-such-service") != std::string::npos);
  }
}

TEST_CASE("UniqueRedisPrefix and RequireEnv") {
  std::set<std::string> prefixes;
  for (int i = 0; i < 100; ++i)
    prefixes.insert(pasar::testkit::UniqueRedisPrefix());
  CHECK(prefixes.size() == 100);
  const std::string p = *prefixes.begin();
  CHECK(p.front() == 't');
  CHECK(p.back() == ':');

  REQUIRE(setenv("TESTKIT_PRESENT", "value", 1) == 0);
  CHECK(pasar::testkit::RequireEnv("TESTKIT_PRESENT") == "value");
  CHECK_THROWS_AS(pasar::testkit::RequireEnv("TESTKIT_SURELY_MISSING"), std::runtime_error);
}

TEST_CASE("TestPki signs a server certificate only its own root verifies, and cleans up") {
  std::string dir;
  {
    const pasar::testkit::TestPki pki("pasar.test");
    const pasar::testkit::TestPki other("pasar.test");
    dir = pki.dir();
    for (const std::string& file : {pki.ca_file(), pki.cert_file(), pki.key_file()}) {
      INFO(file);
      CHECK(std::filesystem::file_size(file) > 0);
    }
    const auto verify = [&](const std::string& root) {
      return std::system(("openssl verify -verify_hostname pasar.test -CAfile " + root + " " +
                          pki.cert_file() + " >/dev/null 2>&1")
                             .c_str());
    };
    CHECK(verify(pki.ca_file()) == 0);
    CHECK(verify(other.ca_file()) != 0);
  }
  CHECK_FALSE(std::filesystem::exists(dir));
  CHECK_THROWS_AS(pasar::testkit::TestPki("pasar.test; rm -rf /"), std::invalid_argument);
}
