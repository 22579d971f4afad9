// The manual API alone (no plugin, no rewriter): what a GCC project gets by linking the runtime.
#include <autospan/autospan.h>

#include <cstdio>
#include <stdexcept>
#include <string>

static int step(int n) {
  AUTOSPAN_SCOPE("manual.step");
  return n * 2;
}

int main() {
  autospan::Span span("manual.run");
  span.set_attribute("manual.items", 3);
  int sum = 0;
  for (int i = 0; i < 3; ++i)
    sum += step(i);
  try {
    throw std::runtime_error("boom");
  } catch (const std::exception& e) {
    span.record_exception(e);
  }
  // Log correlation: the id printed here must be the trace id the receiver gets.
  std::printf("sum %d trace %s\n", sum, autospan::current_context().trace_id_hex().c_str());
  return 0;
}
