// Input of constructs.unwind_ir (check_unwind_ir.js): what the plugin's IR step
// (clang-plugin/unwind_pass.h) leaves of the exits on the unwinding path.
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
