// The one benchmark source. Every variant compiles exactly this file; only the flags differ
// (uninstrumented, the autospan plugin, -finstrument-functions, XRay). The macro variant defines
// AUTOSPAN_BENCH_MACRO, which spells in the line autospan-rewrite would insert.
#include "workload.h"

#if defined(AUTOSPAN_BENCH_MACRO)
#include <autospan/autospan.h>
#define BENCH_SITE(name) AUTOSPAN_FUNCTION(name)
#elif defined(AUTOSPAN_BENCH_ABI_V1)
// What the plugin injected up to ABI version 1 (still exported by the runtime), spelled out: both
// calls unconditional, the exit through the token's address. The "before" of the same run.
#include <autospan/autospan.h>
#define BENCH_SITE(name)                                                                           \
  static autospan_site bench_site = {name, name, __FILE__, __LINE__, AUTOSPAN_SITE_AUTO, 0u, 0u};  \
  void* bench_token __attribute__((cleanup(autospan_exit_v1))) = autospan_enter_v1(&bench_site)
#else
#define BENCH_SITE(name)
#endif

// Outside benchapp, so never instrumented by the plugin or the macro.
namespace benchplain {
__attribute__((noinline)) int step(int x) {
  asm volatile("" : "+r"(x));
  return x + 1;
}
} // namespace benchplain

namespace benchapp {

// noinline and the empty asm keep each call a real call of a function with a side effect, so
// the uninstrumented build cannot fold, hoist or vectorise the loop away.
__attribute__((noinline)) int tiny(int x) {
  BENCH_SITE("benchapp::tiny");
  asm volatile("" : "+r"(x));
  return x + 1;
}

__attribute__((noinline)) int run_tiny(int n) {
  BENCH_SITE("benchapp::run_tiny");
  int acc = 0;
  for (int i = 0; i < n; ++i)
    acc = tiny(acc);
  return acc;
}

__attribute__((noinline)) int relay(int x) {
  BENCH_SITE("benchapp::relay");
  return benchplain::step(x);
}

__attribute__((noinline)) int run_relay(int n) {
  BENCH_SITE("benchapp::run_relay");
  int acc = 0;
  for (int i = 0; i < n; ++i)
    acc = relay(acc);
  return acc;
}

__attribute__((noinline)) unsigned busy(unsigned seed) {
  BENCH_SITE("benchapp::busy");
  // A dependent chain of multiply-adds: latency-bound, fixed length, no memory traffic.
  unsigned x = seed;
  for (int i = 0; i < 64; ++i) {
    x = x * 1664525u + 1013904223u;
    asm volatile("" : "+r"(x));
  }
  return x;
}

__attribute__((noinline)) unsigned run_busy(int n) {
  BENCH_SITE("benchapp::run_busy");
  unsigned acc = 1;
  for (int i = 0; i < n; ++i)
    acc = busy(acc);
  return acc;
}

} // namespace benchapp
