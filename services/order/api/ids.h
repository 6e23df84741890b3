// Identifiers, secrets and fingerprints of the order service (OpenSSL's CSPRNG and SHA-256).
#pragma once

#include <string>
#include <string_view>

namespace pasar::order {

// A random (version 4) UUID.
std::string RandomUuid();

// The order id of a PlaceOrder request: a UUID (version 8, name-based on SHA-256) derived from
// the customer and the request id, so every duplicate of one request names the same order and
// inventory's idempotency on that id holds across retries and instances.
std::string DeriveOrderId(std::string_view customer, std::string_view request_id);

// `digits` uniformly random decimal digits ("0042"), for pickup codes and delivery PINs.
std::string RandomDigits(int digits);

// Lower-case hex SHA-256 of `bytes` (request fingerprints for idempotency).
std::string Sha256Hex(std::string_view bytes);

// True for a canonical textual UUID (36 characters, hex and dashes).
bool IsUuid(std::string_view text);

}  // namespace pasar::order
