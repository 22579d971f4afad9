// Renders finished spans as indented trees, one per trace: the console exporter prints them as
// traces complete, and `autospan tree FILE` prints spans read back from OTLP/JSON files.
//
// Collapse rule (keeps long traces readable): among the children of one span, siblings that have
// the same name and whose subtrees are "plain" (no span with status ERROR and no `exception`
// event) are merged into one line `name × N, total T` when there are at least
// `collapse_threshold` of them. The line sits where the first of them started. Below it, the
// children of all merged siblings are merged the same way by name (`parse × 2000, total 4.1 ms`),
// recursively. Siblings with an error anywhere below them are always shown one by one, so an
// error is never hidden inside a collapsed line.
#pragma once

#include "../span_data.h"

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace autospan::internal {

struct TreeRenderOptions {
  bool color = false;                 // ANSI colours: errors red, durations dim
  std::size_t collapse_threshold = 3; // 0 or 1: never collapse
  std::size_t max_attributes = 6;     // per span, after the filtered keys (see below)
  std::size_t max_value_chars = 64;   // longer attribute values are cut with "…"
  std::size_t max_depth = 256;        // deeper levels are summarised in one line
};

// Renders the given spans (any number of traces, any order). Traces are printed in the order of
// their earliest start, each under a header `trace <id>  <N> spans  <duration>`, separated by a
// blank line. Spans whose parent is missing become top-level nodes and the header says
// "(partial)". Attributes shown: all but code.*, thread.id and thread.name (present on every
// auto span, so noise in a tree). Control characters in names and values are replaced by '?'.
std::string render_tree(const std::vector<const SpanData*>& spans,
                        const TreeRenderOptions& options = {});
std::string render_tree(const std::vector<SpanData>& spans, const TreeRenderOptions& options = {});

// "850 ns", "12.3 µs", "1.23 ms", "123 ms", "4.56 s": three significant digits.
std::string format_duration(std::uint64_t nanoseconds);

} // namespace autospan::internal
