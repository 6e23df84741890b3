// Structured logs: one JSON object per line on stderr, e.g.
//   {"ts":"2024-05-01T10:00:00.123Z","level":"info","msg":"listening","service":"order",...}
#pragma once

#include <initializer_list>
#include <string>
#include <string_view>
#include <utility>

namespace pasar::rpc {

// level: "debug", "info", "warn", "error". Fields are added as JSON strings after "msg"; pass
// {"request_id", id} / {"correlation_id", order_id} to tie a line to a request. Thread-safe
// (whole lines, never interleaved). The service name set by Host::Start is added as "service".
void Log(std::string_view level, std::string_view msg,
         std::initializer_list<std::pair<std::string_view, std::string>> fields = {});

}  // namespace pasar::rpc
