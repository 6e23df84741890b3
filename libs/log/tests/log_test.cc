// The log line's format: keys in order, typed values, the service name, broken UTF-8 replaced.
#include <catch2/catch.hpp>

#include <nlohmann/json.hpp>

#include "pasar/log/log.h"

using namespace pasar;

TEST_CASE("a line carries ts, level, msg, the service and the fields in order, typed") {
  log::SetService("order");
  const std::string text = log::Format(
      "info", "order placed",
      {{"correlation_id", "o-1"}, {"lines", 3}, {"duration_ms", 1.5}, {"retry", false}});
  const auto line = nlohmann::ordered_json::parse(text);
  std::vector<std::string> keys;
  for (const auto& item : line.items())
    keys.push_back(item.key());
  CHECK(keys == std::vector<std::string>{"ts", "level", "msg", "service", "correlation_id", "lines",
                                         "duration_ms", "retry"});
  CHECK(line["level"] == "info");
  CHECK(line["msg"] == "order placed");
  CHECK(line["service"] == "order");
  CHECK(line["lines"] == 3);
  CHECK(line["duration_ms"] == 1.5);
  CHECK(line["retry"] == false);
  CHECK(line["ts"].get<std::string>().size() == std::string("2024-05-01T10:00:00.123Z").size());
  log::SetService("");
}

TEST_CASE("a field named service wins over the process's name; none without a name") {
  log::SetService("order");
  auto line = nlohmann::json::parse(log::Format("warn", "x", {{"service", "inventory"}}));
  CHECK(line["service"] == "inventory");
  log::SetService("");
  line = nlohmann::json::parse(log::Format("warn", "x", {{"component", "redis"}}));
  CHECK_FALSE(line.contains("service"));
  CHECK(line["component"] == "redis");
}

TEST_CASE("invalid UTF-8 is replaced, not thrown") {
  const std::string bad = std::string("caf") + static_cast<char>(0xE9);
  std::string text;
  REQUIRE_NOTHROW(text = log::Format("error", "bad text", {{"error", bad}}));
  CHECK(nlohmann::json::parse(text)["error"].get<std::string>().starts_with("caf"));
  REQUIRE_NOTHROW(log::Log("info", "written to stderr", {{"n", int64_t{1}}}));
}
