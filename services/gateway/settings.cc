#include "settings.h"

#include <stdexcept>

namespace pasar::gateway {

Settings SettingsFrom(const rpc::ServerConfig& config) {
  Settings s;
  s.listen = config.listen;
  s.inventory_addr = config.Extra("inventory_addr");
  s.order_addr = config.Extra("order_addr");
  s.dispatch_addr = config.Extra("dispatch_addr");
  s.reporting_addr = config.Extra("reporting_addr");
  if (s.inventory_addr.empty() && s.order_addr.empty() && s.dispatch_addr.empty() &&
      s.reporting_addr.empty()) {
    throw std::invalid_argument(
        "no service to serve: set PASAR_INVENTORY_ADDR, PASAR_ORDER_ADDR, PASAR_DISPATCH_ADDR "
        "and/or PASAR_REPORTING_ADDR");
  }
  s.tls.ca_file = config.Extra("tls_ca_file");
  s.tls.server_name = config.Extra("tls_server_name");
  s.threads = static_cast<int>(config.ExtraInt("http_threads", s.threads, 4, 4096));
  s.deadline = config.deadline_cap;
  s.max_body_bytes = config.max_message_bytes;
  s.tls_cert_file = config.tls_cert_file;
  s.tls_key_file = config.tls_key_file;
  return s;
}

}  // namespace pasar::gateway
