#include "breakage.h"

#include <algorithm>
#include <cstdlib>
#include <iterator>
#include <stdexcept>
#include <string>

namespace pasar::bench {
namespace {

constexpr std::string_view kModes[] = {
    "hot-refused", "hot-oversold",      "hot-undersold",     "place-order-failed", "list-error",
    "list-short",  "get-order-foreign", "list-orders-short", "locations-rejected", "events-lost",
    "events-dead", "geo-wrong",         "assign-empty",      "assign-crash",       "assign-cost"};

bool Known(std::string_view mode) {
  return std::find(std::begin(kModes), std::end(kModes), mode) != std::end(kModes);
}

}  // namespace

bool Broken(std::string_view mode) {
  if (!Known(mode)) throw std::invalid_argument("unknown breakage mode " + std::string(mode));
  const char* env = std::getenv("PASAR_BENCH_BREAK");
  std::string_view rest = env ? env : "";
  bool found = false;
  while (!rest.empty()) {
    const size_t comma = rest.find(',');
    std::string_view named = rest.substr(0, comma);
    rest = comma == std::string_view::npos ? std::string_view() : rest.substr(comma + 1);
    while (!named.empty() && named.front() == ' ')
      named.remove_prefix(1);
    while (!named.empty() && named.back() == ' ')
      named.remove_suffix(1);
    if (named.empty()) continue;
    if (!Known(named)) {
      throw std::invalid_argument("PASAR_BENCH_BREAK: unknown mode " + std::string(named));
    }
    found = found || named == mode;
  }
  return found;
}

}  // namespace pasar::bench
