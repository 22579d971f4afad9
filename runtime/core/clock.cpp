#include "clock.h"

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <time.h>

#if AUTOSPAN_HAVE_TSC
#include <cpuid.h>
#endif

namespace autospan::internal {

bool g_clock_uses_tsc = false;

namespace {

ClockAnchor g_anchor{};
double g_nominal_ns_per_tick = 1.0;
std::atomic<bool> g_clock_ready{false};

#if AUTOSPAN_HAVE_TSC
bool cpuinfo_has_flags(const char* a, const char* b) {
  std::FILE* f = std::fopen("/proc/cpuinfo", "re");
  if (!f)
    return false;
  char line[4096];
  bool found_a = false, found_b = false;
  while (std::fgets(line, sizeof line, f)) {
    if (std::strncmp(line, "flags", 5) != 0)
      continue;
    auto has = [&](const char* flag) {
      std::size_t n = std::strlen(flag);
      for (const char* p = std::strstr(line, flag); p; p = std::strstr(p + 1, flag))
        if ((p[-1] == ' ' || p[-1] == '\t') && (p[n] == ' ' || p[n] == '\n' || p[n] == '\0'))
          return true;
      return false;
    };
    found_a = has(a);
    found_b = has(b);
    break;
  }
  std::fclose(f);
  return found_a && found_b;
}

bool tsc_is_invariant() {
  // The kernel derives nonstop_tsc from CPUID.80000007H:EDX[8] (invariant TSC) and clears
  // constant_tsc/nonstop_tsc when it finds the TSC unreliable (e.g. unsynchronised sockets), so
  // its flags are the better witness than CPUID alone.
  return cpuinfo_has_flags("constant_tsc", "nonstop_tsc");
}

double nominal_ns_per_tick() {
  unsigned eax = 0, ebx = 0, ecx = 0, edx = 0;
  if (__get_cpuid(0x15u, &eax, &ebx, &ecx, &edx) && eax != 0 && ebx != 0 && ecx != 0) {
    double hz = static_cast<double>(ecx) * ebx / eax;
    if (hz > 1e8)
      return 1e9 / hz;
  }
  // Virtual machines rarely fill leaf 0x15; "cpu MHz" is the TSC rate there.
  std::FILE* f = std::fopen("/proc/cpuinfo", "re");
  double mhz = 0;
  if (f) {
    char line[512];
    while (std::fgets(line, sizeof line, f)) {
      if (std::strncmp(line, "cpu MHz", 7) == 0) {
        const char* colon = std::strchr(line, ':');
        if (colon)
          mhz = std::atof(colon + 1);
        break;
      }
    }
    std::fclose(f);
  }
  return mhz > 100 ? 1e3 / mhz : 0.4;
}
#endif

} // namespace

std::uint64_t monotonic_ticks_slow() noexcept {
  return monotonic_ns();
}

void clock_sample(std::uint64_t& ticks, std::uint64_t& mono_ns) noexcept {
  if (!g_clock_uses_tsc) {
    ticks = mono_ns = monotonic_ns();
    return;
  }
  // Bracket the clock_gettime between two TSC reads and keep the tightest of a few tries.
  std::uint64_t best_width = ~0ull;
  for (int i = 0; i < 5; ++i) {
    std::uint64_t t1 = now_ticks();
    std::uint64_t m = monotonic_ns();
    std::uint64_t t2 = now_ticks();
    if (t2 - t1 < best_width) {
      best_width = t2 - t1;
      ticks = t1 + (t2 - t1) / 2;
      mono_ns = m;
    }
  }
}

void clock_init(bool force_monotonic) noexcept {
  if (g_clock_ready.load(std::memory_order_acquire))
    return;
#if AUTOSPAN_HAVE_TSC
  g_clock_uses_tsc = !force_monotonic && tsc_is_invariant();
  g_nominal_ns_per_tick = g_clock_uses_tsc ? nominal_ns_per_tick() : 1.0;
#else
  (void)force_monotonic;
#endif
  clock_sample(g_anchor.ticks, g_anchor.mono_ns);
  g_anchor.real_ns = realtime_ns() - (monotonic_ns() - g_anchor.mono_ns);
  g_clock_ready.store(true, std::memory_order_release);
}

const ClockAnchor& clock_anchor() noexcept {
  return g_anchor;
}

double clock_nominal_ns_per_tick() noexcept {
  return g_nominal_ns_per_tick;
}

TickConverter::TickConverter() noexcept : ns_per_tick_(g_nominal_ns_per_tick) {}

void TickConverter::calibrate() noexcept {
  if (!g_clock_uses_tsc) {
    ns_per_tick_ = 1.0;
    calibrated_ = true;
    return;
  }
  std::uint64_t ticks = 0, mono = 0;
  for (;;) {
    clock_sample(ticks, mono);
    if (mono - g_anchor.mono_ns >= 1000000 || calibrated_)
      break;
    timespec pause{0, 100000};
    nanosleep(&pause, nullptr);
  }
  if (ticks > g_anchor.ticks && mono > g_anchor.mono_ns)
    ns_per_tick_ =
        static_cast<double>(mono - g_anchor.mono_ns) / static_cast<double>(ticks - g_anchor.ticks);
  calibrated_ = true;
}

std::uint64_t TickConverter::to_unix_nanos(std::uint64_t ticks) const noexcept {
  // Signed: records from before the anchor are possible when the clock was read by a thread
  // that raced with initialisation.
  double delta = static_cast<double>(static_cast<std::int64_t>(ticks - g_anchor.ticks));
  return g_anchor.real_ns +
         static_cast<std::uint64_t>(static_cast<std::int64_t>(delta * ns_per_tick_));
}

std::uint64_t TickConverter::ticks_for_ns(std::uint64_t ns) const noexcept {
  if (ns == 0)
    return 0;
  return static_cast<std::uint64_t>(static_cast<double>(ns) / ns_per_tick_) + 1;
}

} // namespace autospan::internal
