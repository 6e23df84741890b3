// Command-line arguments of the tools: positional words and `--name value` / `--name=value`
// options (a bare `--name` followed by another option or nothing is a boolean).
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

namespace pasar::town {

class Flags final {
 public:
  // Parses argv[first..argc). Throws std::invalid_argument for a malformed argument.
  Flags(int argc, char** argv, int first = 1);

  const std::vector<std::string>& positional() const { return positional_; }
  bool Has(const std::string& name) const;
  // The option's value, else `fallback`.
  std::string Str(const std::string& name, const std::string& fallback = "") const;
  // Throws std::invalid_argument("--name is required") when absent.
  std::string Required(const std::string& name) const;
  // Typed values; throw std::invalid_argument("--name: not a number") when malformed.
  int64_t Int(const std::string& name, int64_t fallback) const;
  double Double(const std::string& name, double fallback) const;
  bool Bool(const std::string& name) const;  // present without value, or true/1/yes
  // Throws std::invalid_argument naming the first option not in `known`.
  void AllowOnly(const std::set<std::string>& known) const;

 private:
  std::vector<std::string> positional_;
  std::map<std::string, std::string> options_;
};

}  // namespace pasar::town
