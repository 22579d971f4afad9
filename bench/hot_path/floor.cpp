#include "floor.h"

#include <x86intrin.h>

namespace benchfloor {
namespace {

__attribute__((noinline)) int plain(int x) {
  asm volatile("" : "+r"(x));
  return x + 1;
}

// What any tracer that times a call must at least do: read the clock on entry and on exit. The
// asm consumes both reads without a memory store.
__attribute__((noinline)) int two_rdtsc(int x) {
  unsigned long long start = __rdtsc();
  asm volatile("" : "+r"(x));
  unsigned long long end = __rdtsc();
  asm volatile("" : : "r"(start), "r"(end));
  return x + 1;
}

} // namespace

__attribute__((noinline)) int run_plain(int n) {
  int acc = 0;
  for (int i = 0; i < n; ++i)
    acc = plain(acc);
  return acc;
}

__attribute__((noinline)) int run_two_rdtsc(int n) {
  int acc = 0;
  for (int i = 0; i < n; ++i)
    acc = two_rdtsc(acc);
  return acc;
}

} // namespace benchfloor
