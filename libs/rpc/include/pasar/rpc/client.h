// Channels from one Pasar process to another (the order service to inventory, the tools to the
// services): plaintext by default, TLS when a root certificate is given.
#pragma once

#include <chrono>
#include <memory>
#include <string>
#include <string_view>

#include <grpcpp/channel.h>
#include <grpcpp/client_context.h>
#include <grpcpp/support/channel_arguments.h>

#include "pasar/rpc/metadata.h"

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

// Readies `ctx` for one call: "authorization: Bearer <token>" (nothing when `token` is empty)
// and the deadline.
void Prepare(grpc::ClientContext& ctx, std::string_view token,
             std::chrono::system_clock::time_point deadline);

// The refusal reason (kErrorReasonKey) the server sent with a finished call's trailers, or "".
std::string ErrorReason(const grpc::ClientContext& ctx);

}  // namespace pasar::rpc
