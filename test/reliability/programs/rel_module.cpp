// A shared module the reliability program dlopen()s, calls and dlclose()s (test
// reliability.dlopen). Instrumented by the plugin (namespace `relmod`): its span names, function
// names and file paths live in this module's read-only data, which is unmapped by dlclose while
// the spans may still wait in the runtime's buffers.
namespace relmod {

int inner(int x) {
  return x * 3 + 1;
}

int outer(int round) {
  int sum = 0;
  for (int i = 0; i < 3; ++i)
    sum += inner(round + i);
  return sum;
}

} // namespace relmod

extern "C" __attribute__((visibility("default"))) int rel_module_run(int round) {
  return relmod::outer(round);
}
