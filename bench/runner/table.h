// Markdown tables whose columns are aligned, so that the same text reads well in a terminal and
// pastes into docs/performance.md.
#pragma once

#include <string>
#include <utility>
#include <vector>

namespace autospan_bench {

class Table {
public:
  explicit Table(std::vector<std::string> header) : header_(std::move(header)) {}
  void add(std::vector<std::string> row) { rows_.push_back(std::move(row)); }
  bool empty() const { return rows_.empty(); }
  std::string render() const;

private:
  std::vector<std::string> header_;
  std::vector<std::vector<std::string>> rows_;
};

// Number formatting for cells: fixed decimals; "n/a" for a negative (missing) value.
std::string fmt(double v, int decimals = 1);
std::string fmt_ratio(double v, int decimals = 2);  // "1.23x"
std::string fmt_signed(double v, int decimals = 1); // "+1.2"
std::string fmt_count(double v);                    // 1234567 -> "1,234,567"

} // namespace autospan_bench
