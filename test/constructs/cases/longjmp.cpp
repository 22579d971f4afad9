// longjmp leaves functions without running their exit hooks. The program must behave exactly as
// without instrumentation, and the runtime must resynchronise: the frames the jump skipped end
// (marked unfinished by the runtime), and the function that called setjmp keeps its place as
// the parent of what it calls next.
#include <csetjmp>

namespace app {

std::jmp_buf env;

[[noreturn]] void jump_back() { std::longjmp(env, 1); } // expected-remark {{instrumented 'app::jump_back'}}

void deep() { jump_back(); } // expected-remark {{instrumented 'app::deep'}}

int after() { return 1; } // expected-remark {{instrumented 'app::after'}}

int with_longjmp() { // expected-remark {{instrumented 'app::with_longjmp'}}
  if (setjmp(env) == 0)
    deep();
  return after();
}

} // namespace app

int main() { return app::with_longjmp() == 1 ? 0 : 1; }

/* expected spans
app::with_longjmp
  app::deep
    app::jump_back
  app::after
*/
