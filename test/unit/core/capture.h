// Test support: an in-test SpanExporter registered through the runtime's test hook, and helpers
// to reconfigure the running runtime from an "environment" map.
#pragma once

#include "core/options.h"
#include "exporter.h"
#include "span_data.h"

#include <map>
#include <string>
#include <vector>

namespace autospan_test {

using autospan::internal::SpanData;

// Applies this environment (on top of nothing: unset variables take their defaults) and installs
// a fresh capturing exporter. Everything recorded before is flushed and discarded.
void configure(const std::map<std::string, std::string>& env = {});

// Flushes and returns the spans exported since the last call.
std::vector<SpanData> take_spans();
autospan::internal::Resource captured_resource();

const SpanData* find_span(const std::vector<SpanData>& spans, const std::string& name);
std::size_t count_spans(const std::vector<SpanData>& spans, const std::string& name);
const autospan::internal::AttributeValue* find_attr(const SpanData& span, const std::string& key);
std::string str_attr(const SpanData& span, const std::string& key);
bool is_root(const SpanData& span);

// Blocks export_batch until release_exporter() (to fill buffers deterministically).
void hold_exporter();
void release_exporter();

// The next `export_calls` export calls fail as an unreachable collector does (retries exhausted).
void make_collector_unavailable(int export_calls);
int export_calls(); // since make_collector_unavailable

} // namespace autospan_test
