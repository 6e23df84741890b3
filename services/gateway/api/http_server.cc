#include "api/http_server.h"

#include <httplib.h>

#include <google/protobuf/descriptor.h>
#include <nlohmann/json.hpp>

#include "absl/time/clock.h"
#include "pasar/rpc/log.h"

namespace pasar::gateway {
namespace {

std::string ContentType(const std::string& path) {
  if (path.ends_with(".html")) return "text/html; charset=utf-8";
  if (path.ends_with(".js")) return "text/javascript; charset=utf-8";
  if (path.ends_with(".css")) return "text/css; charset=utf-8";
  if (path.ends_with(".svg")) return "image/svg+xml";
  if (path.ends_with(".json")) return "application/json";
  return "text/plain; charset=utf-8";
}

// The console loads nothing from elsewhere: no CDN, no fonts or tiles from the internet.
constexpr char kCsp[] =
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; frame-ancestors 'none'";

std::string HostPart(const std::string& listen) {
  const size_t colon = listen.rfind(':');
  return colon == std::string::npos ? listen : listen.substr(0, colon);
}

int PortPart(const std::string& listen) {
  const size_t colon = listen.rfind(':');
  return colon == std::string::npos ? 0 : std::stoi(listen.substr(colon + 1));
}

}  // namespace

HttpServer::HttpServer(const httpjson::Transcoder& transcoder,
                       const std::map<std::string, std::string>& files, const Settings& settings)
    : transcoder_(transcoder), files_(files), settings_(settings) {
  if (!settings_.tls_cert_file.empty()) {
    server_ = std::make_unique<httplib::SSLServer>(settings_.tls_cert_file.c_str(),
                                                   settings_.tls_key_file.c_str());
  } else {
    server_ = std::make_unique<httplib::Server>();
  }
  // Blocking I/O, one pool thread per connection (streams hold theirs while they last).
  const int threads = settings_.threads;
  server_->new_task_queue = [threads] { return new httplib::ThreadPool(threads); };
  server_->set_keep_alive_timeout(5);
  server_->set_read_timeout(10);
  server_->set_write_timeout(10);
  server_->set_payload_max_length(static_cast<size_t>(settings_.max_body_bytes));
  server_->set_logger([](const httplib::Request& req, const httplib::Response& res) {
    rpc::Log(res.status >= 500 ? "error" : "info", "http",
             {{"method", req.method},
              {"path", req.path},
              {"status", std::to_string(res.status)},
              {"request_id", req.get_header_value("X-Request-Id")}});
  });
  Routes();
}

HttpServer::~HttpServer() {
  Stop();
}

void HttpServer::Routes() {
  server_->Post(R"(/api/([A-Za-z0-9_.]+)/([A-Za-z0-9_]+))", [this](const httplib::Request& req,
                                                                   httplib::Response& res) {
    const std::string name = std::string(req.matches[1]) + "/" + std::string(req.matches[2]);
    const google::protobuf::MethodDescriptor* method = transcoder_.Find(name);
    if (method == nullptr) {
      res.status = 501;
      res.set_content(
          httpjson::ErrorBody(grpc::StatusCode::UNIMPLEMENTED, "unknown method " + name, ""),
          "application/json");
      return;
    }
    httpjson::CallInfo info;
    info.authorization = req.get_header_value("Authorization");
    info.request_id = req.get_header_value("X-Request-Id");
    info.deadline = settings_.deadline;
    if (!method->server_streaming()) {
      const httpjson::Reply reply = transcoder_.Call(method, req.body, info);
      res.status = reply.status;
      res.set_content(reply.body, reply.content_type);
      return;
    }
    std::shared_ptr<httpjson::ServerStream> stream = transcoder_.OpenStream(method, req.body, info);
    res.status = stream->status();
    if (stream->status() != 200) {
      res.set_content(stream->error_body(), stream->content_type());
      return;
    }
    res.set_chunked_content_provider(
        stream->content_type(),
        [stream](size_t, httplib::DataSink& sink) {
          std::string chunk;
          if (!stream->Next(&chunk)) {
            sink.done();
            return true;
          }
          return sink.write(chunk.data(), chunk.size());
        },
        [stream](bool success) {
          if (!success) stream->Cancel();
        });
  });
  server_->Get("/api/", [this](const httplib::Request&, httplib::Response& res) {
    nlohmann::json methods = nlohmann::json::array();
    for (const google::protobuf::MethodDescriptor* m : transcoder_.Methods()) {
      methods.push_back({{"path", "/api/" + m->service()->full_name() + "/" + m->name()},
                         {"request", m->input_type()->full_name()},
                         {"response", m->output_type()->full_name()},
                         {"client_streaming", m->client_streaming()},
                         {"server_streaming", m->server_streaming()}});
    }
    res.set_content(nlohmann::json{{"methods", methods}}.dump(), "application/json");
  });
  server_->Get("/healthz", [](const httplib::Request&, httplib::Response& res) {
    res.set_content("ok\n", "text/plain");
  });
  server_->Get(R"(/(.*))", [this](const httplib::Request& req, httplib::Response& res) {
    std::string path = req.matches[1];
    if (path.empty()) path = "index.html";
    const auto it = files_.find(path);
    if (it == files_.end()) {
      res.status = 404;
      res.set_content("not found\n", "text/plain");
      return;
    }
    res.set_header("Content-Security-Policy", kCsp);
    res.set_header("X-Content-Type-Options", "nosniff");
    res.set_header("Cache-Control", "no-cache");
    res.set_content(it->second, ContentType(path));
  });
}

void HttpServer::Start() {
  const std::string host = HostPart(settings_.listen);
  int port = PortPart(settings_.listen);
  if (port == 0) {
    port = server_->bind_to_any_port(host);
    if (port <= 0) throw std::runtime_error("cannot serve HTTP on " + settings_.listen);
  } else if (!server_->bind_to_port(host, port)) {
    throw std::runtime_error("cannot serve HTTP on " + settings_.listen);
  }
  address_ = host + ":" + std::to_string(port);
  thread_ = std::thread([this] { server_->listen_after_bind(); });
}

void HttpServer::Stop() {
  if (server_ != nullptr) server_->stop();
  if (thread_.joinable()) thread_.join();
}

}  // namespace pasar::gateway
