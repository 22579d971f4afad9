// Process-wide runtime state shared by the hot path, the manual API and the export thread.
#pragma once

#include "../exporter.h"
#include "../span_data.h"
#include "options.h"
#include "thread_state.h"

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <typeinfo>
#include <vector>

namespace autospan::internal {

// g_hot.gate values. Uninit: the first call initialises the runtime. Slow: every enter takes the
// general path (no __cxa_throw hook, so entry records std::uncaught_exceptions()).
enum : std::uint8_t { kGateUninit = 0, kGateFast = 1, kGateDisabled = 2, kGateSlow = 3 };
// g_hot.exit_mode bits: any set sends every exit through the general path.
enum : std::uint8_t { kExitLatch = 1, kExitSummary = 2, kExitUncaught = 4 };

struct alignas(64) HotGlobals {
  std::atomic<std::uint8_t> gate{kGateUninit};
  std::atomic<std::uint8_t> exit_mode{0};
  // Roots (depth 0) take the general path: a sampler must decide, or a process-wide parent
  // context (TRACEPARENT) applies.
  std::atomic<std::uint8_t> root_slow{0};
  std::atomic<std::uint64_t> min_ticks{0};
};
extern HotGlobals g_hot;

// autospan_site::state bits.
enum : unsigned { kSiteLatched = 1u };

// A registered call site: strings copied out of the descriptor on first use, so that records
// survive a dlclose of the instrumented library.
struct SiteInfo {
  std::string name;     // span name
  std::string function; // code.function.name
  std::string file;
  std::uint32_t line = 0;
  std::uint32_t flags = 0;
};
// Returns the site's id (> 0), registering it if needed; 0 on allocation failure. Takes a lock
// once per site.
std::uint32_t register_site(autospan_site* site) noexcept;
// Registered sites are immutable and never freed.
const SiteInfo* site_info(std::uint32_t id) noexcept;
std::uint32_t site_count() noexcept;

// What an exception that left a function looked like (payload of an error record).
struct ExceptionInfo {
  std::string type;    // demangled; "" when unknown (static runtime without the throw hook)
  std::string message; // what() for std::exception
};

// A span context: ours (a Span, an auto frame with ids) or remote (extracted).
struct ContextValue {
  std::uint64_t trace_hi = 0, trace_lo = 0;
  std::uint64_t span_id = 0;
  std::uint8_t trace_flags = 0;
  bool remote = false;
  std::string trace_state;
  std::vector<std::pair<std::string, std::string>> baggage;
  bool valid() const { return (trace_hi | trace_lo) != 0 && span_id != 0; }
};

// Immutable baggage snapshot handed to the export thread with a Baggage record.
struct BaggageSnapshot {
  std::vector<std::pair<std::string, std::string>> entries;
};

enum class SamplerKind {
  AlwaysOn,
  AlwaysOff,
  TraceIdRatio,
  ParentBasedAlwaysOn,
  ParentBasedAlwaysOff,
  ParentBasedTraceIdRatio
};

struct SamplerConfig {
  SamplerKind kind = SamplerKind::ParentBasedAlwaysOn;
  double ratio = 1.0;
};
// The OpenTelemetry decision for a new span. `has_parent`/`parent_sampled` describe the parent.
bool sampler_decide(const SamplerConfig& s, std::uint64_t trace_hi, std::uint64_t trace_lo,
                    bool has_parent, bool parent_sampled) noexcept;
SamplerConfig sampler_from_options(const Options& o, std::vector<std::string>* warnings);

struct RuntimeConfig {
  Options options;
  SamplerConfig sampler;
  ContextValue env_context; // TRACEPARENT/TRACESTATE/BAGGAGE
  std::vector<std::string> baggage_attribute_keys;
  bool baggage_all = false;
  std::chrono::nanoseconds schedule_delay{};
  std::chrono::nanoseconds export_timeout{};
  // The final flush at exit or on SIGINT/SIGTERM: min(OTEL_BSP_EXPORT_TIMEOUT, the OTLP timeout
  // when an otlp exporter is configured).
  std::chrono::nanoseconds shutdown_timeout{};
  std::size_t max_queue = 2048;
  std::size_t max_batch = 512;
  bool have_throw_hook = false;
};

// The configuration, valid after initialisation (immutable afterwards, except in tests).
const RuntimeConfig& config() noexcept;

// Initialises the runtime once (environment, exporters, worker). Safe to call from any thread and
// from inside instrumented code; re-entrant calls return immediately.
void ensure_initialized() noexcept;

// --- hot path helpers shared with the manual API (runtime/core/hot_path.cpp) ---
// Gives frames [0, i] ids (lazily assigned) and marks [0, i) kept. `t->stack` must hold i.
void make_kept(ThreadState* t, std::uint32_t i) noexcept;
// The parent span of frame i: (trace, span id, remote); span id 0 when i is a root.
void parent_of(const ThreadState* t, std::uint32_t i, std::uint64_t& span_id,
               bool& remote) noexcept;
// This thread's state, created if needed (kTlsBusy must be set by the caller).
ThreadState* current_thread_state() noexcept;
// Pushes a frame for the manual API; returns its index or UINT32_MAX when the stack is full.
std::uint32_t push_frame(ThreadState* t, const Frame& f) noexcept;
// Pops frame `index` (and any frames above it, which were abandoned).
void pop_frame(ThreadState* t, std::uint32_t index, std::uint64_t now) noexcept;
// Pops the frames above `depth` whose exits never came (longjmp, exit(), exceptions through
// -fno-exceptions code); those worth keeping are emitted, marked unfinished, ending at `now`.
// With `error` (std::terminate on an uncaught exception) each gets status ERROR and that
// exception, and all are kept.
void end_frames_above(ThreadState* t, std::uint32_t depth, std::uint64_t now,
                      const ExceptionInfo* error = nullptr) noexcept;
// Whether the frame's exit on exception unwinding is the runtime's job: an automatic site whose
// landing pad the plugin removed (AUTOSPAN_SITE_RUNTIME_UNWINDS).
bool runtime_unwinds(const Frame& f) noexcept;
// Ends, from the top down, the frames above index `keep` that unwinding has left, each as its own
// exit would have (status ERROR with the exception in flight). Stops at the first frame that
// ends itself (runtime_unwinds() false: it is alive, and so is everything under it), and with
// `below` != 0 at the first frame whose caller's stack pointer is not in [lowest, below): one
// that is not deeper than the catching function, or on another stack.
void end_unwound_frames(ThreadState* t, std::uint32_t keep, std::uintptr_t below,
                        std::uintptr_t lowest) noexcept;
// The frames an exception in flight left below the stack pointer `cfa` (and above its throw).
void unwound_below(std::uintptr_t cfa) noexcept;
// Ends the calling thread's open frames at exit() (marked unfinished).
void end_open_frames_at_exit() noexcept;

// Scoped kTlsBusy: instrumented code called from inside the runtime is not traced (no recursion,
// no deadlock on the runtime's own locks).
class BusyScope {
public:
  BusyScope() noexcept : was_(t_tls.gate & kTlsBusy) { t_tls.gate |= kTlsBusy; }
  ~BusyScope() {
    if (!was_)
      t_tls.gate &= static_cast<std::uint8_t>(~kTlsBusy);
  }
  BusyScope(const BusyScope&) = delete;
  BusyScope& operator=(const BusyScope&) = delete;

private:
  std::uint8_t was_;
};

// --- exceptions (runtime/core/exceptions.cpp) ---
// True when the frame that started at `start_ticks` at index `index` is being unwound by the
// exception in flight; fills `info` (type, message) if so. Clears the pending state when the
// exception has been caught.
bool exception_unwinding(std::uint32_t index, std::uint64_t start_ticks,
                         ExceptionInfo** info) noexcept;
// Whether the __cxa_throw hook is linked and active in this process.
bool exception_hook_active() noexcept;
// Type name and message of an exception object (shared with Span::record_exception).
void describe_exception(const std::type_info* type, void* object, ExceptionInfo& out) noexcept;

// --- ids ---
void random_bytes(void* out, std::size_t n) noexcept;
TraceId trace_id_from_words(std::uint64_t hi, std::uint64_t lo) noexcept;
SpanId span_id_from_word(std::uint64_t v) noexcept;
std::uint64_t word_from_span_id(const SpanId& id) noexcept;
void words_from_trace_id(const TraceId& id, std::uint64_t& hi, std::uint64_t& lo) noexcept;

// Incremented in every fork child (runtime/core/runtime.cpp).
std::uint64_t fork_generation() noexcept;

// tracestate of traces continued through ContextScope: auto spans do not carry it in their
// records, the export thread looks it up by trace id. Bounded (oldest entries forgotten).
void remember_trace_state(std::uint64_t trace_hi, std::uint64_t trace_lo, const std::string& ts);
bool lookup_trace_state(std::uint64_t trace_hi, std::uint64_t trace_lo, std::string& out);

// --- worker (runtime/core/batch_worker.cpp) ---
void worker_wake() noexcept;
// Test hook: replaces the configured exporters (nullptr: none). Takes effect for later batches.
void set_exporters_for_testing(std::vector<std::unique_ptr<SpanExporter>> exporters);

} // namespace autospan::internal
