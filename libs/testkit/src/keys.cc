#include "pasar/testkit/keys.h"

#include <fcntl.h>
#include <stdlib.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <stdexcept>
#include <system_error>

namespace pasar::testkit {
namespace {

void WriteFile(const std::string& path, const std::string& text, mode_t mode) {
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
  if (fd < 0) throw std::runtime_error("TestKeyFiles: cannot create " + path);
  const bool written = ::write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size());
  if (::close(fd) != 0 || !written) throw std::runtime_error("TestKeyFiles: cannot write " + path);
}

}  // namespace

TestKeyFiles::TestKeyFiles() {
  const char* tmp = std::getenv("TMPDIR");
  std::string pattern =
      std::string(tmp != nullptr && *tmp != '\0' ? tmp : "/tmp") + "/pasar-keys-XXXXXX";
  if (::mkdtemp(pattern.data()) == nullptr) {
    throw std::runtime_error("TestKeyFiles: mkdtemp failed for " + pattern);
  }
  dir_ = pattern;
}

TestKeyFiles::~TestKeyFiles() {
  std::error_code ignored;  // a destructor does not throw; a leftover folder is harmless
  std::filesystem::remove_all(dir_, ignored);
}

std::string TestKeyFiles::WriteJwks(const std::string& name,
                                    const std::vector<auth::SigningKey>& keys) const {
  const std::string path = dir_ + "/" + name;
  WriteFile(path + ".new", auth::JwkSet(keys), 0644);
  if (std::rename((path + ".new").c_str(), path.c_str()) != 0) {
    throw std::runtime_error("TestKeyFiles: cannot rename onto " + path);
  }
  return path;
}

std::string TestKeyFiles::WritePrivateKey(const std::string& name,
                                          const auth::SigningKey& key) const {
  const std::string path = dir_ + "/" + name;
  WriteFile(path, key.PrivateKeyPem(), 0600);
  return path;
}

}  // namespace pasar::testkit
