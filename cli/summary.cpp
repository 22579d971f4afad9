#include "summary.h"

#include <algorithm>
#include <cinttypes>
#include <cstdio>
#include <unordered_map>

namespace autospan::cli {

namespace {

// Right-aligns in `width` columns, counting code points ("µs" is two bytes, one column).
std::size_t columns(const std::string& s) {
  std::size_t n = 0;
  for (char c : s)
    n += (static_cast<unsigned char>(c) & 0xC0) != 0x80 ? 1 : 0;
  return n;
}

void append_right(std::string& out, const std::string& s, std::size_t width) {
  std::size_t n = columns(s);
  out.append(width > n ? width - n : 0, ' ');
  out += s;
}

// Nearest-rank: the smallest value with at least p percent of the values at or below it.
std::uint64_t percentile(const std::vector<std::uint64_t>& sorted, unsigned p) {
  if (sorted.empty())
    return 0;
  std::size_t rank = (sorted.size() * p + 99) / 100; // ceil(n * p / 100)
  if (rank == 0)
    rank = 1;
  return sorted[rank - 1];
}

} // namespace

std::vector<SummaryRow> summarize(const TraceData& data, const Forest& forest, SummarySort sort) {
  std::unordered_map<std::uint32_t, std::size_t> row_of; // name id -> index
  std::vector<SummaryRow> rows;
  std::vector<std::vector<std::uint64_t>> durations;
  for (std::uint32_t i = 0; i < data.spans.size(); ++i) {
    const SpanRec& s = data.spans[i];
    auto [it, inserted] = row_of.emplace(s.name, rows.size());
    if (inserted) {
      rows.emplace_back();
      rows.back().name = data.str(s.name);
      durations.emplace_back();
    }
    SummaryRow& row = rows[it->second];
    const std::uint64_t d = s.duration();
    ++row.calls;
    row.errors += s.is_error() ? 1 : 0;
    row.total += d;
    row.self += self_time(data, forest, i);
    row.max = std::max(row.max, d);
    durations[it->second].push_back(d);
  }
  for (std::size_t r = 0; r < rows.size(); ++r) {
    auto& d = durations[r];
    std::sort(d.begin(), d.end());
    rows[r].mean = rows[r].total / rows[r].calls;
    rows[r].p50 = percentile(d, 50);
    rows[r].p99 = percentile(d, 99);
  }
  auto key = [sort](const SummaryRow& r) -> std::uint64_t {
    switch (sort) {
    case SummarySort::Total:
      return r.total;
    case SummarySort::Self:
      return r.self;
    case SummarySort::Calls:
      return r.calls;
    case SummarySort::Max:
      return r.max;
    case SummarySort::Name:
      return 0;
    }
    return 0;
  };
  std::sort(rows.begin(), rows.end(), [&](const SummaryRow& a, const SummaryRow& b) {
    if (key(a) != key(b))
      return key(a) > key(b);
    return a.name < b.name;
  });
  return rows;
}

std::string format_summary_table(const std::vector<SummaryRow>& rows, std::size_t traces,
                                 std::size_t spans) {
  std::size_t name_width = 4;
  for (const auto& r : rows)
    name_width = std::max(name_width, columns(r.name));
  std::string out;
  char buf[256];
  const int w = static_cast<int>(name_width);
  std::snprintf(buf, sizeof buf, "%-*s %8s %10s %10s %10s %10s %10s %10s %6s\n", w, "name", "calls",
                "total", "self", "mean", "p50", "p99", "max", "errors");
  out += buf;
  std::uint64_t errors = 0;
  for (const auto& r : rows) {
    out += r.name;
    out.append(name_width - columns(r.name), ' ');
    std::snprintf(buf, sizeof buf, " %8" PRIu64, r.calls);
    out += buf;
    for (std::uint64_t v : {r.total, r.self, r.mean, r.p50, r.p99, r.max}) {
      out += ' ';
      append_right(out, format_duration(v), 10);
    }
    std::snprintf(buf, sizeof buf, " %6" PRIu64 "\n", r.errors);
    out += buf;
    errors += r.errors;
  }
  std::snprintf(buf, sizeof buf, "%zu trace%s, %zu span%s, %" PRIu64 " error%s\n", traces,
                traces == 1 ? "" : "s", spans, spans == 1 ? "" : "s", errors,
                errors == 1 ? "" : "s");
  out += buf;
  return out;
}

std::string format_summary_csv(const std::vector<SummaryRow>& rows) {
  std::string out = "name,calls,errors,total_ns,self_ns,mean_ns,p50_ns,p99_ns,max_ns\n";
  char buf[256];
  for (const auto& r : rows) {
    // RFC 4180 quoting: span names can hold commas (template arguments).
    out += '"';
    for (char c : r.name) {
      if (c == '"')
        out += '"';
      out += c;
    }
    out += '"';
    std::snprintf(buf, sizeof buf,
                  ",%" PRIu64 ",%" PRIu64 ",%" PRIu64 ",%" PRIu64 ",%" PRIu64 ",%" PRIu64
                  ",%" PRIu64 ",%" PRIu64 "\n",
                  r.calls, r.errors, r.total, r.self, r.mean, r.p50, r.p99, r.max);
    out += buf;
  }
  return out;
}

} // namespace autospan::cli
