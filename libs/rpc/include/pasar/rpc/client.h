// Channels from one Pasar process to another (the order service to inventory, the tools to the
// services): plaintext by default, TLS when a root certificate is given.
#pragma once

#include <memory>
#include <string>

#include <grpcpp/channel.h>
#include <grpcpp/support/channel_arguments.h>

namespace pasar::rpc {

struct ClientTls {
  // PEM file of the root certificate(s) the server's certificate must chain to; empty: plaintext.
  std::string ca_file;
  // The name the server's certificate must carry when it differs from the address's host (an
  // address by IP, a certificate by name); empty: the address's host.
  std::string server_name;
};

// A channel to `address` ("host:port"); TLS when `tls.ca_file` is set (throws
// std::runtime_error naming the file when it cannot be read). `args` are passed on.
std::shared_ptr<grpc::Channel> Dial(const std::string& address, const ClientTls& tls = {},
                                    grpc::ChannelArguments args = {});

}  // namespace pasar::rpc
