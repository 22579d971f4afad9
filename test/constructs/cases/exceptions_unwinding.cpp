// Exceptions through functions that have no landing pad of their own (the plugin leaves none just
// to end a span): every frame the exception leaves still ends with status ERROR, where the
// exception is caught, and nothing stays open to become the parent of later spans. Caught in an
// instrumented function, in main (with instrumented code inlined into it at -O2), in a function
// reached through a pointer (no landing pad of the plugin's at all: the runtime's
// __cxa_begin_catch hook), in an instrumented function by a catch-all handler from code inlined
// into it, with a destructor running during unwinding (in an instrumented function and in one that
// is not), and rethrown.
#include <stdexcept>

namespace app {

int noted = 0;

void note(int v) { noted += v; } // expected-remark {{instrumented 'app::note'}}

struct Guard {
  ~Guard() { note(1); } // expected-remark {{instrumented 'app::Guard::~Guard'}}
};

int thrower(int v) { // expected-remark {{instrumented 'app::thrower'}}
  if (v < 0)
    throw std::runtime_error("boom");
  return v;
}

int middle(int v) { return thrower(v) + 1; } // expected-remark {{instrumented 'app::middle'}}

// The destructor runs while the exception passes: its span is this function's child, not the
// child of the frames already left.
int guarded(int v) { // expected-remark {{instrumented 'app::guarded'}}
  Guard g;
  return middle(v);
}

int catcher(int v) { // expected-remark {{instrumented 'app::catcher'}}
  try {
    return middle(v);
  } catch (const std::runtime_error&) {
    note(2);
    return -1;
  }
}

int rethrower(int v) { // expected-remark {{instrumented 'app::rethrower'}}
  try {
    return thrower(v);
  } catch (...) {
    note(3);
    throw;
  }
}

int after() { return 7; } // expected-remark {{instrumented 'app::after'}}

// Inlined into its catcher wherever it is called: the frame the exception leaves shares the
// catcher's stack frame, so only the catcher's own token (not a stack address) tells them apart.
[[gnu::always_inline]] inline int inlined_thrower(int v) { // expected-remark {{instrumented 'app::inlined_thrower'}}
  if (v < 0)
    throw std::runtime_error("inlined boom");
  return v;
}

int inline_catcher(int v) { // expected-remark {{instrumented 'app::inline_catcher'}}
  try {
    return inlined_thrower(v) + 1;
  } catch (...) { // every exception stops here: no path on to the end of the function
    note(0);
    return -3;
  }
}

[[gnu::noinline]] int deep(int v) { return thrower(v) * 2; } // expected-remark {{instrumented 'app::deep'}}

} // namespace app

// Not instrumented, and the call through a pointer hides app::middle from the plugin.
int (*volatile g_target)(int) = app::middle;
int call_through(int v) {
  try {
    return g_target(v);
  } catch (const std::exception&) {
    return -2;
  }
}

// Not instrumented: the destructor of its local (instrumented) runs while the exception passes,
// and its span is a root, not a child of the frames already left.
int holder(int v) {
  app::Guard g;
  return app::deep(v);
}

int main() {
  int result = 0;
  result += app::catcher(-1) == -1 ? 0 : 1;
  try {
    app::guarded(-1);
    result += 1;
  } catch (const std::runtime_error&) {
  }
  result += app::after() == 7 ? 0 : 1;
  try {
    app::middle(-1);
    result += 1;
  } catch (const std::runtime_error&) {
  }
  result += call_through(-1) == -2 ? 0 : 1;
  try {
    app::rethrower(-1);
    result += 1;
  } catch (const std::runtime_error&) {
  }
  result += app::after() == 7 ? 0 : 1;
  result += app::inline_catcher(-1) == -3 ? 0 : 1;
  try {
    holder(-1);
    result += 1;
  } catch (const std::runtime_error&) {
  }
  return result == 0 && app::noted == 7 ? 0 : 1;
}

/* expected spans
app::catcher
  app::middle !error std::runtime_error: boom
    app::thrower !error std::runtime_error: boom
  app::note
app::guarded !error std::runtime_error: boom
  app::middle !error std::runtime_error: boom
    app::thrower !error std::runtime_error: boom
  app::Guard::~Guard
    app::note
app::after
app::middle x2 !error std::runtime_error: boom
  app::thrower !error std::runtime_error: boom
app::rethrower !error std::runtime_error: boom
  app::thrower !error std::runtime_error: boom
  app::note
app::after
app::inline_catcher
  app::inlined_thrower !error std::runtime_error: inlined boom
  app::note
app::deep !error std::runtime_error: boom
  app::thrower !error std::runtime_error: boom
app::Guard::~Guard
  app::note
*/
