// OTLP's ExportTracePartialSuccess, as parsed from a collector's response (protobuf or JSON).
#pragma once

#include <cstdint>
#include <string>

namespace autospan::internal {

struct PartialSuccess {
  std::int64_t rejected_spans = 0;
  std::string error_message;
  // A response that carries neither field means full success (the spec says so for an empty
  // partial_success too).
  bool any() const noexcept { return rejected_spans != 0 || !error_message.empty(); }
};

} // namespace autospan::internal
