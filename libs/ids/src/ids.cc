#include "pasar/ids/ids.h"

#include <openssl/hmac.h>
#include <openssl/rand.h>
#include <openssl/sha.h>

#include <array>
#include <cstdint>
#include <stdexcept>

namespace pasar::ids {
namespace {

void Random(uint8_t* out, size_t n) {
  if (RAND_bytes(out, static_cast<int>(n)) != 1) throw std::runtime_error("RAND_bytes failed");
}

std::string Hex(const uint8_t* b, size_t n) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string s;
  s.reserve(2 * n);
  for (size_t i = 0; i < n; ++i) {
    s.push_back(kHex[b[i] >> 4]);
    s.push_back(kHex[b[i] & 0xf]);
  }
  return s;
}

std::string FormatUuid(const uint8_t* b) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string s;
  s.reserve(36);
  for (int i = 0; i < 16; ++i) {
    if (i == 4 || i == 6 || i == 8 || i == 10) s.push_back('-');
    s.push_back(kHex[b[i] >> 4]);
    s.push_back(kHex[b[i] & 0xf]);
  }
  return s;
}

std::array<uint8_t, SHA256_DIGEST_LENGTH> Sha256(std::string_view bytes) {
  std::array<uint8_t, SHA256_DIGEST_LENGTH> digest{};
  SHA256(reinterpret_cast<const unsigned char*>(bytes.data()), bytes.size(), digest.data());
  return digest;
}

}  // namespace

std::string RandomUuid() {
  uint8_t b[16];
  Random(b, sizeof b);
  b[6] = static_cast<uint8_t>((b[6] & 0x0f) | 0x40);
  b[8] = static_cast<uint8_t>((b[8] & 0x3f) | 0x80);
  return FormatUuid(b);
}

std::string NameUuid(std::string_view name) {
  auto d = Sha256(name);
  d[6] = static_cast<uint8_t>((d[6] & 0x0f) | 0x80);
  d[8] = static_cast<uint8_t>((d[8] & 0x3f) | 0x80);
  return FormatUuid(d.data());
}

std::string RandomDigits(int digits) {
  std::string out;
  while (static_cast<int>(out.size()) < digits) {
    uint8_t b;
    Random(&b, 1);
    if (b >= 250) continue;  // rejection keeps the digits uniform
    out.push_back(static_cast<char>('0' + b % 10));
  }
  return out;
}

std::string Sha256Hex(std::string_view bytes) {
  const auto d = Sha256(bytes);
  return Hex(d.data(), d.size());
}

std::string HmacSha256Hex(std::string_view key, std::string_view bytes) {
  std::array<uint8_t, 32> d{};
  unsigned int len = 0;
  if (HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()),
           reinterpret_cast<const unsigned char*>(bytes.data()), bytes.size(), d.data(),
           &len) == nullptr ||
      len != d.size()) {
    throw std::runtime_error("HMAC-SHA256 failed");
  }
  return Hex(d.data(), d.size());
}

bool IsUuid(std::string_view t) {
  if (t.size() != 36) return false;
  for (size_t i = 0; i < t.size(); ++i) {
    const char c = t[i];
    if (i == 8 || i == 13 || i == 18 || i == 23) {
      if (c != '-') return false;
    } else if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'))) {
      return false;
    }
  }
  return true;
}

std::optional<std::string> CanonicalUuid(std::string_view text) {
  if (!IsUuid(text)) return std::nullopt;
  std::string out(text);
  for (char& c : out) {
    if (c >= 'A' && c <= 'F') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

}  // namespace pasar::ids
