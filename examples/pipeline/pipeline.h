// A small data-processing pipeline: extract -> transform -> load. Every function in
// namespace pipeline_example_app gets a span from the autospan plugin; nothing in this code
// mentions tracing except one opt-out and one hand-made span.
#pragma once

#include <autospan/autospan.h>

#include <chrono>
#include <cstddef>
#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace pipeline_example_app {

struct Options {
  int records = 5;
  // Simulated I/O latency per record (reading a row, writing a row), so the trace has
  // realistic proportions. 0 makes the pipeline CPU-only.
  std::chrono::microseconds io_latency{1000};
};

struct Record {
  int id = 0;
  std::string name;
  double value = 0;
};

struct TransformedRecord {
  int id = 0;
  std::string name;
  double value = 0;
  double normalized = 0;
  std::string category;
  bool valid = false;
};

struct Summary {
  std::size_t loaded = 0;
  std::size_t rejected = 0;
  double total = 0;
  double mean = 0;
  double min = 0;
  double max = 0;
  std::map<std::string, int> by_category;
  std::string top_category; // filled in by the manual "Manual Summary Enrichment" span
};

// The stages, each a span of its own.
Summary run_data_processing_pipeline(const std::vector<std::string>& rows, const Options& options);
std::vector<Record> extract_data(const std::vector<std::string>& rows, const Options& options);
Record process_record(const std::string& row, const Options& options);
std::vector<TransformedRecord> transform_data(const std::vector<Record>& records);
TransformedRecord apply_transformation(const Record& record, double max_value);
bool validate_transformation(const TransformedRecord& record);
Summary load_results(const std::vector<TransformedRecord>& records, const Options& options);
Summary generate_summary(const std::vector<TransformedRecord>& loaded, std::size_t rejected);

// Called for every field of every row: too small and too frequent to be worth a span.
std::string_view trim(std::string_view text) AUTOSPAN_NO_TRACE;

} // namespace pipeline_example_app
