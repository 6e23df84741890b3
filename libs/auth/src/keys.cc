// Keys of the asymmetric JWS algorithms (ES256, EdDSA, RS256) with OpenSSL's EVP interface:
// JWK parsing, signature checks, signing keys, and the key files a Verifier re-reads.
#include "keys.h"

#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/obj_mac.h>
#include <openssl/objects.h>
#include <openssl/param_build.h>
#include <openssl/pem.h>
#include <openssl/sha.h>
#include <sys/stat.h>

#include <fstream>
#include <optional>
#include <set>
#include <sstream>
#include <stdexcept>

#include <nlohmann/json.hpp>

#include "absl/time/clock.h"

namespace pasar::auth {
namespace {

using Json = nlohmann::json;
using internal::PkeyPtr;

constexpr size_t kP256Bytes = 32;
constexpr size_t kEd25519Bytes = 32;
constexpr int kMinRsaBits = 2048;

// OpenSSL failures leave entries on the thread's error queue; drop them (the caller reports).
template <class T>
T Failed(T value) {
  ERR_clear_error();
  return value;
}

PkeyPtr Wrap(EVP_PKEY* key) {
  return PkeyPtr(key, EVP_PKEY_free);
}

struct BnFree {
  void operator()(BIGNUM* bn) const { BN_free(bn); }
};
using BnPtr = std::unique_ptr<BIGNUM, BnFree>;

BnPtr Bn(std::string_view bytes) {
  return BnPtr(BN_bin2bn(reinterpret_cast<const unsigned char*>(bytes.data()),
                         static_cast<int>(bytes.size()), nullptr));
}

// `bn` big-endian, left-padded with zeros to `width` bytes (0: minimal length).
std::string BnBytes(const BIGNUM* bn, int width = 0) {
  const int n = width > 0 ? width : BN_num_bytes(bn);
  std::string out(static_cast<size_t>(n), '\0');
  if (n > 0 && BN_bn2binpad(bn, reinterpret_cast<unsigned char*>(out.data()), n) != n) {
    throw std::runtime_error(Failed(std::string("BN_bn2binpad failed")));
  }
  return out;
}

std::string BnParam(const EVP_PKEY* key, const char* name, int width = 0) {
  BIGNUM* raw = nullptr;
  if (EVP_PKEY_get_bn_param(key, name, &raw) != 1) {
    throw std::runtime_error(Failed(std::string("cannot read key parameter ") + name));
  }
  BnPtr bn(raw);
  return BnBytes(bn.get(), width);
}

// The JWS alg of a key: "ES256" (EC on P-256), "EdDSA" (Ed25519), "RS256" (RSA >= 2048 bits);
// empty for anything else.
std::string AlgOf(EVP_PKEY* key) {
  switch (EVP_PKEY_get_base_id(key)) {
    case EVP_PKEY_EC: {
      char group[64] = {};
      size_t len = 0;
      if (EVP_PKEY_get_group_name(key, group, sizeof group, &len) != 1)
        return Failed(std::string());
      return OBJ_txt2nid(group) == NID_X9_62_prime256v1 ? "ES256" : "";
    }
    case EVP_PKEY_ED25519:
      return "EdDSA";
    case EVP_PKEY_RSA:
      return EVP_PKEY_get_bits(key) >= kMinRsaBits ? "RS256" : "";
    default:
      return "";
  }
}

PkeyPtr PublicFromData(const char* type, OSSL_PARAM* params) {
  EVP_PKEY_CTX* ctx = EVP_PKEY_CTX_new_from_name(nullptr, type, nullptr);
  EVP_PKEY* key = nullptr;
  const bool ok = ctx != nullptr && EVP_PKEY_fromdata_init(ctx) == 1 &&
                  EVP_PKEY_fromdata(ctx, &key, EVP_PKEY_PUBLIC_KEY, params) == 1;
  EVP_PKEY_CTX_free(ctx);
  if (!ok) {
    EVP_PKEY_free(key);
    return Failed(PkeyPtr());
  }
  return Wrap(key);
}

// A point not on the curve, a modulus that is not one: refused before any use.
bool PublicKeyValid(EVP_PKEY* key) {
  EVP_PKEY_CTX* ctx = EVP_PKEY_CTX_new_from_pkey(nullptr, key, nullptr);
  const bool ok = ctx != nullptr && EVP_PKEY_public_check(ctx) == 1;
  EVP_PKEY_CTX_free(ctx);
  return ok || Failed(false);
}

// A required base64url member of a JWK of `length` bytes (0: any non-empty length).
std::string Member(const Json& jwk, const char* name, size_t length, const std::string& kid) {
  auto it = jwk.find(name);
  std::optional<std::string> bytes;
  if (it != jwk.end() && it->is_string()) bytes = Base64UrlDecode(it->get<std::string>());
  if (!bytes || bytes->empty() || (length > 0 && bytes->size() != length)) {
    throw std::runtime_error("key " + kid + ": \"" + name + "\" must be base64url" +
                             (length > 0 ? " of " + std::to_string(length) + " bytes" : ""));
  }
  return *bytes;
}

std::string StringMember(const Json& jwk, const char* name) {
  auto it = jwk.find(name);
  return it != jwk.end() && it->is_string() ? it->get<std::string>() : std::string();
}

// The public members of a key as a JWK: kty, crv, x, y (EC); kty, crv, x (OKP); kty, n, e (RSA).
Json Members(EVP_PKEY* key, const std::string& alg) {
  if (alg == "ES256") {
    return Json{{"kty", "EC"},
                {"crv", "P-256"},
                {"x", Base64UrlEncode(BnParam(key, OSSL_PKEY_PARAM_EC_PUB_X, kP256Bytes))},
                {"y", Base64UrlEncode(BnParam(key, OSSL_PKEY_PARAM_EC_PUB_Y, kP256Bytes))}};
  }
  if (alg == "EdDSA") {
    unsigned char raw[kEd25519Bytes];
    size_t len = sizeof raw;
    if (EVP_PKEY_get_raw_public_key(key, raw, &len) != 1 || len != kEd25519Bytes) {
      throw std::runtime_error(Failed(std::string("cannot read the Ed25519 public key")));
    }
    return Json{{"kty", "OKP"},
                {"crv", "Ed25519"},
                {"x", Base64UrlEncode(std::string_view(reinterpret_cast<char*>(raw), len))}};
  }
  return Json{{"kty", "RSA"},
              {"n", Base64UrlEncode(BnParam(key, OSSL_PKEY_PARAM_RSA_N))},
              {"e", Base64UrlEncode(BnParam(key, OSSL_PKEY_PARAM_RSA_E))}};
}

// RFC 7638: SHA-256 over the required members in lexicographic order, without whitespace.
std::string ThumbprintOf(const Json& jwk) {
  const std::string kty = StringMember(jwk, "kty");
  std::vector<const char*> required;
  if (kty == "EC") {
    required = {"crv", "kty", "x", "y"};
  } else if (kty == "OKP") {
    required = {"crv", "kty", "x"};
  } else if (kty == "RSA") {
    required = {"e", "kty", "n"};
  } else {
    throw std::invalid_argument("no thumbprint for kty \"" + kty + "\"");
  }
  nlohmann::ordered_json canonical;  // keeps the order given, which is lexicographic here
  for (const char* name : required) {
    auto it = jwk.find(name);
    if (it == jwk.end() || !it->is_string()) {
      throw std::invalid_argument(std::string("JWK member \"") + name + "\" is missing");
    }
    canonical[name] = it->get<std::string>();
  }
  const std::string text = canonical.dump();
  unsigned char digest[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(text.data()), text.size(), digest);
  return Base64UrlEncode(std::string_view(reinterpret_cast<const char*>(digest), sizeof digest));
}

// The JWK's key as an EVP_PKEY and its alg; alg empty when the kind is not supported (skipped).
// Throws std::runtime_error for a malformed key of a supported kind.
std::pair<PkeyPtr, std::string> KeyOfJwk(const Json& jwk, const std::string& name) {
  const std::string kty = StringMember(jwk, "kty");
  const std::string crv = StringMember(jwk, "crv");
  if (kty == "EC" && crv == "P-256") {
    std::string point =
        "\x04" + Member(jwk, "x", kP256Bytes, name) + Member(jwk, "y", kP256Bytes, name);
    char group[] = "prime256v1";
    OSSL_PARAM params[] = {
        OSSL_PARAM_construct_utf8_string(OSSL_PKEY_PARAM_GROUP_NAME, group, 0),
        OSSL_PARAM_construct_octet_string(OSSL_PKEY_PARAM_PUB_KEY, point.data(), point.size()),
        OSSL_PARAM_construct_end()};
    PkeyPtr key = PublicFromData("EC", params);
    if (!key || !PublicKeyValid(key.get())) {
      throw std::runtime_error("key " + name + ": not a point of P-256");
    }
    return {key, "ES256"};
  }
  if (kty == "OKP" && crv == "Ed25519") {
    const std::string x = Member(jwk, "x", kEd25519Bytes, name);
    PkeyPtr key = Wrap(EVP_PKEY_new_raw_public_key(
        EVP_PKEY_ED25519, nullptr, reinterpret_cast<const unsigned char*>(x.data()), x.size()));
    if (!key) throw std::runtime_error(Failed("key " + name + ": not an Ed25519 public key"));
    return {key, "EdDSA"};
  }
  if (kty == "RSA") {
    BnPtr n = Bn(Member(jwk, "n", 0, name));
    BnPtr e = Bn(Member(jwk, "e", 0, name));
    OSSL_PARAM_BLD* build = OSSL_PARAM_BLD_new();
    OSSL_PARAM* params = nullptr;
    if (build != nullptr && n && e &&
        OSSL_PARAM_BLD_push_BN(build, OSSL_PKEY_PARAM_RSA_N, n.get()) &&
        OSSL_PARAM_BLD_push_BN(build, OSSL_PKEY_PARAM_RSA_E, e.get())) {
      params = OSSL_PARAM_BLD_to_param(build);
    }
    PkeyPtr key = params != nullptr ? PublicFromData("RSA", params) : nullptr;
    OSSL_PARAM_free(params);
    OSSL_PARAM_BLD_free(build);
    if (!key) throw std::runtime_error(Failed("key " + name + ": not an RSA public key"));
    if (EVP_PKEY_get_bits(key.get()) < kMinRsaBits) {
      throw std::runtime_error("key " + name + ": RSA keys need at least 2048 bits");
    }
    return {key, "RS256"};
  }
  return {nullptr, ""};
}

bool DigestVerify(EVP_PKEY* key, const EVP_MD* md, std::string_view data,
                  std::string_view signature) {
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  const bool ok =
      ctx != nullptr && EVP_DigestVerifyInit(ctx, nullptr, md, nullptr, key) == 1 &&
      EVP_DigestVerify(ctx, reinterpret_cast<const unsigned char*>(signature.data()),
                       signature.size(), reinterpret_cast<const unsigned char*>(data.data()),
                       data.size()) == 1;
  EVP_MD_CTX_free(ctx);
  return ok || Failed(false);
}

std::string DigestSign(EVP_PKEY* key, const EVP_MD* md, std::string_view data) {
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  size_t len = 0;
  std::string signature;
  bool ok = ctx != nullptr && EVP_DigestSignInit(ctx, nullptr, md, nullptr, key) == 1 &&
            EVP_DigestSign(ctx, nullptr, &len, reinterpret_cast<const unsigned char*>(data.data()),
                           data.size()) == 1;
  if (ok) {
    signature.resize(len);
    ok = EVP_DigestSign(ctx, reinterpret_cast<unsigned char*>(signature.data()), &len,
                        reinterpret_cast<const unsigned char*>(data.data()), data.size()) == 1;
    signature.resize(len);
  }
  EVP_MD_CTX_free(ctx);
  if (!ok) throw std::runtime_error(Failed(std::string("signing failed")));
  return signature;
}

// ES256 signatures are r||s (32 bytes each) in JWS and DER in OpenSSL.
std::optional<std::string> EcdsaJoseToDer(std::string_view jose) {
  if (jose.size() != 2 * kP256Bytes) return std::nullopt;
  ECDSA_SIG* sig = ECDSA_SIG_new();
  BIGNUM* r = BN_bin2bn(reinterpret_cast<const unsigned char*>(jose.data()), kP256Bytes, nullptr);
  BIGNUM* s = BN_bin2bn(reinterpret_cast<const unsigned char*>(jose.data()) + kP256Bytes,
                        kP256Bytes, nullptr);
  if (sig == nullptr || r == nullptr || s == nullptr || ECDSA_SIG_set0(sig, r, s) != 1) {
    BN_free(r);
    BN_free(s);
    ECDSA_SIG_free(sig);
    return Failed(std::optional<std::string>());
  }
  unsigned char* der = nullptr;
  const int len = i2d_ECDSA_SIG(sig, &der);
  ECDSA_SIG_free(sig);
  if (len <= 0) return Failed(std::optional<std::string>());
  std::string out(reinterpret_cast<char*>(der), static_cast<size_t>(len));
  OPENSSL_free(der);
  return out;
}

std::string EcdsaDerToJose(const std::string& der) {
  const unsigned char* p = reinterpret_cast<const unsigned char*>(der.data());
  ECDSA_SIG* sig = d2i_ECDSA_SIG(nullptr, &p, static_cast<long>(der.size()));
  if (sig == nullptr) throw std::runtime_error(Failed(std::string("bad ECDSA signature")));
  const BIGNUM* r = nullptr;
  const BIGNUM* s = nullptr;
  ECDSA_SIG_get0(sig, &r, &s);
  std::string out;
  try {
    out = BnBytes(r, kP256Bytes) + BnBytes(s, kP256Bytes);
  } catch (...) {
    ECDSA_SIG_free(sig);
    throw;
  }
  ECDSA_SIG_free(sig);
  return out;
}

// The private key must never be asked for a passphrase on a terminal.
int NoPassphrase(char* /*buf*/, int /*size*/, int /*rwflag*/, void* /*u*/) {
  return 0;
}

std::string ReadWholeFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error("cannot read " + path);
  std::stringstream text;
  text << in.rdbuf();
  if (in.bad()) throw std::runtime_error("cannot read " + path);
  return text.str();
}

}  // namespace

namespace internal {

const PublicKey* KeySet::Find(std::string_view kid) const {
  for (const PublicKey& key : keys) {
    if (key.kid == kid) return &key;
  }
  return nullptr;
}

KeySet ParseJwkSet(std::string_view json, std::vector<std::string>* skipped) {
  const Json set = Json::parse(json, nullptr, /*allow_exceptions=*/false);
  if (!set.is_object() || !set.contains("keys") || !set["keys"].is_array()) {
    throw std::runtime_error("not a JWK Set (a JSON object with a \"keys\" array)");
  }
  KeySet out;
  std::set<std::string> kids;
  int index = 0;
  for (const Json& jwk : set["keys"]) {
    const std::string where = "keys[" + std::to_string(index++) + "]";
    if (!jwk.is_object()) throw std::runtime_error(where + " is not an object");
    std::string kid = StringMember(jwk, "kid");
    const std::string name = kid.empty() ? where : "\"" + kid + "\"";
    // A verifier's file is readable by more people than a private key should be.
    for (const char* secret_member : {"d", "p", "q", "dp", "dq", "qi", "k"}) {
      if (jwk.contains(secret_member)) {
        throw std::runtime_error("key " + name + " holds private key material (\"" + secret_member +
                                 "\"): publish public keys only");
      }
    }
    const std::string use = StringMember(jwk, "use");
    if (jwk.contains("use") && use != "sig") {
      skipped->push_back("key " + name + ": use \"" + use + "\" is not for signatures");
      continue;
    }
    auto [key, alg] = KeyOfJwk(jwk, name);
    if (!key) {
      skipped->push_back("key " + name + ": kty \"" + StringMember(jwk, "kty") + "\" crv \"" +
                         StringMember(jwk, "crv") +
                         "\" is not supported (EC P-256, OKP Ed25519, RSA)");
      continue;
    }
    const std::string declared = StringMember(jwk, "alg");
    if (jwk.contains("alg") && declared != alg) {
      throw std::runtime_error("key " + name + ": alg \"" + declared + "\" does not fit its kty (" +
                               alg + ")");
    }
    if (kid.empty()) kid = ThumbprintOf(jwk);
    if (!kids.insert(kid).second) throw std::runtime_error("kid \"" + kid + "\" is used twice");
    out.keys.push_back({std::move(kid), std::move(alg), std::move(key)});
  }
  if (out.keys.empty()) throw std::runtime_error("no usable key (EC P-256, OKP Ed25519, RSA)");
  return out;
}

bool VerifySignature(const PublicKey& key, std::string_view alg, std::string_view signing_input,
                     std::string_view signature) {
  if (alg != key.alg) return false;
  if (alg == "ES256") {
    const std::optional<std::string> der = EcdsaJoseToDer(signature);
    return der && DigestVerify(key.key.get(), EVP_sha256(), signing_input, *der);
  }
  if (alg == "EdDSA") return DigestVerify(key.key.get(), nullptr, signing_input, signature);
  if (alg == "RS256") return DigestVerify(key.key.get(), EVP_sha256(), signing_input, signature);
  return false;
}

}  // namespace internal

// ---- SigningKey ----

SigningKey::SigningKey(std::shared_ptr<evp_pkey_st> key, std::string kid)
    : key_(std::move(key)), alg_(AlgOf(key_.get())), kid_(std::move(kid)) {
  if (alg_.empty()) {
    throw std::runtime_error(
        "unsupported key: EC P-256 (ES256), Ed25519 (EdDSA) or RSA of at least 2048 bits "
        "(RS256)");
  }
  if (kid_.empty()) kid_ = Thumbprint();
}

SigningKey SigningKey::Generate(std::string_view alg, std::string kid) {
  EVP_PKEY* key = nullptr;
  if (alg == "ES256") {
    key = EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256");
  } else if (alg == "EdDSA") {
    key = EVP_PKEY_Q_keygen(nullptr, nullptr, "ED25519");
  } else if (alg == "RS256") {
    key = EVP_PKEY_Q_keygen(nullptr, nullptr, "RSA", static_cast<size_t>(kMinRsaBits));
  } else {
    throw std::invalid_argument("alg must be ES256, EdDSA or RS256");
  }
  if (key == nullptr) throw std::runtime_error(Failed(std::string("key generation failed")));
  return SigningKey(Wrap(key), std::move(kid));
}

SigningKey SigningKey::FromPem(std::string_view pem, std::string kid) {
  BIO* bio = BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size()));
  EVP_PKEY* key =
      bio != nullptr ? PEM_read_bio_PrivateKey(bio, nullptr, NoPassphrase, nullptr) : nullptr;
  BIO_free(bio);
  if (key == nullptr) {
    throw std::runtime_error(Failed(
        std::string("not a PEM private key (unencrypted PKCS#8, or a traditional EC or RSA key)")));
  }
  return SigningKey(Wrap(key), std::move(kid));
}

SigningKey SigningKey::FromFile(const std::string& path, std::string kid) {
  try {
    return FromPem(ReadWholeFile(path), std::move(kid));
  } catch (const std::runtime_error& e) {
    throw std::runtime_error(path + ": " + e.what());
  }
}

std::string SigningKey::PrivateKeyPem() const {
  BIO* bio = BIO_new(BIO_s_mem());
  std::string out;
  if (bio != nullptr &&
      PEM_write_bio_PrivateKey(bio, key_.get(), nullptr, nullptr, 0, nullptr, nullptr) == 1) {
    char* data = nullptr;
    const long len = BIO_get_mem_data(bio, &data);
    out.assign(data, static_cast<size_t>(len));
  }
  BIO_free(bio);
  if (out.empty()) throw std::runtime_error(Failed(std::string("cannot write the key as PEM")));
  return out;
}

std::string SigningKey::PublicJwk() const {
  Json jwk = Members(key_.get(), alg_);
  jwk["kid"] = kid_;
  jwk["alg"] = alg_;
  jwk["use"] = "sig";
  return jwk.dump();
}

std::string SigningKey::Thumbprint() const {
  return ThumbprintOf(Members(key_.get(), alg_));
}

std::string JwkThumbprint(std::string_view jwk_json) {
  const Json jwk = Json::parse(jwk_json, nullptr, /*allow_exceptions=*/false);
  if (!jwk.is_object()) throw std::invalid_argument("not a JWK (a JSON object)");
  return ThumbprintOf(jwk);
}

std::string SigningKey::Sign(std::string_view header_json, std::string_view payload_json) const {
  std::string token = Base64UrlEncode(header_json) + "." + Base64UrlEncode(payload_json);
  std::string signature;
  if (alg_ == "ES256") {
    signature = EcdsaDerToJose(DigestSign(key_.get(), EVP_sha256(), token));
  } else if (alg_ == "EdDSA") {
    signature = DigestSign(key_.get(), nullptr, token);
  } else {
    signature = DigestSign(key_.get(), EVP_sha256(), token);
  }
  token += ".";
  token += Base64UrlEncode(signature);
  return token;
}

std::string JwkSet(const std::vector<SigningKey>& keys) {
  Json set{{"keys", Json::array()}};
  for (const SigningKey& key : keys)
    set["keys"].push_back(Json::parse(key.PublicJwk()));
  return set.dump(2) + "\n";
}

// ---- Verifier::SignatureCache ----

namespace {

std::string TokenDigest(std::string_view token) {
  std::string digest(SHA256_DIGEST_LENGTH, '\0');
  SHA256(reinterpret_cast<const unsigned char*>(token.data()), token.size(),
         reinterpret_cast<unsigned char*>(digest.data()));
  return digest;
}

}  // namespace

std::optional<internal::KeyScope> Verifier::SignatureCache::Find(
    std::string_view token, const std::shared_ptr<const internal::KeySet>& people,
    const std::shared_ptr<const internal::KeySet>& service) {
  const std::string digest = TokenDigest(token);
  absl::MutexLock lock(&mu_);
  auto it = entries_.find(digest);
  if (it == entries_.end()) return std::nullopt;
  const Entry& entry = it->second;
  const auto& current = entry.scope == internal::KeyScope::kPeople ? people : service;
  if (current == nullptr || entry.set != current) {
    entries_.erase(it);  // verified by a set since replaced: verify again
    return std::nullopt;
  }
  return entry.scope;
}

void Verifier::SignatureCache::Insert(std::string_view token,
                                      std::shared_ptr<const internal::KeySet> set,
                                      internal::KeyScope scope) {
  std::string digest = TokenDigest(token);
  absl::MutexLock lock(&mu_);
  if (entries_.size() >= kMaxEntries) entries_.clear();
  entries_.insert_or_assign(std::move(digest), Entry{std::move(set), scope});
}

// ---- Verifier::KeyFile ----

bool Verifier::KeyFile::Stamp::operator==(const Stamp& other) const {
  return dev == other.dev && ino == other.ino && size == other.size &&
         mtime.tv_sec == other.mtime.tv_sec && mtime.tv_nsec == other.mtime.tv_nsec &&
         ctime.tv_sec == other.ctime.tv_sec && ctime.tv_nsec == other.ctime.tv_nsec;
}

Verifier::KeyFile::KeyFile(std::string path, absl::Duration check_interval)
    : path_(std::move(path)), check_interval_(check_interval) {
  absl::MutexLock lock(&mu_);
  keys_ = Read(&stamp_);
  next_check_ = absl::Now() + check_interval_;
}

std::shared_ptr<const internal::KeySet> Verifier::KeyFile::Read(Stamp* stamp) const {
  struct stat st {};
  if (::stat(path_.c_str(), &st) != 0) throw std::runtime_error("cannot read " + path_);
  *stamp = Stamp{st.st_dev, st.st_ino, st.st_size, st.st_mtim, st.st_ctim};
  std::vector<std::string> skipped;
  std::shared_ptr<const internal::KeySet> keys;
  try {
    keys = std::make_shared<const internal::KeySet>(
        internal::ParseJwkSet(ReadWholeFile(path_), &skipped));
  } catch (const std::runtime_error& e) {
    throw std::runtime_error(path_ + ": " + e.what());
  }
  for (const std::string& why : skipped)
    log::Log("warn", "JWK skipped", {{"file", path_}, {"why", why}});
  std::string kids;
  for (const internal::PublicKey& key : keys->keys)
    kids += (kids.empty() ? "" : ",") + key.kid;
  log::Log("info", "token keys loaded", {{"file", path_}, {"kids", kids}});
  return keys;
}

std::shared_ptr<const internal::KeySet> Verifier::KeyFile::Keys(bool check_now) {
  absl::MutexLock lock(&mu_);
  const absl::Time now = absl::Now();
  if (!check_now && now < next_check_) return keys_;
  next_check_ = now + check_interval_;
  struct stat st {};
  if (::stat(path_.c_str(), &st) != 0) {
    // A file being replaced may be missing for a moment; the keys read before stay.
    return keys_;
  }
  const Stamp current{st.st_dev, st.st_ino, st.st_size, st.st_mtim, st.st_ctim};
  if (current == stamp_) return keys_;
  try {
    Stamp read_stamp;
    keys_ = Read(&read_stamp);
    stamp_ = read_stamp;
  } catch (const std::exception& e) {
    // Logged once per version of the file: the next change is read again.
    stamp_ = current;
    log::Log("error", "token keys not reloaded, keeping the previous ones",
             {{"file", path_}, {"error", e.what()}});
  }
  return keys_;
}

}  // namespace pasar::auth
