// Internals of libs/auth shared by auth.cc (tokens) and keys.cc (keys, OpenSSL EVP).
#pragma once

#include <sys/types.h>

#include <ctime>
#include <initializer_list>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "pasar/auth/auth.h"
#include "pasar/log/log.h"

namespace pasar::auth {
namespace internal {

using PkeyPtr = std::shared_ptr<evp_pkey_st>;

// One public key of a JWK Set: its kid and the JWS alg it verifies ("ES256", "EdDSA", "RS256").
struct PublicKey {
  std::string kid;
  std::string alg;
  PkeyPtr key;
};

// Which set a key belongs to: the people's (PASAR_JWT_JWKS_FILE) or the service set.
enum class KeyScope { kPeople, kService };

struct KeySet {
  std::vector<PublicKey> keys;
  // The key named `kid`, or null.
  const PublicKey* Find(std::string_view kid) const;
};

// Parses a JWK Set ({"keys":[...]}). Keys that are not for signatures ("use" other than "sig")
// or of a kind not supported (another kty or curve) are skipped and described in `skipped`.
// Throws std::runtime_error for malformed JSON, a malformed supported key, a key holding private
// material, a duplicate kid, or a set without one usable key.
KeySet ParseJwkSet(std::string_view json, std::vector<std::string>* skipped);

// True when `signature` (the JWS form: r||s for ES256) is a valid signature of `signing_input`
// by `key` under `alg`.
bool VerifySignature(const PublicKey& key, std::string_view alg, std::string_view signing_input,
                     std::string_view signature);

}  // namespace internal

// Tokens whose public-key signature verified, with the key set that verified them (an ES256 or
// EdDSA check costs 50-80 us of CPU; a client sends the same token many times). An entry counts
// only while its set is still the current one of its file: a reload (a key removed) makes every
// entry of the old set stale. Keyed by SHA-256 of the whole token; bounded (cleared when full).
// Thread-safe.
class Verifier::SignatureCache final {
 public:
  // The scope of the set that verified `token`, when that set is `people` or `service` (the
  // current sets).
  std::optional<internal::KeyScope> Find(std::string_view token,
                                         const std::shared_ptr<const internal::KeySet>& people,
                                         const std::shared_ptr<const internal::KeySet>& service);
  void Insert(std::string_view token, std::shared_ptr<const internal::KeySet> set,
              internal::KeyScope scope);

 private:
  static constexpr size_t kMaxEntries = 8192;
  struct Entry {
    // Held, so that its address is not reused by a later set while the entry exists.
    std::shared_ptr<const internal::KeySet> set;
    internal::KeyScope scope;
  };
  absl::Mutex mu_;
  absl::flat_hash_map<std::string, Entry> entries_ ABSL_GUARDED_BY(mu_);
};

// A JWK Set file and the keys last read from it. Thread-safe.
class Verifier::KeyFile final {
 public:
  // Reads the file now: throws std::runtime_error naming it when it cannot be read or parsed.
  KeyFile(std::string path, absl::Duration check_interval);

  // The current keys. The file is checked for a change (device, inode, size, mtime, ctime) when
  // `check_now` or once check_interval has passed since the last check, and re-read when it
  // changed; a version that cannot be read or parsed is logged once and the keys read before
  // are kept.
  std::shared_ptr<const internal::KeySet> Keys(bool check_now);
  const std::string& path() const { return path_; }

 private:
  struct Stamp {
    dev_t dev = 0;
    ino_t ino = 0;
    off_t size = -1;
    timespec mtime{};
    timespec ctime{};
    bool operator==(const Stamp& other) const;
  };
  // Reads and parses the file; throws std::runtime_error.
  std::shared_ptr<const internal::KeySet> Read(Stamp* stamp) const;

  const std::string path_;
  const absl::Duration check_interval_;
  absl::Mutex mu_;
  std::shared_ptr<const internal::KeySet> keys_ ABSL_GUARDED_BY(mu_);
  Stamp stamp_ ABSL_GUARDED_BY(mu_);
  absl::Time next_check_ ABSL_GUARDED_BY(mu_);
};

}  // namespace pasar::auth
