// pasar::log — the one structured logger of every Pasar process (libraries, services, tools):
// one JSON object per line on stderr, whole lines never interleaved between threads.
//
//   pasar::log::Info("order placed", {{"correlation_id", order_id}, {"lines", 3}});
//   → {"ts":"2024-05-01T10:00:00.123Z","level":"info","msg":"order placed","service":"order",
//      "correlation_id":"…","lines":3}
//
// The keys come in this order: "ts" (UTC, milliseconds), "level" ("debug", "info", "warn",
// "error"), "msg", "service" (the process's name, SetService; left out until it is set or when a
// field is itself called "service"), then the fields in the order given. A field's value is a
// string, an integer, a floating-point number or a boolean, written as that JSON type. Invalid
// UTF-8 in a string is replaced, never thrown. Tie lines to a request or an order with the
// fields "request_id" and "correlation_id"; libraries say which they are with "component"
// ("redis", "events").
//
// This library is the lowest layer: it depends on nothing of Pasar, so libs/pg, libs/redis,
// libs/events, libs/auth and libs/rpc all write through it (pasar::rpc::Log is the same function
// under its former name).
#pragma once

#include <concepts>
#include <cstdint>
#include <initializer_list>
#include <string>
#include <string_view>
#include <utility>
#include <variant>

namespace pasar::log {

// The value of one field.
class Value final {
 public:
  Value(std::string v) : v_(std::move(v)) {}  // NOLINT: implicit by design
  Value(std::string_view v) : v_(std::string(v)) {}
  Value(const char* v) : v_(std::string(v == nullptr ? "" : v)) {}
  Value(bool v) : v_(v) {}
  Value(double v) : v_(v) {}
  template <std::integral T>
  requires(!std::same_as<T, bool>) Value(T v) : v_(static_cast<int64_t>(v)) {}

  const std::variant<std::string, int64_t, double, bool>& get() const { return v_; }

 private:
  std::variant<std::string, int64_t, double, bool> v_;
};

using Field = std::pair<std::string_view, Value>;

// Writes one line. `level` is "debug", "info", "warn" or "error".
void Log(std::string_view level, std::string_view msg, std::initializer_list<Field> fields = {});

inline void Debug(std::string_view msg, std::initializer_list<Field> fields = {}) {
  Log("debug", msg, fields);
}
inline void Info(std::string_view msg, std::initializer_list<Field> fields = {}) {
  Log("info", msg, fields);
}
inline void Warn(std::string_view msg, std::initializer_list<Field> fields = {}) {
  Log("warn", msg, fields);
}
inline void Error(std::string_view msg, std::initializer_list<Field> fields = {}) {
  Log("error", msg, fields);
}

// The name every later line carries as "service" ("inventory", "order", ...); empty: none.
// Set once at start-up (pasar::rpc::Host::Start does it for a service).
void SetService(std::string service);

// The JSON text of one line as Log writes it, without the newline (for tests of the format).
std::string Format(std::string_view level, std::string_view msg,
                   std::initializer_list<Field> fields);

}  // namespace pasar::log
