// Reference tracers for the comparison builds: the hooks of -finstrument-functions and the XRay
// handlers. Compiled without instrumentation. Two behaviours:
//   empty   the hooks return at once (the cost of the hook mechanism alone);
//   record  a minimal rdtsc tracer: a clock read on entry onto a per-thread shadow stack, a
//           clock read on exit and a 24-byte record into a per-thread ring (overwritten, never
//           exported). It is the lower bound a real tracer built on these hooks could reach.
#include "tracers.h"

#include <x86intrin.h>

#include <cstdint>

namespace benchtracer {
namespace {

struct Record {
  const void* fn;
  std::uint64_t start;
  std::uint64_t end;
};

#if defined(BENCH_CYG_RECORD) || defined(BENCH_XRAY)
constexpr unsigned kStack = 256;
constexpr unsigned kRing = 4096;

// Executable TLS: local-exec, one %fs-relative access each.
__thread std::uint64_t t_stack[kStack];
__thread unsigned t_depth;
__thread Record t_ring[kRing];
__thread unsigned t_head;

inline void record_enter() noexcept {
  t_stack[t_depth++ % kStack] = __rdtsc();
}

inline void record_exit(const void* fn) noexcept {
  std::uint64_t end = __rdtsc();
  std::uint64_t start = t_stack[--t_depth % kStack];
  Record& r = t_ring[t_head++ % kRing];
  r.fn = fn;
  r.start = start;
  r.end = end;
}
#endif

} // namespace

#if defined(BENCH_CYG_RECORD)
extern "C" __attribute__((no_instrument_function)) void __cyg_profile_func_enter(void*, void*) {
  record_enter();
}
extern "C" __attribute__((no_instrument_function)) void __cyg_profile_func_exit(void* fn, void*) {
  record_exit(fn);
}
#elif defined(BENCH_CYG_EMPTY)
extern "C" __attribute__((no_instrument_function)) void __cyg_profile_func_enter(void*, void*) {}
extern "C" __attribute__((no_instrument_function)) void __cyg_profile_func_exit(void*, void*) {}
#endif

#if defined(BENCH_XRAY)
// XRayEntryType: 0 ENTRY, 1 EXIT, 2 TAIL (a tail call ends the function too).
void xray_empty(std::int32_t, XRayEntryType) {}

void xray_record(std::int32_t id, XRayEntryType type) {
  if (type == XRayEntryType::ENTRY)
    record_enter();
  else if (type == XRayEntryType::EXIT || type == XRayEntryType::TAIL)
    record_exit(reinterpret_cast<const void*>(static_cast<std::intptr_t>(id)));
}
#endif

} // namespace benchtracer
