#include "pasar/flags/flags.h"

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <stdexcept>

#include "absl/flags/commandlineflag.h"
#include "absl/flags/reflection.h"
#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"

extern char** environ;

namespace pasar::flags {
namespace {

// Debian's Abseil has its own string_view (not std::string_view).
absl::string_view A(std::string_view s) {
  return absl::string_view(s.data(), s.size());
}

// Flags Abseil declares itself (--flagfile, --help, ... when their libraries are linked).
bool Ours(const absl::CommandLineFlag& flag) {
  return !flag.IsRetired() && flag.Filename().find("absl/") == std::string::npos;
}

absl::CommandLineFlag* Find(std::string_view name) {
  absl::CommandLineFlag* flag = absl::FindCommandLineFlag(A(name));
  return flag != nullptr && Ours(*flag) ? flag : nullptr;
}

void Set(absl::CommandLineFlag& flag, std::string_view value, std::string_view source) {
  std::string error;
  if (!flag.ParseFrom(A(value), &error)) {
    throw std::invalid_argument(std::string(source) + ": " + error);
  }
}

void ApplyEnvironment(const Options& options, Result& result) {
  if (options.env_prefix.empty()) return;
  for (char** env = environ; env != nullptr && *env != nullptr; ++env) {
    const std::string_view entry(*env);
    const size_t eq = entry.find('=');
    if (eq == std::string_view::npos || !entry.starts_with(options.env_prefix)) continue;
    const std::string variable(entry.substr(0, eq));
    const std::string name = Name(absl::AsciiStrToLower(
        A(entry.substr(options.env_prefix.size(), eq - options.env_prefix.size()))));
    const std::string_view value = entry.substr(eq + 1);
    if (absl::CommandLineFlag* flag = Find(name)) {
      // An empty variable leaves a number or a boolean at its default (it sets a text to "").
      if (value.empty() && !flag->IsOfType<std::string>()) continue;
      Set(*flag, value, variable);
      result.from_env.insert(name);
    } else {
      result.other_env[name] = std::string(value);
    }
  }
}

[[noreturn]] void PrintUsageAndExit(const Options& options) {
  const std::string text = Usage(options);
  std::fwrite(text.data(), 1, text.size(), stdout);
  std::fflush(stdout);
  std::exit(0);
}

}  // namespace

std::string Name(std::string_view spelled) {
  std::string name(spelled);
  for (char& c : name) {
    if (c == '-') c = '_';
  }
  return name;
}

Result Parse(int argc, char** argv, const Options& options) {
  Result result;
  ApplyEnvironment(options, result);
  for (int i = 1; i < argc; ++i) {
    const std::string_view arg(argv[i]);
    if (arg == "--help" || arg == "-h" || arg == "--helpfull") PrintUsageAndExit(options);
    if (!arg.starts_with("--") || arg.size() == 2) {
      if (!options.positional) {
        throw std::invalid_argument("unexpected argument \"" + std::string(arg) +
                                    "\" (flags are --name=value; see --help)");
      }
      result.positional.emplace_back(arg);
      continue;
    }
    const size_t eq = arg.find('=');
    const std::string name = Name(arg.substr(2, eq == std::string_view::npos ? arg.npos : eq - 2));
    absl::CommandLineFlag* flag = Find(name);
    if (flag == nullptr) {
      throw std::invalid_argument("unknown flag --" + name + " (see --help)");
    }
    std::string value;
    if (eq != std::string_view::npos) {
      value = std::string(arg.substr(eq + 1));
    } else if (flag->IsOfType<bool>()) {
      value = "true";
    } else if (i + 1 < argc) {
      value = argv[++i];
    } else {
      throw std::invalid_argument("--" + name + " needs a value");
    }
    Set(*flag, value, "--" + name);
    result.given.insert(name);
  }
  return result;
}

std::string Usage(const Options& options) {
  std::string out = options.usage;
  if (!out.empty() && out.back() != '\n') out += '\n';
  out += "\nFlags (--name=value or --name value; '-' and '_' alike in names):\n";
  for (const std::string& name : Declared()) {
    const absl::CommandLineFlag* flag = absl::FindCommandLineFlag(A(name));
    if (!options.help_filter.empty() &&
        flag->Filename().find(options.help_filter) == std::string::npos) {
      continue;
    }
    std::string spelled = name;
    for (char& c : spelled) {
      if (c == '_') c = '-';
    }
    absl::StrAppend(&out, "  --", spelled);
    if (const std::string def = flag->DefaultValue(); !def.empty()) {
      absl::StrAppend(&out, " (default ", def, ")");
    }
    if (!options.env_prefix.empty()) {
      absl::StrAppend(&out, " [", options.env_prefix, absl::AsciiStrToUpper(A(name)), "]");
    }
    absl::StrAppend(&out, "\n      ", flag->Help(), "\n");
  }
  return out;
}

std::string ValueOf(std::string_view name) {
  const absl::CommandLineFlag* flag = Find(name);
  return flag == nullptr ? std::string() : flag->CurrentValue();
}

std::vector<std::string> Declared() {
  std::vector<std::string> names;
  for (const auto& [name, flag] : absl::GetAllFlags()) {
    if (Ours(*flag)) names.emplace_back(name.data(), name.size());
  }
  std::sort(names.begin(), names.end());
  return names;
}

}  // namespace pasar::flags
