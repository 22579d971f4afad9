// Shared fixtures for the export tests: span sets, temp files, command runs, stderr capture.
#pragma once

#include "exporter.h"

#include <string>
#include <vector>

namespace autospan::test {

using namespace autospan::internal;

TraceId trace_id(std::uint8_t seed);
SpanId span_id(std::uint8_t seed);

// One batch's owned data.
struct Batch {
  Resource resource;
  InstrumentationScope scope;
  std::vector<SpanData> spans;
  ExportBatch view() const { return ExportBatch{&resource, &scope, spans.data(), spans.size()}; }
};

// Two spans (root, child) that between them use every field and every attribute value type.
Batch full_batch();
// `n` spans with the attributes an auto span carries.
Batch typical_batch(std::size_t n);

// A fresh path under the test temp directory (the directory is created once per run).
std::string temp_path(const std::string& name);
void write_file(const std::string& path, const std::string& data);
std::string read_file(const std::string& path);

// Runs `command` through /bin/sh with stdout captured; returns the exit status.
int run(const std::string& command, std::string& output);

// Captures everything written to fd 2 (the runtime's log) between construction and text().
class StderrCapture {
public:
  StderrCapture();
  ~StderrCapture();
  std::string text(); // stops capturing
private:
  int saved_ = -1;
  std::string path_;
  bool done_ = false;
};

// Every log level on, so that tests see what debug logging would print.
void enable_debug_log();

} // namespace autospan::test
