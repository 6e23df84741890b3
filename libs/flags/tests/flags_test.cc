// The one flag parser: environment defaults, both spellings of names and values, booleans,
// positional words, refusals of unknown flags and bad values, the usage text.
#include <catch2/catch.hpp>

#include <cstdlib>
#include <string>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/reflection.h"
#include "pasar/flags/flags.h"

ABSL_FLAG(std::string, flags_test_listen, "127.0.0.1:0", "where to listen");
ABSL_FLAG(int64_t, flags_test_window_ms, 2000, "a window in milliseconds");
ABSL_FLAG(bool, flags_test_json, false, "print JSON");
ABSL_FLAG(double, flags_test_speedup, 30.0, "how much faster than the clock");

namespace flags = pasar::flags;

namespace {

flags::Result Parse(std::vector<std::string> args, const flags::Options& options) {
  args.insert(args.begin(), "prog");
  std::vector<char*> argv;
  for (std::string& a : args)
    argv.push_back(a.data());
  return flags::Parse(static_cast<int>(argv.size()), argv.data(), options);
}

}  // namespace

TEST_CASE("the environment sets defaults, the command line wins") {
  absl::FlagSaver saver;
  ::setenv("PASAR_FLAGS_TEST_WINDOW_MS", "250", 1);
  ::setenv("PASAR_FLAGS_TEST_LISTEN", "127.0.0.1:7000", 1);
  ::setenv("PASAR_FLAGS_TEST_NOT_A_FLAG", "x", 1);
  const flags::Result r =
      Parse({"--flags-test-listen=127.0.0.1:7001"}, {.usage = "test", .env_prefix = "PASAR_"});
  CHECK(absl::GetFlag(FLAGS_flags_test_window_ms) == 250);
  CHECK(absl::GetFlag(FLAGS_flags_test_listen) == "127.0.0.1:7001");
  CHECK(r.given == std::set<std::string>{"flags_test_listen"});
  CHECK(r.from_env.contains("flags_test_window_ms"));
  CHECK(r.other_env.at("flags_test_not_a_flag") == "x");
  CHECK(flags::ValueOf("flags_test_window_ms") == "250");
  for (const char* name :
       {"PASAR_FLAGS_TEST_WINDOW_MS", "PASAR_FLAGS_TEST_LISTEN", "PASAR_FLAGS_TEST_NOT_A_FLAG"}) {
    ::unsetenv(name);
  }
}

TEST_CASE("values come as --name=value or --name value, booleans bare, words when allowed") {
  absl::FlagSaver saver;
  const flags::Result r = Parse({"seed", "--flags_test_speedup", "12.5", "--flags-test-json",
                                 "--flags-test-window-ms=-3", "town.json"},
                                {.positional = true});
  CHECK(r.positional == std::vector<std::string>{"seed", "town.json"});
  CHECK(absl::GetFlag(FLAGS_flags_test_speedup) == 12.5);
  CHECK(absl::GetFlag(FLAGS_flags_test_json));
  CHECK(absl::GetFlag(FLAGS_flags_test_window_ms) == -3);
  CHECK(r.given.size() == 3);
}

TEST_CASE("unknown flags, bad values and stray words are refused, naming the culprit") {
  absl::FlagSaver saver;
  CHECK_THROWS_WITH(Parse({"--flags-test-colour=red"}, {}), Catch::Contains("--flags_test_colour"));
  CHECK_THROWS_WITH(Parse({"--flags-test-window-ms=lots"}, {}),
                    Catch::Contains("--flags_test_window_ms"));
  CHECK_THROWS_WITH(Parse({"--flags-test-window-ms"}, {}), Catch::Contains("needs a value"));
  CHECK_THROWS_WITH(Parse({"oops"}, {}), Catch::Contains("oops"));
  ::setenv("PASAR_FLAGS_TEST_WINDOW_MS", "soon", 1);
  CHECK_THROWS_WITH(Parse({}, {.env_prefix = "PASAR_"}),
                    Catch::Contains("PASAR_FLAGS_TEST_WINDOW_MS"));
  ::unsetenv("PASAR_FLAGS_TEST_WINDOW_MS");
}

TEST_CASE("the usage lists every flag with its default, help and variable") {
  const std::string usage = flags::Usage({.usage = "prog: a test", .env_prefix = "PASAR_"});
  CHECK(usage.rfind("prog: a test", 0) == 0);
  CHECK(usage.find("--flags-test-window-ms (default 2000) [PASAR_FLAGS_TEST_WINDOW_MS]") !=
        std::string::npos);
  CHECK(usage.find("a window in milliseconds") != std::string::npos);
  const std::vector<std::string> declared = flags::Declared();
  CHECK(std::find(declared.begin(), declared.end(), "flags_test_json") != declared.end());
}
