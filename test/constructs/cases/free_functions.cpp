// Free functions: external, internal (static, anonymous namespace), overloads, noexcept,
// nested and inline namespaces. Selection: namespace=app.
#include <cstdio>

namespace app {

int add(int a, int b) { return a + b; } // expected-remark {{instrumented 'app::add'}}

double add(double a, double b) { return a + b; } // expected-remark {{instrumented 'app::add'}}

static int twice(int x) { return 2 * x; } // expected-remark {{instrumented 'app::twice'}}

namespace {
int hidden(int x) { return x - 1; } // expected-remark {{instrumented 'app::hidden'}}
} // namespace

int safe(int x) noexcept { return x + 1; } // expected-remark {{instrumented 'app::safe'}}

namespace net {
void send() {} // expected-remark {{instrumented 'app::net::send'}}
} // namespace net

inline namespace v2 {
void versioned() {} // expected-remark {{instrumented 'app::versioned'}}
} // namespace v2

void declared_first(); // a declaration alone is nothing to instrument
void declared_first() {} // expected-remark {{instrumented 'app::declared_first'}}

} // namespace app

void outside() {} // global namespace: not selected by namespace=app

int main() {
  int r = app::add(1, 2) + static_cast<int>(app::add(1.0, 2.0)) + app::twice(3) +
          app::hidden(1) + app::safe(0);
  app::net::send();
  app::versioned();
  app::declared_first();
  outside();
  std::printf("%d\n", r);
  return r == 13 ? 0 : 1;
}

/* expected spans
app::add x2
app::twice
app::hidden
app::safe
app::net::send
app::versioned
app::declared_first
*/
