#include "pasar/town/api.h"

#include <cstdlib>

#include "absl/strings/str_cat.h"
#include "pasar/town/flags.h"

namespace pasar::town {
namespace {

std::string EnvOr(const char* name, const char* fallback) {
  const char* v = std::getenv(name);
  return (v != nullptr && *v != '\0') ? v : fallback;
}

// Every tool connection: keepalive pings every 30 s, answers up to 16 MiB (gRPC's default: 4).
grpc::ChannelArguments ChannelArgs() {
  grpc::ChannelArguments args;
  args.SetInt(GRPC_ARG_KEEPALIVE_TIME_MS, 30000);
  args.SetMaxReceiveMessageSize(16 << 20);
  return args;
}

std::string_view CodeName(grpc::StatusCode code) {
  switch (code) {
    case grpc::OK:
      return "OK";
    case grpc::CANCELLED:
      return "CANCELLED";
    case grpc::UNKNOWN:
      return "UNKNOWN";
    case grpc::INVALID_ARGUMENT:
      return "INVALID_ARGUMENT";
    case grpc::DEADLINE_EXCEEDED:
      return "DEADLINE_EXCEEDED";
    case grpc::NOT_FOUND:
      return "NOT_FOUND";
    case grpc::ALREADY_EXISTS:
      return "ALREADY_EXISTS";
    case grpc::PERMISSION_DENIED:
      return "PERMISSION_DENIED";
    case grpc::RESOURCE_EXHAUSTED:
      return "RESOURCE_EXHAUSTED";
    case grpc::FAILED_PRECONDITION:
      return "FAILED_PRECONDITION";
    case grpc::ABORTED:
      return "ABORTED";
    case grpc::OUT_OF_RANGE:
      return "OUT_OF_RANGE";
    case grpc::UNIMPLEMENTED:
      return "UNIMPLEMENTED";
    case grpc::INTERNAL:
      return "INTERNAL";
    case grpc::UNAVAILABLE:
      return "UNAVAILABLE";
    case grpc::DATA_LOSS:
      return "DATA_LOSS";
    case grpc::UNAUTHENTICATED:
      return "UNAUTHENTICATED";
    default:
      return "UNKNOWN";
  }
}

}  // namespace

Endpoints EndpointsFromEnv() {
  return {EnvOr("PASAR_INVENTORY_ADDR", "127.0.0.1:7101"),
          EnvOr("PASAR_ORDER_ADDR", "127.0.0.1:7102"),
          EnvOr("PASAR_DISPATCH_ADDR", "127.0.0.1:7103"),
          {EnvOr("PASAR_TLS_CA_FILE", ""), EnvOr("PASAR_TLS_SERVER_NAME", "")}};
}

Endpoints EndpointsFromEnv(const Flags& flags) {
  Endpoints ep = EndpointsFromEnv();
  ep.inventory = flags.Str("inventory", ep.inventory);
  ep.order = flags.Str("order", ep.order);
  ep.dispatch = flags.Str("dispatch", ep.dispatch);
  ep.tls.ca_file = flags.Str("tls-ca-file", ep.tls.ca_file);
  ep.tls.server_name = flags.Str("tls-server-name", ep.tls.server_name);
  return ep;
}

Api::Api(Endpoints endpoints, auth::JwtConfig jwt)
    : endpoints_(std::move(endpoints)), jwt_(jwt), minter_(std::move(jwt)) {
  auto inventory = rpc::Dial(endpoints_.inventory, endpoints_.tls, ChannelArgs());
  auto order = rpc::Dial(endpoints_.order, endpoints_.tls, ChannelArgs());
  auto dispatch = rpc::Dial(endpoints_.dispatch, endpoints_.tls, ChannelArgs());
  catalog_ = inventory::v1::CatalogService::NewStub(inventory);
  stalls_ = inventory::v1::StallService::NewStub(inventory);
  market_admin_ = inventory::v1::MarketAdminService::NewStub(inventory);
  stock_ = inventory::v1::StockService::NewStub(inventory);
  orders_ = order::v1::OrderService::NewStub(order);
  tickets_ = order::v1::TicketService::NewStub(order);
  programmes_ = order::v1::ProgrammeService::NewStub(order);
  couriers_ = dispatch::v1::CourierService::NewStub(dispatch);
  dispatch_ops_ = dispatch::v1::DispatchOpsService::NewStub(dispatch);
}

std::string Api::Token(const auth::Principal& principal) const {
  return minter_.Mint(principal);
}

std::string Api::Token(auth::Role role, std::string subject) const {
  return Token(auth::Principal{std::move(subject), role, {}});
}

void Prepare(grpc::ClientContext& ctx, std::string_view token, absl::Duration timeout) {
  rpc::Prepare(ctx, token, absl::ToChronoTime(absl::Now() + timeout));
}

std::string ErrorReason(const grpc::ClientContext& ctx, const grpc::Status& status) {
  if (status.ok()) return "";
  if (std::string reason = rpc::ErrorReason(ctx); !reason.empty()) return reason;
  // "REASON: explanation" where REASON is upper case letters and underscores.
  const std::string& msg = status.error_message();
  const size_t colon = msg.find(':');
  if (colon == std::string::npos || colon == 0) return "";
  for (size_t i = 0; i < colon; ++i) {
    const char c = msg[i];
    if (!((c >= 'A' && c <= 'Z') || c == '_')) return "";
  }
  return msg.substr(0, colon);
}

std::string Outcome::Describe() const {
  if (ok()) return "OK";
  std::string out(CodeName(status.error_code()));
  if (!reason.empty()) absl::StrAppend(&out, " (", reason, ")");
  absl::StrAppend(&out, ": ", status.error_message());
  return out;
}

bool Retryable(const Outcome& outcome) {
  switch (outcome.code()) {
    case grpc::UNAVAILABLE:
    case grpc::ABORTED:
    case grpc::DEADLINE_EXCEEDED:
      return true;
    case grpc::RESOURCE_EXHAUSTED:
      return outcome.reason != "TOO_MANY_ATTEMPTS";
    default:
      return false;
  }
}

void Check(const Outcome& outcome, std::string_view what) {
  if (!outcome.ok())
    throw RpcError(absl::StrCat(std::string(what), ": ", outcome.Describe()), outcome);
}

}  // namespace pasar::town
