// Run-time control of what the compiled-in instrumentation records (docs/runtime.md, "Run-time
// control"): the AUTOSPAN_FILTER rules (also autospan::set_filter), AUTOSPAN_REQUIRE_PARENT, and
// the sampler installed with autospan::set_sampler.
//
// The hot path only calls in here where it has already left the fast path:
//  - a filter is active: enter runs with gate kGateSlow; before the general path it compares the
//    site's state with the current filter's tags (filter_hot): a site resolved off costs one load
//    and one compare more than the disabled path, one resolved on continues on the fast path;
//  - AUTOSPAN_REQUIRE_PARENT: roots take the general path (root_slow), which marks the thread
//    outside (kTlsOutside in t_tls.gate); from then on every enter returns at the TLS gate check,
//    like inside a sampled-out trace, until a Span or ContextScope starts an explicit trace;
//  - a custom sampler: roots take the general path and ask it (root_is_sampled).
#pragma once

#include "runtime.h"

#include <autospan/autospan.h>

#include <atomic>
#include <cstdint>
#include <string>
#include <vector>

namespace autospan::internal {

// autospan_site::state bits owned by the filter (bit 0, kSiteLatched, belongs to latch mode):
// bit 1 = off, bits 2..31 = the generation of the filter the decision was made for (0 = never).
enum : unsigned { kSiteFilterOff = 1u << 1, kSiteFilterGenerationShift = 2 };

struct alignas(64) ControlGlobals {
  // The masked state of an auto site resolved on: generation << 2, when the fast path may run
  // it (the __cxa_throw hook is active); 1 otherwise.
  std::atomic<unsigned> filter_on_tag{1};
  // AUTOSPAN_REQUIRE_PARENT is set and no TRACEPARENT makes the whole process a trace.
  std::atomic<std::uint8_t> require_parent{0};
  // A sampler installed with autospan::set_sampler decides instead of OTEL_TRACES_SAMPLER.
  std::atomic<std::uint8_t> custom_sampler{0};
  // Auto spans whose attributes a sampler extended, waiting for the export thread.
  std::atomic<std::uint32_t> pending_sampler_attributes{0};
};
extern ControlGlobals g_control;

// --- configuration (runtime.cpp) ---
// Applies AUTOSPAN_FILTER and AUTOSPAN_REQUIRE_PARENT of `c` (start-up, reconfigure_for_testing);
// bad rules are logged. Call before the gate is opened.
void control_configure(const RuntimeConfig& c) noexcept;
// Whether enters must leave the fast path (gate kGateSlow) so that the filter is checked.
bool control_needs_slow_gate() noexcept;
// Whether roots must take the general path: a sampler other than always-on decides, TRACEPARENT
// applies, AUTOSPAN_REQUIRE_PARENT, or a custom sampler.
bool control_root_slow(const RuntimeConfig& c) noexcept;
// Re-applies the two above to g_hot after a change at run time (set_filter, set_sampler).
void control_refresh_hot() noexcept;

// --- filter (runtime_filter.cpp) ---
inline unsigned site_filter_state(const autospan_site* site) noexcept {
  return __atomic_load_n(&site->state, __ATOMIC_RELAXED) & ~unsigned{kSiteLatched};
}
// The masked state of an auto site resolved off under the current filter:
// (generation << 2) | kSiteFilterOff; 1 when no filter is active (no masked state is odd).
// Exported (abi.h) because instrumented code compares with it too.
inline unsigned filter_off_tag() noexcept {
  return __atomic_load_n(&autospan_filter_off_v2, __ATOMIC_RELAXED);
}
inline bool site_filtered_off(const autospan_site* site) noexcept {
  return site_filter_state(site) == filter_off_tag();
}
// autospan_enter_v1 with the gate off kGateFast: what the filter already knows about the site.
enum class FilterHot { off, on, general };
inline FilterHot filter_hot(const autospan_site* site) noexcept {
  unsigned s = site_filter_state(site);
  if (s == filter_off_tag())
    return FilterHot::off;
  if (s == g_control.filter_on_tag.load(std::memory_order_relaxed))
    return FilterHot::on;
  return FilterHot::general;
}
// enter_general: resolves an auto site against the current filter on its first call (and after
// the filter changed). False when the call is not to be traced.
bool filter_admits(autospan_site* site) noexcept;

// --- AUTOSPAN_REQUIRE_PARENT ---
// enter_general, t_tls.gate != 0: true (and the thread no longer outside) when the call may
// proceed: a manual scope (AUTOSPAN_SCOPE) starts an explicit trace, and a thread marked outside
// before the option was switched off (reconfiguration) is outside no more.
inline bool outside_ends(const autospan_site* site) noexcept {
  if (t_tls.gate != kTlsOutside)
    return false;
  if ((site->flags & AUTOSPAN_SITE_KIND_MASK) != AUTOSPAN_SITE_MANUAL &&
      g_control.require_parent.load(std::memory_order_relaxed))
    return false;
  t_tls.gate = 0;
  return true;
}
// enter_general, at depth 0: true (and the thread marked outside) when an automatic call must not
// be traced because no explicit trace is active.
inline bool outside_explicit_trace(const autospan_site* site) noexcept {
  if (!g_control.require_parent.load(std::memory_order_relaxed) ||
      (site->flags & AUTOSPAN_SITE_KIND_MASK) == AUTOSPAN_SITE_MANUAL)
    return false;
  t_tls.gate |= kTlsOutside;
  return true;
}
// push_frame, after pushing `f` at index d: a Span or a valid context starts an explicit trace.
// An invalid context (extract() found nothing usable) is no trace: with AUTOSPAN_REQUIRE_PARENT,
// automatic calls under it stay outside unless an explicit frame is further down.
inline bool starts_explicit_trace(const Frame& f) noexcept {
  std::uint32_t kind = f.flags & kFrameKindMask;
  return kind == kFrameSpan || (kind == kFrameContext && (f.trace_hi | f.trace_lo) != 0);
}
inline void note_pushed_frame(const ThreadState* t, std::uint32_t d, const Frame& f) noexcept {
  if (starts_explicit_trace(f)) {
    t_tls.gate &= static_cast<std::uint8_t>(~kTlsOutside);
    return;
  }
  if ((f.flags & kFrameKindMask) != kFrameContext || (t_tls.gate & kTlsOutside) ||
      !g_control.require_parent.load(std::memory_order_relaxed))
    return;
  for (std::uint32_t m = 0; m < d; ++m)
    if (starts_explicit_trace(t->stack[m]))
      return;
  t_tls.gate |= kTlsOutside;
}

// --- samplers (custom_sampler.cpp) ---
// root_is_sampled with a custom sampler: assigns the root's ids and asks the sampler.
bool custom_sample_root(ThreadState* t, Frame& f) noexcept;

// What start_span knows about a manual span's parent.
struct SamplerParent {
  bool valid = false;
  std::uint64_t trace_hi = 0, trace_lo = 0, span_id = 0;
  bool sampled = false;
  bool remote = false;
  const std::string* trace_state = nullptr;
  const std::vector<std::pair<std::string, std::string>>* baggage = nullptr;
};
// A manual Span with a custom sampler: its decision; attributes it adds are appended to `added`.
bool custom_sample_span(const SamplerParent& parent, std::uint64_t trace_hi, std::uint64_t trace_lo,
                        autospan::string_ref name, autospan::span_kind kind,
                        std::initializer_list<autospan::attribute> attributes,
                        std::vector<Attribute>* added) noexcept;
// manual_api.cpp, for the samplers. `baggage` nullptr: the calling thread's baggage.
AttributeValue to_attribute_value(const autospan::attribute_value& v);
autospan::Context make_context(std::uint64_t trace_hi, std::uint64_t trace_lo,
                               std::uint64_t span_id, bool sampled, bool remote,
                               const std::string* trace_state,
                               const std::vector<std::pair<std::string, std::string>>* baggage);
// Export thread: appends the attributes a sampler added to the auto span `span_id`.
void take_sampler_attributes(std::uint64_t span_id, std::vector<Attribute>& out);
inline void add_sampler_attributes(std::uint64_t span_id, std::vector<Attribute>& out) {
  if (g_control.pending_sampler_attributes.load(std::memory_order_relaxed) != 0)
    take_sampler_attributes(span_id, out);
}

} // namespace autospan::internal
