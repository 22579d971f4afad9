// The exporter interface: what the batch worker (runtime/core) calls with finished spans.
// Implementations live in runtime/export/ (otlp, console, file). All calls but begin_shutdown
// come from the export thread or its sender thread (or the exiting thread during shutdown), one
// at a time and ordered by the worker: no locking needed inside an exporter, and no call may
// throw.
#pragma once

#include "span_data.h"

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace autospan::internal {

enum class ExportResult {
  Success,
  Failure,        // dropped for good (bad request, non-retryable); counted by the caller
  RetryExhausted, // transient failures outlasted the retry budget / timeout
};

struct ExportBatch {
  const Resource* resource = nullptr;
  const InstrumentationScope* scope = nullptr;
  const SpanData* spans = nullptr;
  std::size_t count = 0;
  // More spans of the same batch, already encoded as OTLP protobuf: consecutive
  // ScopeSpans.spans fields (tag, length, Span message). Only exporters whose
  // accepts_encoded_spans() is true are given any; `count` does not include them.
  const std::uint8_t* encoded_spans = nullptr;
  std::size_t encoded_size = 0;
  std::size_t encoded_count = 0;
};

class SpanExporter {
public:
  virtual ~SpanExporter() = default;
  // Export one batch. Must return within `timeout` (OTEL_EXPORTER_OTLP_TIMEOUT for OTLP).
  virtual ExportResult export_batch(const ExportBatch& batch,
                                    std::chrono::milliseconds timeout) noexcept = 0;
  // Flush anything the exporter buffers itself (e.g. console traces still open).
  virtual void force_flush(std::chrono::milliseconds /*timeout*/) noexcept {}
  // Release resources. No export_batch call follows.
  virtual void shutdown(std::chrono::milliseconds /*timeout*/) noexcept {}
  // The process is exiting. From now on every export_batch call, including one already running
  // on the export thread, returns by `deadline` and gives up on a connection failure instead of
  // retrying it. The only call that may come from another thread than the export thread.
  virtual void begin_shutdown(std::chrono::steady_clock::time_point /*deadline*/) noexcept {}
  virtual const char* name() const noexcept = 0;
  // True when export_batch takes ExportBatch::encoded_spans (OTLP protobuf and gRPC): the batch
  // worker then encodes auto spans straight from its records instead of building SpanData.
  virtual bool accepts_encoded_spans() const noexcept { return false; }
};

} // namespace autospan::internal
