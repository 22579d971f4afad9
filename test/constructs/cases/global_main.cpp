// namespace=:: selects the global namespace (main included), and only it: app stays untouched.
// Replacement allocation functions are left alone: the runtime allocates too.
#include <cstdlib>
#include <new>

void* operator new(std::size_t n) { return std::malloc(n ? n : 1); } // expected-remark {{not instrumented 'operator new': replacement allocation function (the runtime allocates too)}}
void operator delete(void* p) noexcept { std::free(p); } // expected-remark {{not instrumented 'operator delete': replacement allocation function (the runtime allocates too)}}
void operator delete(void* p, std::size_t) noexcept { std::free(p); } // expected-remark {{not instrumented 'operator delete': replacement allocation function (the runtime allocates too)}}

static int helper(int x) { return x + 1; } // expected-remark {{instrumented 'helper'}}

struct Point {
  int x = 0;
  int get() const { return x; } // expected-remark {{instrumented 'Point::get'}}
};

namespace app {
int elsewhere() { return 2; }
} // namespace app

int main() { // expected-remark {{instrumented 'main'}}
  int* boxed = new int(1);
  int r = helper(Point().get()) + app::elsewhere() + *boxed;
  delete boxed;
  return r == 4 ? 0 : 1;
}

/* expected spans
main
  Point::get
  helper
*/
