// `autospan tree`: the spans read from files, rendered by the same tree renderer the console
// exporter uses (runtime/export/tree_render.h), so both show a trace the same way.
#pragma once

#include "trace_model.h"

#include <cstdio>
#include <string>
#include <vector>

namespace autospan::cli {

// The model's span `index` as the runtime's SpanData (what the shared renderer takes).
internal::SpanData to_span_data(const TraceData& data, std::uint32_t index);

// Writes every trace of `forest`, earliest first. Returns false with `error` set if the
// renderer is not part of this build or writing failed.
bool write_trees(const TraceData& data, const Forest& forest, std::FILE* out, bool color,
                 std::string& error);

} // namespace autospan::cli
