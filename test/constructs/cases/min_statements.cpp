// min-statements=3: bodies with fewer statements are skipped (nested statements count, braces
// do not); AUTOSPAN_TRACE functions are instrumented regardless.
#include <autospan/autospan.h>

namespace app {

int tiny(int x) { return x; } // expected-remark {{not instrumented 'app::tiny': 1 statement, fewer than min-statements=3}}

int empty() { return 0; } // expected-remark {{not instrumented 'app::empty': 1 statement, fewer than min-statements=3}}

int branchy(int x) { // expected-remark {{instrumented 'app::branchy'}}
  if (x > 0) {
    return x;
  }
  return -x;
}

AUTOSPAN_TRACE int forced(int x) { return x + 1; } // expected-remark {{instrumented 'app::forced'}}

} // namespace app

int main() { return app::tiny(1) + app::empty() + app::branchy(-2) + app::forced(0) == 4 ? 0 : 1; }

/* expected spans
app::branchy
app::forced
*/
