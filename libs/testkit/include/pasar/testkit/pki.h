// A throwaway public-key infrastructure for tests of TLS: made with the openssl command line
// (which must be on PATH), valid for a day, removed with its folder when the test ends.
#pragma once

#include <string>

namespace pasar::testkit {

// A fresh certificate authority and a server certificate (with its key) it signed for
// `server_name` (as subject CN and DNS subjectAltName), in a new folder $TMPDIR/pasar-pki-XXXXXX
// (else under /tmp). Two TestPki of the same name are two unrelated authorities: a client
// trusting one refuses the other's server. Throws std::runtime_error with openssl's output when
// a step fails, std::invalid_argument for a name that is not a DNS name.
class TestPki final {
 public:
  explicit TestPki(const std::string& server_name);
  TestPki(const TestPki&) = delete;
  TestPki& operator=(const TestPki&) = delete;
  ~TestPki();  // removes the folder and everything in it

  const std::string& dir() const { return dir_; }
  std::string ca_file() const { return dir_ + "/ca.pem"; }        // the root (PEM)
  std::string cert_file() const { return dir_ + "/server.pem"; }  // the server's certificate
  std::string key_file() const { return dir_ + "/server.key"; }   // its private key (PEM)

 private:
  std::string dir_;
};

}  // namespace pasar::testkit
