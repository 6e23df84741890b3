#include "pasar/rpc/client.h"

#include <fstream>
#include <sstream>
#include <stdexcept>

#include <grpcpp/create_channel.h>
#include <grpcpp/security/credentials.h>

#include "runtime.h"

namespace pasar::rpc {

namespace internal {

std::string ReadFile(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw std::runtime_error("cannot read " + path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

}  // namespace internal

std::shared_ptr<grpc::Channel> Dial(const std::string& address, const ClientTls& tls,
                                    grpc::ChannelArguments args) {
  if (tls.ca_file.empty()) {
    return grpc::CreateCustomChannel(address, grpc::InsecureChannelCredentials(), args);
  }
  grpc::SslCredentialsOptions options;
  options.pem_root_certs = internal::ReadFile(tls.ca_file);
  if (!tls.server_name.empty()) args.SetSslTargetNameOverride(tls.server_name);
  return grpc::CreateCustomChannel(address, grpc::SslCredentials(options), args);
}

void Prepare(grpc::ClientContext& ctx, std::string_view token,
             std::chrono::system_clock::time_point deadline) {
  if (!token.empty()) ctx.AddMetadata("authorization", "Bearer " + std::string(token));
  ctx.set_deadline(deadline);
}

std::string ErrorReason(const grpc::ClientContext& ctx) {
  const auto& trailers = ctx.GetServerTrailingMetadata();
  const auto it = trailers.find(kErrorReasonKey);
  return it == trailers.end() ? "" : std::string(it->second.data(), it->second.size());
}

}  // namespace pasar::rpc
