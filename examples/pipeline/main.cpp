// The pipeline example's driver. main() is outside the instrumented namespace, so the trace's
// root span is run_data_processing_pipeline.
#include "pipeline.h"

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <string>
#include <vector>

namespace {

// Deterministic CSV rows (id, name, value) with the untidy spacing real exports have. Every
// fourth reading is negative, which validation rejects.
std::vector<std::string> make_input(int count) {
  std::vector<std::string> rows;
  for (int i = 1; i <= count; ++i) {
    double value = (i * 37) % 100 + 0.25 * i;
    if (i % 4 == 0)
      value = -value;
    char row[64];
    std::snprintf(row, sizeof row, "  %d ,  sensor-%d, %.2f ", i, i, value);
    rows.emplace_back(row);
  }
  return rows;
}

[[noreturn]] void usage(const char* argv0) {
  std::fprintf(stderr, "usage: %s [--records N] [--io-latency-us N]\n", argv0);
  std::exit(2);
}

} // namespace

int main(int argc, char** argv) {
  pipeline_example_app::Options options;
  for (int i = 1; i < argc; ++i) {
    if (i + 1 < argc && std::strcmp(argv[i], "--records") == 0)
      options.records = std::atoi(argv[++i]);
    else if (i + 1 < argc && std::strcmp(argv[i], "--io-latency-us") == 0)
      options.io_latency = std::chrono::microseconds(std::atoi(argv[++i]));
    else
      usage(argv[0]);
  }
  if (options.records < 0 || options.io_latency.count() < 0)
    usage(argv[0]);

  try {
    auto summary =
        pipeline_example_app::run_data_processing_pipeline(make_input(options.records), options);
    std::printf("loaded %zu records, rejected %zu\n", summary.loaded, summary.rejected);
    std::printf("total %.2f, mean %.2f, min %.2f, max %.2f\n", summary.total, summary.mean,
                summary.min, summary.max);
    for (const auto& [category, count] : summary.by_category)
      std::printf("category %-6s %d\n", category.c_str(), count);
    std::printf("top category: %s\n", summary.top_category.c_str());
  } catch (const std::exception& e) {
    std::fprintf(stderr, "pipeline failed: %s\n", e.what());
    return 1;
  }
  return 0;
}
