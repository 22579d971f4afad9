// End-to-end test program. Built twice from this file: with the autospan plugin selecting
// namespace e2e_app, and plain. Both builds must print the same and exit with the same code.
//
// Timing is part of the design: with AUTOSPAN_MIN_DURATION=1ms, functions that sleep >= 2 ms are
// reliably kept and fast_leaf (no work at all) is reliably dropped. The test reads the expected
// code.line.number of each span from the `@span` markers below (the line of the function name).
#include <autospan/autospan.h>

#include <chrono>
#include <cstdio>
#include <cstring>
#include <stdexcept>
#include <string>
#include <thread>

namespace e2e_support { // outside the selected namespace: never a span

void pause_ms(int ms) {
  std::this_thread::sleep_for(std::chrono::milliseconds(ms));
}

} // namespace e2e_support

namespace e2e_app {

using e2e_support::pause_ms;

int fast_leaf(int x) { // @span e2e_app::fast_leaf
  return x + 1;
}

void slow_leaf() { // @span e2e_app::slow_leaf
  pause_ms(5);
}

// Opted out: no span of its own; the slow_leaf it calls becomes a child of its caller.
void hidden() AUTOSPAN_NO_TRACE;
void hidden() {
  slow_leaf();
}

template <typename T> T scaled(T value) { // @span e2e_app::scaled
  pause_ms(2);
  return value * 2;
}

struct Worker {
  int step(int n);
};

int Worker::step(int n) { // @span e2e_app::Worker::step
  pause_ms(2);
  auto inner = [n]() { // @span-prefix e2e_app::Worker::step::<lambda
    pause_ms(2);
    return n * 3;
  };
  return inner();
}

int parse(const char* text) { // @span e2e_app::parse
  pause_ms(2);
  throw std::invalid_argument(std::string("bad record ") + text);
}

int risky() { // @span e2e_app::risky
  pause_ms(2);
  return parse("7");
}

int guarded() { // @span e2e_app::guarded
  try {
    return risky();
  } catch (const std::invalid_argument& e) {
    std::printf("recovered: %s\n", e.what());
    return -1;
  }
}

int run_all() { // @span e2e_app::run_all
  int sum = 0;
  slow_leaf();
  for (int i = 0; i < 3; ++i)
    sum += fast_leaf(i);
  hidden();
  sum += scaled(4);
  Worker worker;
  sum += worker.step(5);
  sum += guarded();
  return sum;
}

// A second trace: a root whose exception escapes to main.
void explode() { // @span e2e_app::explode
  pause_ms(2);
  throw std::runtime_error("explode failed on purpose");
}

} // namespace e2e_app

int main(int argc, char** argv) {
  bool fail = argc > 1 && std::strcmp(argv[1], "--fail") == 0;
  std::printf("sum: %d\n", e2e_app::run_all());
  if (!fail)
    return 0;
  try {
    e2e_app::explode();
  } catch (const std::exception& e) {
    std::printf("main caught: %s\n", e.what());
    return 3;
  }
  return 0;
}
