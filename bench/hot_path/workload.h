// The code under measurement, built once per instrumentation variant (see bench/CMakeLists.txt).
// Everything the variants instrument lives in namespace benchapp; the driver calls in from an
// uninstrumented TU.
#pragma once

namespace benchapp {

// A tiny function: the per-call overhead of instrumentation is measured on it.
int tiny(int x);
// Calls tiny() `n` times; one call of it is the parent span of those n calls.
int run_tiny(int n);
// A tiny function that is not a leaf: it calls benchplain::step (never instrumented). The plugin
// inlines the entry's checks into small leaf functions such as tiny(), not into this one.
int relay(int x);
// Calls relay() `n` times.
int run_relay(int n);
// A function doing fixed work (~70 ns, no calls): the overhead relative to real work.
unsigned busy(unsigned seed);
// Calls busy() `n` times.
unsigned run_busy(int n);

} // namespace benchapp
