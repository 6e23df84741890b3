// pasar-gateway's settings (README, "HTTP and JSON"), read once by main.cpp.
#pragma once

#include <string>

#include "absl/time/time.h"
#include "pasar/rpc/client.h"
#include "pasar/rpc/server.h"

namespace pasar::gateway {

struct Settings {
  std::string listen;  // PASAR_LISTEN: the HTTP host:port (port 0 picks one, logged)
  // PASAR_INVENTORY_ADDR, PASAR_ORDER_ADDR, PASAR_DISPATCH_ADDR, PASAR_REPORTING_ADDR: the
  // services whose RPCs are served; a service without an address is not served.
  std::string inventory_addr, order_addr, dispatch_addr, reporting_addr;
  rpc::ClientTls tls;                           // PASAR_TLS_CA_FILE, PASAR_TLS_SERVER_NAME
  int threads = 64;                             // PASAR_HTTP_THREADS: connections served at once
  absl::Duration deadline = absl::Seconds(30);  // PASAR_DEADLINE_CAP_SECONDS: unary calls
  int max_body_bytes = 4 << 20;                 // PASAR_MAX_MESSAGE_BYTES
  std::string tls_cert_file, tls_key_file;      // PASAR_TLS_CERT_FILE/_KEY_FILE: serve HTTPS
};

// Throws std::invalid_argument naming the setting when one is malformed, or when no service has
// an address.
Settings SettingsFrom(const rpc::ServerConfig& config);

}  // namespace pasar::gateway
