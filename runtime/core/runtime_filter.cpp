// AUTOSPAN_FILTER and autospan::set_filter: the current rule list, per-site resolution, and the
// configuration hooks of runtime_control.h.
//
// Each filter gets a generation. An auto site resolves on its first call under a filter (the
// general enter path: register the site, match its code.function.name) and stores the decision
// with the generation in autospan_site::state. A new filter bumps the generation, so every site
// resolves again on its next call; no list of sites is needed.
#include "../log.h"
#include "filter_rules.h"
#include "runtime_control.h"

#include <autospan/autospan.h>

#include <mutex>

extern "C" {
AUTOSPAN_ABI_EXPORT unsigned int autospan_filter_off_v2 = 1;
}

namespace autospan::internal {

ControlGlobals g_control;

namespace {

struct CompiledFilter {
  unsigned generation; // 1 .. 2^30-1
  FilterRules rules;
};

std::mutex g_filter_mutex; // serialises installs
std::atomic<const CompiledFilter*> g_filter{nullptr};
unsigned g_last_generation = 0;

constexpr unsigned kGenerationLimit = 1u << (32 - kSiteFilterGenerationShift);

unsigned state_bits(unsigned generation, bool on) {
  return (generation << kSiteFilterGenerationShift) | (on ? 0u : kSiteFilterOff);
}

// Readers on other threads may still hold the old filter: it stays allocated (and reachable for
// leak checkers). set_filter is an operator's action, not a per-request call.
void retire(const CompiledFilter* f) {
  if (f == nullptr)
    return;
  static auto* retired = new std::vector<const CompiledFilter*>();
  retired->push_back(f);
}

void install(FilterRules rules) {
  std::lock_guard<std::mutex> lock(g_filter_mutex);
  const CompiledFilter* next = nullptr;
  if (!rules.empty()) {
    g_last_generation = g_last_generation + 1 < kGenerationLimit ? g_last_generation + 1 : 1;
    next = new CompiledFilter{g_last_generation, std::move(rules)};
  }
  retire(g_filter.exchange(next, std::memory_order_acq_rel));
  __atomic_store_n(&autospan_filter_off_v2, next ? state_bits(next->generation, false) : 1u,
                   __ATOMIC_RELEASE);
  // Without the throw hook every enter must take the general path (runtime.h, kGateSlow).
  g_control.filter_on_tag.store(
      next && config().have_throw_hook ? state_bits(next->generation, true) : 1u,
      std::memory_order_release);
}

FilterRules parse_and_report(std::string_view text, const char* source, bool* clean) {
  std::vector<std::string> warnings;
  FilterRules rules = FilterRules::parse(text, &warnings);
  for (const auto& w : warnings)
    AUTOSPAN_LOG(Warn, "%s: %s", source, w.c_str());
  if (clean)
    *clean = warnings.empty();
  return rules;
}

} // namespace

bool filter_admits(autospan_site* site) noexcept {
  if ((site->flags & AUTOSPAN_SITE_KIND_MASK) != AUTOSPAN_SITE_AUTO)
    return true; // the filter is over compiled-in functions; AUTOSPAN_SCOPE is always recorded
  const CompiledFilter* f = g_filter.load(std::memory_order_acquire);
  if (f == nullptr)
    return true;
  unsigned resolved_on = state_bits(f->generation, true);
  unsigned s = __atomic_load_n(&site->state, __ATOMIC_RELAXED) & ~unsigned{kSiteLatched};
  if (s == resolved_on)
    return true;
  if (s == (resolved_on | kSiteFilterOff))
    return false;
  BusyScope busy;
  std::uint32_t id = __atomic_load_n(&site->id, __ATOMIC_ACQUIRE);
  if (id == 0)
    id = register_site(site);
  const SiteInfo* info = site_info(id);
  if (info == nullptr)
    return true; // out of memory: trace rather than lose the decision
  bool on = f->rules.enabled(info->function);
  // Keep the latch bit, which another thread may set meanwhile.
  unsigned old = __atomic_load_n(&site->state, __ATOMIC_RELAXED);
  while (!__atomic_compare_exchange_n(&site->state, &old,
                                      (old & kSiteLatched) | state_bits(f->generation, on), true,
                                      __ATOMIC_RELAXED, __ATOMIC_RELAXED)) {
  }
  return on;
}

void control_configure(const RuntimeConfig& c) noexcept {
  try {
    install(parse_and_report(c.options.filter, "AUTOSPAN_FILTER", nullptr));
  } catch (...) {
    AUTOSPAN_LOG(Warn, "AUTOSPAN_FILTER: out of memory; the filter is not applied");
  }
  // TRACEPARENT makes the whole process part of an explicitly started trace.
  const bool require_parent = c.options.require_parent && !c.env_context.valid();
  g_control.require_parent.store(require_parent ? 1 : 0, std::memory_order_relaxed);
  // A thread marked outside no longer reaches the runtime from automatic sites, so the mark is
  // lifted here (on the reconfiguring thread; reconfiguration is for tests, single-threaded).
  if (!require_parent)
    t_tls.gate &= static_cast<std::uint8_t>(~kTlsOutside);
}

bool control_needs_slow_gate() noexcept {
  return g_filter.load(std::memory_order_acquire) != nullptr;
}

bool control_root_slow(const RuntimeConfig& c) noexcept {
  return c.env_context.valid() ||
         (c.sampler.kind != SamplerKind::AlwaysOn &&
          c.sampler.kind != SamplerKind::ParentBasedAlwaysOn) ||
         g_control.require_parent.load(std::memory_order_relaxed) != 0 ||
         g_control.custom_sampler.load(std::memory_order_relaxed) != 0;
}

void control_refresh_hot() noexcept {
  const RuntimeConfig& c = config();
  g_hot.root_slow.store(control_root_slow(c) ? 1 : 0, std::memory_order_relaxed);
  // Only an open gate switches; a disabled or not yet initialised runtime keeps its gate.
  std::uint8_t gate = g_hot.gate.load(std::memory_order_acquire);
  for (;;) {
    if (gate != kGateFast && gate != kGateSlow)
      return;
    std::uint8_t want = c.have_throw_hook && !control_needs_slow_gate() ? kGateFast : kGateSlow;
    if (gate == want || g_hot.gate.compare_exchange_weak(gate, want, std::memory_order_acq_rel))
      return;
  }
}

} // namespace autospan::internal

namespace autospan {
inline namespace v1 {

bool set_filter(string_ref rules) noexcept {
  using namespace autospan::internal;
  BusyScope busy;
  ensure_initialized();
  try {
    bool clean = true;
    install(parse_and_report(std::string_view(rules.data(), rules.size()), "autospan::set_filter",
                             &clean));
    control_refresh_hot();
    return clean;
  } catch (...) {
    return false;
  }
}

} // namespace v1
} // namespace autospan
