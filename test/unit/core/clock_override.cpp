// AUTOSPAN_TEST_CLOCK=monotonic makes this test binary's runtime use CLOCK_MONOTONIC instead of
// the TSC, as it does on machines without an invariant TSC and off x86: the hot path's other
// clock branch then runs the same test cases (ctest unit.core.monotonic_clock.*). Test-only: the
// runtime has no such variable. clock_init() keeps the first choice, and this runs before main().
#include "core/clock.h"

#include <cstdlib>
#include <cstring>

namespace {

const bool g_forced = [] {
  const char* v = std::getenv("AUTOSPAN_TEST_CLOCK");
  const bool force = v != nullptr && std::strcmp(v, "monotonic") == 0;
  if (force) {
    // The other runs' OTEL_TRACES_EXPORTER=none: ctest passes catch_discover_tests one variable.
    setenv("OTEL_TRACES_EXPORTER", "none", 0);
    autospan::internal::clock_init(true);
  }
  return force;
}();

} // namespace

namespace autospan_test {
bool clock_forced_monotonic() {
  return g_forced;
}
} // namespace autospan_test
