#include "pasar/town/flags.h"

#include <stdexcept>

#include "absl/strings/numbers.h"

namespace pasar::town {

Flags::Flags(int argc, char** argv, int first) {
  for (int i = first; i < argc; ++i) {
    std::string arg = argv[i];
    if (arg.rfind("--", 0) != 0 || arg.size() == 2) {
      positional_.push_back(std::move(arg));
      continue;
    }
    std::string name = arg.substr(2);
    std::string value;
    if (const size_t eq = name.find('='); eq != std::string::npos) {
      value = name.substr(eq + 1);
      name = name.substr(0, eq);
    } else if (i + 1 < argc && std::string(argv[i + 1]).rfind("--", 0) != 0) {
      value = argv[++i];
    } else {
      value = "true";
    }
    if (name.empty()) throw std::invalid_argument("malformed option " + arg);
    options_[name] = value;
  }
}

bool Flags::Has(const std::string& name) const {
  return options_.count(name) > 0;
}

std::string Flags::Str(const std::string& name, const std::string& fallback) const {
  auto it = options_.find(name);
  return it == options_.end() ? fallback : it->second;
}

std::string Flags::Required(const std::string& name) const {
  auto it = options_.find(name);
  if (it == options_.end() || it->second.empty()) {
    throw std::invalid_argument("--" + name + " is required");
  }
  return it->second;
}

int64_t Flags::Int(const std::string& name, int64_t fallback) const {
  auto it = options_.find(name);
  if (it == options_.end()) return fallback;
  int64_t v = 0;
  if (!absl::SimpleAtoi(it->second, &v))
    throw std::invalid_argument("--" + name + ": not a number");
  return v;
}

double Flags::Double(const std::string& name, double fallback) const {
  auto it = options_.find(name);
  if (it == options_.end()) return fallback;
  double v = 0;
  if (!absl::SimpleAtod(it->second, &v))
    throw std::invalid_argument("--" + name + ": not a number");
  return v;
}

bool Flags::Bool(const std::string& name) const {
  auto it = options_.find(name);
  if (it == options_.end()) return false;
  return it->second == "true" || it->second == "1" || it->second == "yes";
}

void Flags::AllowOnly(const std::set<std::string>& known) const {
  for (const auto& [name, value] : options_) {
    if (!known.count(name)) throw std::invalid_argument("unknown option --" + name);
  }
}

}  // namespace pasar::town
