// pasar-gateway: HTTP/JSON for every public RPC of the services, transcoded from the same
// protobuf contracts, and the web console (README, "HTTP and JSON", "The web console").
// Wiring only. Configuration: settings.h, and the common PASAR_LISTEN (the HTTP address).
#include <exception>
#include <map>
#include <string>

#include "api/http_server.h"
#include "pasar/dispatch/v1/dispatch.pb.h"
#include "pasar/httpjson/httpjson.h"
#include "pasar/inventory/v1/inventory.pb.h"
#include "pasar/order/v1/order.pb.h"
#include "pasar/order/v1/programme.pb.h"
#include "pasar/reporting/v1/reporting.pb.h"
#include "pasar/rpc/client.h"
#include "pasar/rpc/log.h"
#include "pasar/rpc/server.h"
#include "settings.h"

namespace pasar::gateway {
const std::map<std::string, std::string>& EmbeddedFiles();  // console/, generated
}

namespace {

int Run(int argc, char** argv) {
  using namespace pasar;
  const rpc::ServerConfig config = rpc::ConfigFromEnvAndFlags("gateway", argc, argv);
  const gateway::Settings settings = gateway::SettingsFrom(config);

  std::vector<httpjson::Backend> backends;
  auto serve = [&](const std::string& address, const google::protobuf::FileDescriptor* file) {
    if (!address.empty()) backends.push_back({file, rpc::Dial(address, settings.tls)});
  };
  serve(settings.inventory_addr, inventory::v1::Market::descriptor()->file());
  serve(settings.order_addr, order::v1::Order::descriptor()->file());
  serve(settings.order_addr, order::v1::Programme::descriptor()->file());
  serve(settings.dispatch_addr, dispatch::v1::Job::descriptor()->file());
  serve(settings.reporting_addr, reporting::v1::ReportRow::descriptor()->file());
  const httpjson::Transcoder transcoder(backends);

  gateway::HttpServer server(transcoder, gateway::EmbeddedFiles(), settings);
  server.Start();
  rpc::Log("info", "listening",
           {{"http", server.address()},
            {"console", "http://" + server.address() + "/"},
            {"methods", std::to_string(transcoder.Methods().size())}});
  rpc::WaitForTerminationSignal();
  rpc::Log("info", "termination signal received");
  server.Stop();
  rpc::Log("info", "stopped");
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  try {
    return Run(argc, argv);
  } catch (const std::exception& e) {
    pasar::rpc::Log("error", "pasar-gateway failed", {{"error", e.what()}});
    return 1;
  }
}
