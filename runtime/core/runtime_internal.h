// Internal entry points between runtime.cpp and the other core files (and the unit tests).
#pragma once

#include "../exporter.h"
#include "../span_data.h"
#include "options.h"

#include <atomic>
#include <memory>
#include <string>
#include <vector>

namespace autospan::internal {

Resource build_resource(const Options& o);
std::vector<std::unique_ptr<SpanExporter>> make_exporters(const Options& o);
std::string file_exporter_path(const Options& o);
// OTEL_EXPORTER_OTLP_[TRACES_]* -> OtlpOptions (only with runtime/export; see exporters.h).
struct OtlpOptions;
OtlpOptions otlp_options_from(const Options& o);

// fork(): the registry and site table are locked across fork so the child finds them consistent.
void registry_lock() noexcept;
void registry_unlock() noexcept;
void sites_lock() noexcept;
void sites_unlock() noexcept;
void trace_states_lock() noexcept;
void trace_states_unlock() noexcept;

// The export thread starts on the next recorded span (used in fork children).
void request_worker_start() noexcept;
void maybe_start_worker() noexcept;
extern std::atomic<bool> g_worker_start_pending;

// Frees the exiting thread's baggage (manual_api.cpp).
void release_thread_baggage() noexcept;

// SIGINT/SIGTERM: the handler stores the signal here and wakes the export thread, which flushes
// (bounded by OTEL_BSP_EXPORT_TIMEOUT) and then calls reraise_default().
extern std::atomic<int> g_pending_signal;
void reraise_default(int sig) noexcept;

// Tests: apply a new configuration (min duration, sampler, limits...) to the running runtime.
void reconfigure_for_testing(const Options& options);

} // namespace autospan::internal
