// `autospan convert --to chrome`: the Chrome trace-event JSON format ("JSON Object Format")
// that chrome://tracing, Perfetto UI and speedscope open.
//
// Mapping: one "X" (complete) event per span; pid per resource (service/process), tid per
// `thread.id` attribute; ts/dur in microseconds relative to the earliest span of the input
// (exact to the nanosecond: three decimals from integer arithmetic; the absolute base is in
// otherData.base_unix_nano); args = the span's attributes plus otel.* ids and status; span
// events (exceptions among them) as thread-scoped "i" instant events.
//
// Viewers require the X events of one thread to nest. Spans of one thread that overlap
// without nesting (spans without thread.id, clock steps, async work) are moved to extra
// "overlap" tracks of the same process, so the output always nests.
#pragma once

#include "progress.h"
#include "trace_model.h"

#include <cstdio>

namespace autospan::cli {

// Returns false when writing fails (errno says why).
bool write_chrome_trace(const TraceData& data, std::FILE* out, Progress* progress = nullptr);

} // namespace autospan::cli
