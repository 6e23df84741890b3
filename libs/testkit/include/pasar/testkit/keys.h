// Token keys for tests of services that verify public-key tokens (README, "Security"): the files
// the services and tools read, in a folder removed with the object. Keys themselves come from
// pasar::auth::SigningKey::Generate (OpenSSL).
#pragma once

#include <string>
#include <vector>

#include "pasar/auth/auth.h"

namespace pasar::testkit {

// A folder $TMPDIR/pasar-keys-XXXXXX (else under /tmp) for JWK Set and private key files.
class TestKeyFiles final {
 public:
  TestKeyFiles();
  TestKeyFiles(const TestKeyFiles&) = delete;
  TestKeyFiles& operator=(const TestKeyFiles&) = delete;
  ~TestKeyFiles();  // removes the folder and everything in it

  const std::string& dir() const { return dir_; }
  // Writes the JWK Set of `keys`' public halves to dir/name through a new file renamed over the
  // old one (as a deployment rotates keys); returns the path.
  std::string WriteJwks(const std::string& name, const std::vector<auth::SigningKey>& keys) const;
  // Writes `key` as a PEM private key to dir/name (mode 0600); returns the path.
  std::string WritePrivateKey(const std::string& name, const auth::SigningKey& key) const;

 private:
  std::string dir_;
};

}  // namespace pasar::testkit
