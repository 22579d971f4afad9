#include "table.h"

#include <algorithm>
#include <cmath>
#include <cstdio>

namespace autospan_bench {
namespace {

// Display width: UTF-8 continuation bytes take no column.
std::size_t width(const std::string& s) {
  std::size_t w = 0;
  for (unsigned char c : s)
    w += (c & 0xc0u) != 0x80u;
  return w;
}

} // namespace

std::string Table::render() const {
  std::vector<std::size_t> w(header_.size(), 3);
  auto measure = [&](const std::vector<std::string>& row) {
    for (std::size_t i = 0; i < row.size() && i < w.size(); ++i)
      w[i] = std::max(w[i], width(row[i]));
  };
  measure(header_);
  for (const auto& r : rows_)
    measure(r);
  auto line = [&](const std::vector<std::string>& row) {
    std::string s = "|";
    for (std::size_t i = 0; i < w.size(); ++i) {
      std::string cell = i < row.size() ? row[i] : "";
      // First column left-aligned (labels), the others right-aligned (numbers).
      std::string pad(w[i] - width(cell), ' ');
      s += " " + (i == 0 ? cell + pad : pad + cell) + " |";
    }
    return s + "\n";
  };
  std::string out = line(header_);
  out += "|";
  for (std::size_t i = 0; i < w.size(); ++i)
    out += (i == 0 ? ":" : "-") + std::string(w[i], '-') + (i == 0 ? "-|" : ":|");
  out += "\n";
  for (const auto& r : rows_)
    out += line(r);
  return out;
}

std::string fmt(double v, int decimals) {
  if (v < 0 || std::isnan(v))
    return "n/a";
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.*f", decimals, v);
  return buf;
}

std::string fmt_ratio(double v, int decimals) {
  if (std::isnan(v) || std::isinf(v))
    return "n/a";
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.*fx", decimals, v);
  return buf;
}

std::string fmt_signed(double v, int decimals) {
  if (std::isnan(v))
    return "n/a";
  char buf[64];
  std::snprintf(buf, sizeof buf, "%+.*f", decimals, v);
  return buf;
}

std::string fmt_count(double v) {
  if (v < 0 || std::isnan(v))
    return "n/a";
  std::string digits = std::to_string(static_cast<long long>(std::llround(v)));
  std::string out;
  for (std::size_t i = 0; i < digits.size(); ++i) {
    if (i > 0 && (digits.size() - i) % 3 == 0)
      out += ',';
    out += digits[i];
  }
  return out;
}

} // namespace autospan_bench
