#include <catch2/catch.hpp>

#include <stdlib.h>

#include <set>

#include "pasar/town/api.h"
#include "pasar/town/flags.h"
#include "pasar/town/seed.h"
#include "pasar/town/town.h"

namespace town = pasar::town;

TEST_CASE("the demo town loads with every reference resolved") {
  const town::Town t = town::LoadTown(PASAR_TOWN_FILE);
  CHECK(t.name == "Lumajang");
  CHECK(t.markets.size() == 2);
  CHECK(t.stalls.size() == 40);
  CHECK(t.products.size() == 319);
  CHECK(t.couriers.size() == 40);
  CHECK(t.areas.size() == 16);
  const town::Market& baru = t.market("pasar-baru-lumajang");
  CHECK(baru.fee.kind == "BASE_PLUS_PER_KM");
  CHECK(baru.fee.base_meters == 2000);
  CHECK(baru.fee.road_factor_permille == 1300);
  CHECK(baru.demo_hours.size() == 7);
  CHECK(baru.kecamatan == "Lumajang");
  CHECK_FALSE(baru.village.empty());
  int staples = 0;
  for (const town::Product& p : t.products) {
    CHECK(town::CategoryOf(p.category) != pasar::inventory::v1::CATEGORY_UNSPECIFIED);
    if (p.commodity.empty()) continue;
    ++staples;
    CHECK(town::CommodityOf(p.commodity) != pasar::common::v1::COMMODITY_UNSPECIFIED);
    CHECK(p.standard_unit_milli == (p.unit == "ons" ? 100 : 1000));
  }
  CHECK(staples >= 20);  // the staples of both markets name their commodity
}

TEST_CASE("a product's commodity must be known and come with its standard unit") {
  const auto town_with = [](const std::string& product_tail) {
    return R"({"format":"pasar-town","format_version":1,
      "town":{"name":"X","dropoff_areas":[{"id":"a","name":"A","kind":"desa",
        "center":{"lat":-8.1,"lng":113.2},"radius_meters":500,"order_weight":1}]},
      "markets":[{"id":"m","name":"M","location":{"lat":-8.1,"lng":113.2},
        "demo_opening_hours":[],"real_opening_hours":[],
        "fee_scheme":{"kind":"FLAT","flat_fee_idr":5000},"service_fee_idr":0,
        "max_delivery_distance_meters":5000,"weighed_tolerance_percent":10,
        "trader_response_timeout_seconds":300}],
      "stalls":[{"id":"s","market":"m","name":"S","category":"bumbu","trader_subject":"t",
        "preparation_minutes":5}],
      "products":[{"id":"p","stall":"s","name":"Bawang merah","category":"bumbu","unit":"kg",
        "price_idr":36000,"weighed":true,"initial_stock":5)" +
           product_tail + R"(}],"couriers":[{"id":"c","subject":"courier-c","name":"C",
        "phone":"08969801824","vehicle_plate":"N 1 X","vehicle_model":"Honda",
        "home_market":"m","start_location":{"lat":-8.1,"lng":113.2},"cash_on_hand_idr":0}]})";
  };
  CHECK(town::ParseTown(town_with(R"(,"commodity":"shallot","standard_unit_milli":1000)"))
            .products[0]
            .commodity == "shallot");
  REQUIRE_THROWS_WITH(town::ParseTown(town_with(R"(,"commodity":"onion","standard_unit_milli":1)")),
                      Catch::Contains("unknown commodity onion"));
  REQUIRE_THROWS_WITH(town::ParseTown(town_with(R"(,"commodity":"shallot")")),
                      Catch::Contains("go together"));
  CHECK_THROWS(town::CommodityOf("onion"));
}

TEST_CASE("a town with a dangling reference is refused with the culprit named") {
  const std::string bad = R"({"format":"pasar-town","format_version":1,
    "town":{"name":"X","dropoff_areas":[{"id":"a","name":"A","center":{"lat":-8.1,"lng":113.2},
      "radius_meters":100,"order_weight":1}]},
    "markets":[],"stalls":[{"id":"s","market":"nowhere","name":"S","category":"sayur",
      "trader_subject":"t","preparation_minutes":5}],"products":[],"couriers":[]})";
  REQUIRE_THROWS_WITH(town::ParseTown(bad), Catch::Contains("nowhere"));
}

TEST_CASE("a subset keeps whole stalls with their products") {
  const town::Town t = town::Subset(town::LoadTown(PASAR_TOWN_FILE), 3, 2);
  CHECK(t.stalls.size() == 6);
  CHECK(t.couriers.size() == 4);
  std::set<std::string> stalls;
  for (const auto& s : t.stalls)
    stalls.insert(s.id);
  REQUIRE_FALSE(t.products.empty());
  for (const auto& p : t.products)
    CHECK(stalls.count(p.stall) == 1);
}

TEST_CASE("phones become E.164 and categories map both ways") {
  CHECK(town::E164Phone("08123456789") == "+628123456789");
  CHECK(town::E164Phone("+628123") == "+628123");
  CHECK(town::CategoryOf("jajan_pasar") == pasar::inventory::v1::CATEGORY_JAJAN_PASAR);
  CHECK(town::CategorySlug(pasar::inventory::v1::CATEGORY_JAJAN_PASAR) == "jajan_pasar");
  CHECK(town::CategoryOf("lollipops") == pasar::inventory::v1::CATEGORY_UNSPECIFIED);
}

TEST_CASE("the refusal reason is read from the status message prefix") {
  grpc::ClientContext ctx;
  CHECK(
      town::ErrorReason(ctx, grpc::Status(grpc::FAILED_PRECONDITION,
                                          "INSUFFICIENT_STOCK: p-1 (requested 5, available 2)")) ==
      "INSUFFICIENT_STOCK");
  CHECK(town::ErrorReason(ctx, grpc::Status(grpc::INVALID_ARGUMENT, "lines[0].quantity: > 0"))
            .empty());
  CHECK(town::ErrorReason(ctx, grpc::Status::OK).empty());
}

TEST_CASE("flags take values in both spellings and refuse unknown names") {
  const char* argv[] = {"prog", "seed", "--town", "f.json", "--minutes=3", "--json", "--seed", "7"};
  town::Flags f(8, const_cast<char**>(argv));
  CHECK(f.positional() == std::vector<std::string>{"seed"});
  CHECK(f.Str("town") == "f.json");
  CHECK(f.Int("minutes", 0) == 3);
  CHECK(f.Bool("json"));
  CHECK(f.Int("seed", 0) == 7);
  CHECK_THROWS_WITH(f.Required("missing"), Catch::Contains("--missing"));
  CHECK_THROWS_WITH(f.AllowOnly({"town", "minutes", "json"}), Catch::Contains("--seed"));
}

TEST_CASE("endpoints come from the environment, TLS only with a root, and options win") {
  for (const char* name : {"PASAR_INVENTORY_ADDR", "PASAR_ORDER_ADDR", "PASAR_DISPATCH_ADDR",
                           "PASAR_TLS_CA_FILE", "PASAR_TLS_SERVER_NAME"}) {
    REQUIRE(unsetenv(name) == 0);
  }
  const town::Endpoints plain = town::EndpointsFromEnv();
  CHECK(plain.inventory == "127.0.0.1:7101");
  CHECK(plain.order == "127.0.0.1:7102");
  CHECK(plain.dispatch == "127.0.0.1:7103");
  CHECK(plain.tls.ca_file.empty());  // plaintext
  CHECK(plain.tls.server_name.empty());

  REQUIRE(setenv("PASAR_ORDER_ADDR", "10.0.0.2:443", 1) == 0);
  REQUIRE(setenv("PASAR_TLS_CA_FILE", "/etc/pasar/root.pem", 1) == 0);
  const town::Endpoints tls = town::EndpointsFromEnv();
  CHECK(tls.order == "10.0.0.2:443");
  CHECK(tls.tls.ca_file == "/etc/pasar/root.pem");
  CHECK(tls.tls.server_name.empty());  // the address's host is checked

  REQUIRE(setenv("PASAR_TLS_SERVER_NAME", "pasar.example", 1) == 0);
  const char* argv[] = {"prog", "stats", "--order", "10.0.0.3:443", "--tls-ca-file", "/tmp/ca.pem"};
  const town::Endpoints flagged = town::EndpointsFromEnv(town::Flags(6, const_cast<char**>(argv)));
  CHECK(flagged.order == "10.0.0.3:443");
  CHECK(flagged.inventory == "127.0.0.1:7101");
  CHECK(flagged.tls.ca_file == "/tmp/ca.pem");
  CHECK(flagged.tls.server_name == "pasar.example");
  for (const char* name : {"PASAR_ORDER_ADDR", "PASAR_TLS_CA_FILE", "PASAR_TLS_SERVER_NAME"}) {
    REQUIRE(unsetenv(name) == 0);
  }
}
