// Input of constructs.unwind_ir (check_unwind_ir.js): what the plugin's IR steps leave of the exits
// on the unwinding path (clang-plugin/unwind_pass.h) and of the exits' null tests
// (clang-plugin/exit_test_pass.h).
struct Obj {
  ~Obj();
};
int g(int);

namespace app {
// Only the exit needed a landing pad: none is left, the call to g is a plain call.
int plain(int x) { return g(x) + 1; }
// The landing pad stays for ~Obj and starts by telling the runtime which frames unwinding left.
int with_local(int x) {
  Obj o;
  return g(x);
}
// So does a landing pad with a handler.
int catches(int x) {
  try {
    return g(x);
  } catch (int e) {
    return e;
  }
}
// A handler for every exception: no way on to the unwinding exit, and still the landing pad
// starts by ending the frames the exception left (code inlined here shares this frame, which the
// runtime's __cxa_begin_catch hook cannot tell apart from it by stack address).
int catches_all(int x) {
  try {
    return plain(x);
  } catch (...) {
    return -1;
  }
}
// A small leaf (it calls nothing but the runtime): with optimisation the entry helper is inlined
// into it (clang-plugin/exit_test_pass.h), so a call the runtime refuses is not a call.
int small_leaf(int x) { return x * 3 + 1; }
// A leaf too large for that: it keeps the call of the helper.
unsigned large_leaf(unsigned x) {
  x = (x ^ (x >> 7)) * 3u + 1u;
  x = (x ^ (x >> 9)) * 5u + 2u;
  x = (x ^ (x >> 11)) * 7u + 3u;
  x = (x ^ (x >> 13)) * 11u + 4u;
  x = (x ^ (x >> 15)) * 13u + 5u;
  return x;
}
} // namespace app

// Not instrumented, calls an instrumented function (which -O2 inlines here) and catches: with
// optimisation, notes the depth on entry and ends what was entered since in its handler; without,
// ends the frames below it.
int outside(int x) {
  try {
    return app::plain(x);
  } catch (...) {
    return -1;
  }
}

// Not instrumented, calls an instrumented function, has a destructor to run on the way out: its
// landing pad first ends the frames below it.
int holder(int x) {
  Obj o;
  return app::plain(x);
}

// Neither instrumented nor calling anything instrumented: untouched.
int unrelated(int x) {
  try {
    return g(x);
  } catch (...) {
    return -1;
  }
}
