// `autospan html`: one self-contained HTML page (inline CSS and JavaScript, a
// Content-Security-Policy that forbids every network request) with a trace list, a waterfall
// per trace, zoom, span details and a name filter. The page's code is cli/report/; the spans
// are embedded as one compact JSON block (string table, deduplicated attribute sets, columns
// of small integers), which the page decodes into typed arrays.
#pragma once

#include "progress.h"
#include "trace_model.h"

#include <cstdio>
#include <string>

namespace autospan::cli {

struct HtmlOptions {
  std::string title;
};

// Returns false when writing fails.
bool write_html_report(const TraceData& data, const Forest& forest, std::FILE* out,
                       const HtmlOptions& options, Progress* progress = nullptr);

} // namespace autospan::cli
