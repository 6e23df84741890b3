#include "pasar/testkit/pki.h"

#include <stdlib.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <system_error>

namespace pasar::testkit {
namespace {

// Letters, digits, dots and hyphens only: the name goes into a shell command and a certificate.
bool IsDnsName(const std::string& name) {
  if (name.empty()) return false;
  for (const char c : name) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                    c == '.' || c == '-';
    if (!ok) return false;
  }
  return true;
}

std::string ReadAll(const std::string& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

// Runs one openssl step in `dir` (its output appended to dir/openssl.log); throws with that log
// when the step fails.
void Openssl(const std::string& dir, const std::string& step, const std::string& arguments) {
  const std::string log = dir + "/openssl.log";
  const std::string command = "cd '" + dir + "' && openssl " + arguments + " >>openssl.log 2>&1";
  if (std::system(command.c_str()) != 0) {
    throw std::runtime_error("TestPki: openssl " + step + " failed:\n" + ReadAll(log));
  }
}

}  // namespace

TestPki::TestPki(const std::string& server_name) {
  if (!IsDnsName(server_name)) {
    throw std::invalid_argument("TestPki: not a DNS name: '" + server_name + "'");
  }
  const char* tmp = std::getenv("TMPDIR");
  std::string pattern =
      std::string(tmp != nullptr && *tmp != '\0' ? tmp : "/tmp") + "/pasar-pki-XXXXXX";
  // The folder is quoted in shell commands.
  if (pattern.find('\'') != std::string::npos) {
    throw std::runtime_error("TestPki: TMPDIR holds a quote: " + pattern);
  }
  if (::mkdtemp(pattern.data()) == nullptr) {
    throw std::runtime_error("TestPki: mkdtemp failed for " + pattern);
  }
  dir_ = pattern;
  try {
    Openssl(dir_, "making the authority",
            "req -x509 -newkey rsa:2048 -nodes -days 1 -subj /CN=pasar-test-ca"
            " -keyout ca.key -out ca.pem");
    Openssl(dir_, "making the server's request",
            "req -newkey rsa:2048 -nodes -subj /CN=" + server_name +
                " -keyout server.key -out server.csr");
    // gRPC checks the name against the subjectAltName, not the CN.
    std::ofstream(dir_ + "/ext.cnf") << "subjectAltName=DNS:" << server_name << "\n";
    Openssl(dir_, "signing the server's certificate",
            "x509 -req -days 1 -in server.csr -CA ca.pem -CAkey ca.key -CAcreateserial"
            " -extfile ext.cnf -out server.pem");
  } catch (...) {
    std::error_code ignored;
    std::filesystem::remove_all(dir_, ignored);
    throw;
  }
}

TestPki::~TestPki() {
  std::error_code ignored;  // a destructor does not throw; a leftover folder is harmless
  std::filesystem::remove_all(dir_, ignored);
}

}  // namespace pasar::testkit
