// The hot path's clock: rdtsc when the TSC is invariant (constant_tsc + nonstop_tsc), otherwise
// CLOCK_MONOTONIC. Ticks are converted to Unix nanoseconds on the export thread only.
#pragma once

#include <cstdint>
#include <ctime>

#if defined(__x86_64__) || defined(__i386__)
#include <x86intrin.h>
#define AUTOSPAN_HAVE_TSC 1
#else
#define AUTOSPAN_HAVE_TSC 0
#endif

namespace autospan::internal {

// Set once by clock_init() before the runtime is marked active.
extern bool g_clock_uses_tsc;

inline std::uint64_t monotonic_ns() noexcept {
  timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<std::uint64_t>(ts.tv_sec) * 1000000000u +
         static_cast<std::uint64_t>(ts.tv_nsec);
}

inline std::uint64_t realtime_ns() noexcept {
  timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  return static_cast<std::uint64_t>(ts.tv_sec) * 1000000000u +
         static_cast<std::uint64_t>(ts.tv_nsec);
}

// The fallback is out of line with a calling convention that preserves the caller's registers,
// so the hot path's fast case needs no register saves (no prologue before the flag check).
#if defined(__clang__) && (defined(__x86_64__) || defined(__aarch64__))
#define AUTOSPAN_PRESERVE_MOST __attribute__((preserve_most))
#else
#define AUTOSPAN_PRESERVE_MOST
#endif
AUTOSPAN_PRESERVE_MOST __attribute__((noinline)) std::uint64_t monotonic_ticks_slow() noexcept;

__attribute__((always_inline)) inline std::uint64_t now_ticks() noexcept {
#if AUTOSPAN_HAVE_TSC
  if (__builtin_expect(g_clock_uses_tsc, 1))
    return __rdtsc();
#endif
  return monotonic_ticks_slow();
}

// Detects the TSC and takes the first calibration point. Idempotent. `force_monotonic` for tests
// and for machines where the TSC lies.
void clock_init(bool force_monotonic = false) noexcept;

// Tick <-> time conversion, anchored at clock_init(). The slope is re-measured against
// CLOCK_MONOTONIC each time calibrate() runs (the export thread does it before each batch), so it
// converges over the process lifetime; CLOCK_REALTIME is sampled once at the anchor.
class TickConverter {
public:
  TickConverter() noexcept;
  // Re-measures the slope. The first call waits until at least 1 ms has passed since the anchor
  // (accuracy for very short programs); later calls never wait.
  void calibrate() noexcept;
  std::uint64_t to_unix_nanos(std::uint64_t ticks) const noexcept;
  // Tick count of a duration (for AUTOSPAN_MIN_DURATION), with the current estimate.
  std::uint64_t ticks_for_ns(std::uint64_t ns) const noexcept;
  double ns_per_tick() const noexcept { return ns_per_tick_; }

private:
  double ns_per_tick_ = 1.0;
  bool calibrated_ = false;
};

// The anchor (shared by all converters).
struct ClockAnchor {
  std::uint64_t ticks;
  std::uint64_t mono_ns;
  std::uint64_t real_ns;
};
const ClockAnchor& clock_anchor() noexcept;
// A (ticks, monotonic ns) pair taken close together.
void clock_sample(std::uint64_t& ticks, std::uint64_t& mono_ns) noexcept;
// Nominal TSC rate from CPUID or /proc/cpuinfo (0 when unknown); only used before calibration.
double clock_nominal_ns_per_tick() noexcept;

} // namespace autospan::internal
