// The order service's settings: defaults, overrides and the derived consumer retry budget.
#include <catch2/catch.hpp>

#include <stdexcept>

#include "app/settings.h"

namespace {

pasar::rpc::ServerConfig Config(std::map<std::string, std::string> extra) {
  pasar::rpc::ServerConfig c;
  c.extra = std::move(extra);
  return c;
}

}  // namespace

TEST_CASE("a refused event is retried for the whole retry window before it is dead-lettered") {
  using pasar::order::SettingsFromConfig;
  auto s = SettingsFromConfig(Config({{"inventory_addr", "127.0.0.1:1"}}));
  CHECK(s.consumer_claim_idle == absl::Seconds(5));
  CHECK(s.consumer_retry_window == absl::Minutes(10));
  // Each retry comes at least claim_idle after the previous delivery.
  CHECK(s.consumer_max_deliveries * s.consumer_claim_idle >=
        s.consumer_retry_window + s.consumer_claim_idle);
  CHECK(s.market_cache_ttl == absl::Seconds(5));

  s = SettingsFromConfig(Config({{"inventory_addr", "127.0.0.1:1"},
                                 {"consumer_claim_idle_ms", "700"},
                                 {"consumer_retry_window_seconds", "60"},
                                 {"market_cache_ms", "0"}}));
  CHECK(s.consumer_max_deliveries * s.consumer_claim_idle >= absl::Seconds(60));
  CHECK(s.consumer_max_deliveries <= 90);
  CHECK(s.market_cache_ttl == absl::ZeroDuration());
  // Never fewer than the library's default.
  s = SettingsFromConfig(Config({{"inventory_addr", "127.0.0.1:1"},
                                 {"consumer_claim_idle_ms", "600000"},
                                 {"consumer_retry_window_seconds", "1"}}));
  CHECK(s.consumer_max_deliveries == 5);

  CHECK_THROWS_AS(SettingsFromConfig(Config({})), std::invalid_argument);
  CHECK_THROWS_AS(SettingsFromConfig(Config({{"inventory_addr", "x"}, {"market_cache_ms", "-1"}})),
                  std::invalid_argument);
}

TEST_CASE("compensation calls to inventory have their own deadline, not the customer's") {
  using pasar::order::SettingsFromConfig;
  auto s = SettingsFromConfig(Config({{"inventory_addr", "127.0.0.1:1"}}));
  CHECK(s.compensation_deadline == absl::Seconds(3));
  CHECK(s.compensation_interval == absl::Seconds(1));
  s = SettingsFromConfig(Config({{"inventory_addr", "127.0.0.1:1"},
                                 {"reserve_deadline_ms", "50"},
                                 {"compensation_deadline_ms", "20000"},
                                 {"compensation_interval_ms", "250"}}));
  CHECK(s.inventory_deadline == absl::Milliseconds(50));
  CHECK(s.compensation_deadline == absl::Seconds(20));
  CHECK(s.compensation_interval == absl::Milliseconds(250));
  CHECK_THROWS_AS(SettingsFromConfig(Config(
                      {{"inventory_addr", "127.0.0.1:1"}, {"compensation_deadline_ms", "0"}})),
                  std::invalid_argument);
  CHECK_THROWS_AS(SettingsFromConfig(Config(
                      {{"inventory_addr", "127.0.0.1:1"}, {"compensation_interval_ms", "5"}})),
                  std::invalid_argument);
}

TEST_CASE("TLS to inventory is off by default, on with a root file, and a lone name is refused") {
  using pasar::order::SettingsFromConfig;
  auto s = SettingsFromConfig(Config({{"inventory_addr", "127.0.0.1:1"}}));
  CHECK(s.inventory_tls.ca_file.empty());
  CHECK(s.inventory_tls.server_name.empty());

  s = SettingsFromConfig(Config({{"inventory_addr", "127.0.0.1:1"},
                                 {"inventory_tls_ca_file", "/etc/pasar/ca.pem"},
                                 {"inventory_tls_server_name", "inventory.pasar.test"}}));
  CHECK(s.inventory_tls.ca_file == "/etc/pasar/ca.pem");
  CHECK(s.inventory_tls.server_name == "inventory.pasar.test");

  CHECK_THROWS_AS(
      SettingsFromConfig(Config({{"inventory_addr", "127.0.0.1:1"},
                                 {"inventory_tls_server_name", "inventory.pasar.test"}})),
      std::invalid_argument);
}
