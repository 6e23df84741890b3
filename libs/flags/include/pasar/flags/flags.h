// Command-line flags of every Pasar program, services and tools alike: Abseil flags, declared
// next to the code that reads them (ABSL_FLAG: a name, a type, a default, a help text), parsed by
// one function.
//
//   ABSL_FLAG(int64_t, reservation_ttl_seconds, 1800, "stock hold asked at PlaceOrder");
//   ...
//   pasar::flags::Result r = pasar::flags::Parse(argc, argv, {.usage = "pasar-order: ...",
//                                                             .env_prefix = "PASAR_"});
//   absl::GetFlag(FLAGS_reservation_ttl_seconds) ...
//
// What Parse adds to Abseil's registry and typed parsing (CommandLineFlag::ParseFrom), and why it
// is not absl::ParseCommandLine: ParseCommandLine exits the process on a bad flag, where the
// services' configuration is checked in-process by tests and a tool reports errors its own way
// (here: std::invalid_argument); it knows no environment defaults (PASAR_<NAME> is a flag's
// default for the services, README "Configuration"); and flag names are spelled with '-' or '_'
// (--metrics-listen is --metrics_listen), which Abseil's names are not.
//
// The command line: --name=value, --name value (a flag that is not a boolean takes the next
// word), --name (a boolean: true), --help (prints the usage and every flag, then exits 0). An
// unknown flag, a malformed value, or a word that is not a flag where none is allowed is
// refused. The environment (when env_prefix is set): PASAR_<NAME> (upper case) sets --<name>
// before the command line is read, so a flag given on the command line wins.
#pragma once

#include <map>
#include <set>
#include <string>
#include <string_view>
#include <vector>

namespace pasar::flags {

struct Options {
  std::string usage{};        // printed first by --help
  std::string env_prefix{};   // "PASAR_": the environment sets flags; "": it does not
  bool positional{false};     // words that are not flags are allowed (else refused)
  std::string help_filter{};  // --help lists only flags declared in files containing this
};

struct Result {
  std::vector<std::string> positional;           // in order
  std::set<std::string> given;                   // names of the flags set on the command line
  std::set<std::string> from_env;                // names of the flags set from the environment
  std::map<std::string, std::string> other_env;  // <prefix><X> naming no flag: "x" -> value
};

// Sets the process's flags from the environment, then from argv[1..argc). Throws
// std::invalid_argument naming the flag (or the variable) for anything refused.
Result Parse(int argc, char** argv, const Options& options);

// The flag name of a spelling: "metrics-listen" -> "metrics_listen".
std::string Name(std::string_view spelled);

// The text --help prints: the usage, then each flag's name, default, help and variable.
std::string Usage(const Options& options);

// The current value of a declared flag as text (Abseil's unparsing), or "" when there is none.
std::string ValueOf(std::string_view name);

// The names of the declared flags (Abseil's own excluded), sorted.
std::vector<std::string> Declared();

}  // namespace pasar::flags
