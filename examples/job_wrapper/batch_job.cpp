// A batch job for job_wrapper to run: validates and processes N items, failing on one of them
// on request. Every function in namespace batch_app gets a span from the autospan plugin; the
// code has no tracing in it. Started by job_wrapper, it inherits TRACEPARENT and its spans join
// the wrapper's trace.
//
//   batch_job [--items N] [--fail-at K]
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <stdexcept>
#include <string>

namespace batch_app {

void validate(int item, int fail_at) {
  if (item == fail_at)
    throw std::domain_error("item " + std::to_string(item) + " is invalid");
}

long process_item(int item, int fail_at) {
  validate(item, fail_at);
  long checksum = 0;
  for (int i = 0; i <= item * 1000; ++i)
    checksum += i % 7;
  return checksum;
}

long run_batch(int items, int fail_at) {
  long total = 0;
  for (int item = 1; item <= items; ++item)
    total += process_item(item, fail_at);
  return total;
}

} // namespace batch_app

int main(int argc, char** argv) {
  int items = 5;
  int fail_at = 0;
  for (int i = 1; i + 1 < argc; i += 2) {
    if (std::strcmp(argv[i], "--items") == 0)
      items = std::atoi(argv[i + 1]);
    else if (std::strcmp(argv[i], "--fail-at") == 0)
      fail_at = std::atoi(argv[i + 1]);
  }
  try {
    std::printf("batch done: %d items, checksum %ld\n", items,
                batch_app::run_batch(items, fail_at));
  } catch (const std::exception& e) {
    std::fprintf(stderr, "batch failed: %s\n", e.what());
    return 3;
  }
  return 0;
}
