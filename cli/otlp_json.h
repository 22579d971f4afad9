// Reads OTLP JSON lines (one ExportTraceServiceRequest per line, the OTLP/JSON mapping:
// lowerCamelCase names, hex ids, enums as numbers or names, 64-bit integers as decimal strings
// or numbers) — what autospan's `file` exporter and the Collector's file exporter write.
#pragma once

#include "json.h"
#include "progress.h"
#include "trace_model.h"

#include <cstdio>
#include <stdexcept>
#include <string>
#include <vector>

namespace autospan::cli {

// A schema error inside one request; `what()` names the JSON path ("resourceSpans[0]...").
class DecodeError : public std::runtime_error {
public:
  using std::runtime_error::runtime_error;
};

// Adds every span of one parsed request to `data`. Throws DecodeError; on a throw, `data`
// may hold part of the request (load_file rolls it back).
void decode_request(const json::Value& request, TraceData& data);

struct LoadOptions {
  bool keep_going = false;     // skip malformed lines (a warning each) instead of failing
  std::size_t max_errors = 20; // stop reporting after this many
  Progress* progress = nullptr;
};

struct LoadStats {
  std::size_t lines = 0;
  std::size_t skipped_lines = 0;
  std::size_t errors = 0;
};

// Reads `path` ("-": standard input) into `data`. Every problem is printed to `diag` as
// "FILE:LINE[:COLUMN]: error: ..." (or "warning:" with keep_going). Returns false when the
// file could not be read or had a malformed line and keep_going is off.
bool load_file(const std::string& path, TraceData& data, const LoadOptions& options,
               std::FILE* diag, LoadStats* stats = nullptr);

} // namespace autospan::cli
