// `autospan summary`: one row per span name with call count and timing statistics.
#pragma once

#include "trace_model.h"

#include <cstdint>
#include <string>
#include <vector>

namespace autospan::cli {

struct SummaryRow {
  std::string name;
  std::uint64_t calls = 0;
  std::uint64_t errors = 0;
  std::uint64_t total = 0; // ns, sum of durations
  std::uint64_t self = 0;  // ns, sum of self times (see self_time)
  std::uint64_t mean = 0;
  std::uint64_t p50 = 0; // nearest-rank percentiles over this name's durations
  std::uint64_t p99 = 0;
  std::uint64_t max = 0;
};

enum class SummarySort { Total, Self, Calls, Max, Name };

std::vector<SummaryRow> summarize(const TraceData& data, const Forest& forest,
                                  SummarySort sort = SummarySort::Total);

// A fixed-width table with human units, then a totals line.
std::string format_summary_table(const std::vector<SummaryRow>& rows, std::size_t traces,
                                 std::size_t spans);
// CSV with a header line; times in integer nanoseconds, for scripts.
std::string format_summary_csv(const std::vector<SummaryRow>& rows);

} // namespace autospan::cli
