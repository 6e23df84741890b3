// Error, Result and the parameter conversions of pasar::pg.
#include <libpq-fe.h>

#include <charconv>
#include <cmath>
#include <cstdlib>
#include <memory>
#include <string>

#include "pasar/pg/pg.h"

namespace pasar::pg {

Error::Error(const std::string& message, std::string sqlstate)
    : std::runtime_error(message), sqlstate_(std::move(sqlstate)) {}

void Result::Deleter::operator()(pg_result* r) const {
  PQclear(r);
}

Result::Result() = default;

Result::Result(pg_result* owned) : res_(owned) {}

int Result::size() const {
  return res_ ? PQntuples(res_.get()) : 0;
}

int Result::columns() const {
  return res_ ? PQnfields(res_.get()) : 0;
}

int64_t Result::affected() const {
  if (!res_) return 0;
  const std::string_view tuples = PQcmdTuples(res_.get());
  int64_t n = 0;
  std::from_chars(tuples.data(), tuples.data() + tuples.size(), n);
  return n;
}

int Result::Column(std::string_view name) const {
  const std::string quoted = "\"" + std::string(name) + "\"";  // exact, no case folding
  const int col = res_ ? PQfnumber(res_.get(), quoted.c_str()) : -1;
  if (col < 0) throw Error("pg: the result has no column " + std::string(name));
  return col;
}

bool Result::IsNull(int row, int col) const {
  if (row < 0 || row >= size() || col < 0 || col >= columns()) {
    throw Error("pg: cell (" + std::to_string(row) + "," + std::to_string(col) +
                ") is out of range");
  }
  return PQgetisnull(res_.get(), row, col) != 0;
}

const char* Result::Cell(int row, int col) const {
  if (IsNull(row, col)) {
    throw Error("pg: column " + std::string(PQfname(res_.get(), col)) + " is NULL");
  }
  return PQgetvalue(res_.get(), row, col);
}

std::string_view Result::Text(int row, int col) const {
  if (IsNull(row, col)) return {};
  return std::string_view(PQgetvalue(res_.get(), row, col),
                          static_cast<size_t>(PQgetlength(res_.get(), row, col)));
}

std::string Result::Str(int row, int col) const {
  Cell(row, col);
  return std::string(Text(row, col));
}

int64_t Result::Int(int row, int col) const {
  const std::string_view text = Cell(row, col);
  int64_t v = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (ec != std::errc() || end != text.data() + text.size()) {
    throw Error("pg: column " + std::string(PQfname(res_.get(), col)) +
                " is not an integer: " + std::string(text));
  }
  return v;
}

bool Result::Bool(int row, int col) const {
  const std::string_view text = Cell(row, col);
  if (text == "t" || text == "true") return true;
  if (text == "f" || text == "false") return false;
  throw Error("pg: column " + std::string(PQfname(res_.get(), col)) +
              " is not a boolean: " + std::string(text));
}

double Result::Double(int row, int col) const {
  const std::string_view text = Cell(row, col);
  double v = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (ec != std::errc() || end != text.data() + text.size()) {
    throw Error("pg: column " + std::string(PQfname(res_.get(), col)) +
                " is not a number: " + std::string(text));
  }
  return v;
}

std::string Result::Bytes(int row, int col) const {
  const char* text = Cell(row, col);
  size_t len = 0;
  std::unique_ptr<unsigned char, decltype(&PQfreemem)> raw(
      PQunescapeBytea(reinterpret_cast<const unsigned char*>(text), &len), &PQfreemem);
  if (!raw) throw Error("pg: cannot decode bytea column " + std::string(PQfname(res_.get(), col)));
  return std::string(reinterpret_cast<const char*>(raw.get()), len);
}

std::optional<int64_t> Result::OptInt(int row, int col) const {
  if (IsNull(row, col)) return std::nullopt;
  return Int(row, col);
}

std::optional<std::string> Result::OptStr(int row, int col) const {
  if (IsNull(row, col)) return std::nullopt;
  return Str(row, col);
}

std::optional<bool> Result::OptBool(int row, int col) const {
  if (IsNull(row, col)) return std::nullopt;
  return Bool(row, col);
}

std::optional<double> Result::OptDouble(int row, int col) const {
  if (IsNull(row, col)) return std::nullopt;
  return Double(row, col);
}

namespace detail {

std::string ArrayLiteral(const std::vector<std::string>& items) {
  std::string s = "{";
  for (size_t i = 0; i < items.size(); ++i) {
    if (i > 0) s += ',';
    s += '"';
    for (const char c : items[i]) {
      if (c == '"' || c == '\\') s += '\\';
      s += c;
    }
    s += '"';
  }
  s += '}';
  return s;
}

std::string DoubleText(double v) {
  if (std::isnan(v)) return "NaN";
  if (std::isinf(v)) return v > 0 ? "Infinity" : "-Infinity";
  char buf[64];
  const auto [end, ec] = std::to_chars(buf, buf + sizeof(buf), v);
  return std::string(buf, end);
}

}  // namespace detail
}  // namespace pasar::pg
