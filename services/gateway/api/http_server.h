// The HTTP side of pasar-gateway (cpp-httplib): POST /api/<package>.<Service>/<Method> through
// the transcoder (libs/httpjson), GET /api/ lists the methods, GET /healthz, and the web console's
// files at / (embedded in the binary, served with a Content-Security-Policy that allows nothing
// from elsewhere).
#pragma once

#include <map>
#include <memory>
#include <string>
#include <thread>

#include "pasar/httpjson/httpjson.h"
#include "settings.h"

namespace httplib {
class Server;
}

namespace pasar::gateway {

class HttpServer final {
 public:
  // `files`: the console, path -> content ("index.html", "app.js", ...). Not owned; they and the
  // transcoder must outlive the server.
  HttpServer(const httpjson::Transcoder& transcoder,
             const std::map<std::string, std::string>& files, const Settings& settings);
  ~HttpServer();  // Stop()
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  // Binds settings.listen and serves on a thread of its own. Throws std::runtime_error when the
  // address cannot be bound.
  void Start();
  std::string address() const { return address_; }
  // Stops accepting, ends the connections and joins the thread. Idempotent.
  void Stop();

 private:
  void Routes();

  const httpjson::Transcoder& transcoder_;
  const std::map<std::string, std::string>& files_;
  const Settings settings_;
  std::unique_ptr<httplib::Server> server_;
  std::thread thread_;
  std::string address_;
};

}  // namespace pasar::gateway
