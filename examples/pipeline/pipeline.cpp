#include "pipeline.h"

#include <algorithm>
#include <cctype>
#include <stdexcept>
#include <thread>

namespace pipeline_example_app {

std::string_view trim(std::string_view text) {
  while (!text.empty() && std::isspace(static_cast<unsigned char>(text.front())))
    text.remove_prefix(1);
  while (!text.empty() && std::isspace(static_cast<unsigned char>(text.back())))
    text.remove_suffix(1);
  return text;
}

Record process_record(const std::string& row, const Options& options) {
  std::this_thread::sleep_for(options.io_latency); // reading the row
  std::vector<std::string_view> fields;
  std::string_view rest(row);
  for (;;) {
    auto comma = rest.find(',');
    fields.push_back(trim(rest.substr(0, comma)));
    if (comma == std::string_view::npos)
      break;
    rest.remove_prefix(comma + 1);
  }
  if (fields.size() != 3)
    throw std::invalid_argument("expected 3 fields in row: " + row);
  Record record;
  record.id = std::stoi(std::string(fields[0]));
  record.name = std::string(fields[1]);
  record.value = std::stod(std::string(fields[2]));
  return record;
}

std::vector<Record> extract_data(const std::vector<std::string>& rows, const Options& options) {
  std::vector<Record> records;
  records.reserve(rows.size());
  for (const auto& row : rows)
    records.push_back(process_record(row, options));
  return records;
}

TransformedRecord apply_transformation(const Record& record, double max_value) {
  TransformedRecord out;
  out.id = record.id;
  out.name = record.name;
  for (auto& c : out.name)
    c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  out.value = record.value;
  out.normalized = max_value > 0 ? record.value / max_value : 0;
  out.category = out.normalized < 0.34 ? "low" : out.normalized < 0.67 ? "medium" : "high";
  return out;
}

bool validate_transformation(const TransformedRecord& record) {
  return !record.name.empty() && record.normalized >= 0 && record.normalized <= 1;
}

std::vector<TransformedRecord> transform_data(const std::vector<Record>& records) {
  double max_value = 0;
  for (const auto& r : records)
    max_value = std::max(max_value, r.value);
  std::vector<TransformedRecord> out;
  out.reserve(records.size());
  for (const auto& r : records)
    out.push_back(apply_transformation(r, max_value));
  for (auto& t : out)
    t.valid = validate_transformation(t);
  return out;
}

Summary generate_summary(const std::vector<TransformedRecord>& loaded, std::size_t rejected) {
  Summary s;
  s.loaded = loaded.size();
  s.rejected = rejected;
  if (loaded.empty())
    return s;
  s.min = s.max = loaded.front().value;
  for (const auto& r : loaded) {
    s.total += r.value;
    s.min = std::min(s.min, r.value);
    s.max = std::max(s.max, r.value);
    ++s.by_category[r.category];
  }
  s.mean = s.total / static_cast<double>(s.loaded);
  return s;
}

Summary load_results(const std::vector<TransformedRecord>& records, const Options& options) {
  std::vector<TransformedRecord> loaded;
  std::size_t rejected = 0;
  for (const auto& r : records) {
    if (!r.valid) {
      ++rejected;
      continue;
    }
    std::this_thread::sleep_for(options.io_latency); // writing the row
    loaded.push_back(r);
  }
  Summary summary = generate_summary(loaded, rejected);
  {
    // A hand-made span: the plugin names spans after functions, and this block is not one.
    autospan::Span span("Manual Summary Enrichment");
    int best = 0;
    summary.top_category = "none";
    std::vector<std::string> categories;
    for (const auto& [category, count] : summary.by_category) {
      categories.push_back(category);
      if (count > best) {
        best = count;
        summary.top_category = category;
      }
    }
    span.set_attribute("summary.records_loaded", summary.loaded);
    span.set_attribute("summary.records_rejected", summary.rejected);
    span.set_attribute("summary.mean_value", summary.mean);
    span.set_attribute("summary.top_category", summary.top_category);
    span.set_attribute("summary.categories", categories);
    if (summary.rejected > 0)
      span.add_event("records rejected", {{"count", summary.rejected}});
  }
  return summary;
}

Summary run_data_processing_pipeline(const std::vector<std::string>& rows, const Options& options) {
  auto records = extract_data(rows, options);
  auto transformed = transform_data(records);
  return load_results(transformed, options);
}

} // namespace pipeline_example_app
