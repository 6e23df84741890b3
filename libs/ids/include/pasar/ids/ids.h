// Identifiers, secrets and fingerprints (OpenSSL's CSPRNG and SHA-256). Pure apart from the
// random source; no domain types.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace pasar::ids {

// A random (version 4) UUID in canonical lower-case form.
std::string RandomUuid();

// A name-based UUID (version 8, from SHA-256 of `name`): the same name always gives the same id,
// so callers can derive an idempotent id from a request key.
std::string NameUuid(std::string_view name);

// `digits` uniformly random decimal digits ("0042"), for pickup codes and PINs.
std::string RandomDigits(int digits);

// Lower-case hex SHA-256 of `bytes` (request fingerprints for idempotency).
std::string Sha256Hex(std::string_view bytes);

// Lower-case hex HMAC-SHA256 of `bytes` under `key` (keyed hashes of personal numbers, which
// must not be guessable from the hash without the key).
std::string HmacSha256Hex(std::string_view key, std::string_view bytes);

// True for a textual UUID: 36 characters, dashes at 8, 13, 18 and 23, hex digits of either case
// elsewhere.
bool IsUuid(std::string_view text);

// The canonical (lower-case) spelling of a textual UUID of either case; nullopt when `text` is
// not one (IsUuid). Ids are canonicalised once, at the edge (the `stalls` claim of a token, the id
// fields of a request), so that code behind it compares them as plain strings.
std::optional<std::string> CanonicalUuid(std::string_view text);

}  // namespace pasar::ids
