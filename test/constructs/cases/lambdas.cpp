// Lambdas: named after where they are written, `<lambda at FILE:LINE>` inside their enclosing
// function (or class, for default member initialisers). From C++17 on every lambda that can be
// is implicitly constexpr; only those that may really be evaluated at compile time are left alone.
#include <functional>

namespace app {

int apply(const std::function<int(int)>& f, int x) { return f(x); } // expected-remark {{instrumented 'app::apply'}}

struct Widget {
  std::function<int()> on_click = [] { return 1; }; // expected-remark {{instrumented 'app::Widget::<lambda at lambdas.cpp:11>'}}
};

constexpr int constant_square(int x) { // expected-remark {{not instrumented 'app::constant_square': constexpr function}}
  auto sq = [](int v) { return v * v; }; // expected-remark {{not instrumented 'app::constant_square::<lambda at lambdas.cpp:15>': lambda inside constexpr function 'app::constant_square'}}
  return sq(x);
}
static_assert(constant_square(3) == 9, "still a constant expression");

int run() { // expected-remark {{instrumented 'app::run'}}
  int base = 10;
  auto plain = [](int v) { return v + 1; }; // expected-remark {{instrumented 'app::run::<lambda at lambdas.cpp:22>'}}
  auto capturing = [&base](int v) { return v + base; }; // expected-remark {{instrumented 'app::run::<lambda at lambdas.cpp:23>'}}
  auto generic = [](auto v) { return v * 2; };
  // expected-remark@-1 {{instrumented 'app::run::<lambda at lambdas.cpp:24>' (instantiation}}
  // expected-remark@-2 {{instrumented 'app::run::<lambda at lambdas.cpp:24>' (instantiation}}
  auto outer = [](int v) { // expected-remark {{instrumented 'app::run::<lambda at lambdas.cpp:27>'}}
    auto inner = [v] { return v - 1; }; // expected-remark {{instrumented 'app::run::<lambda at lambdas.cpp:27>::<lambda at lambdas.cpp:28>'}}
    return inner();
  };
  auto fixed = [](int v) constexpr { return v; }; // expected-remark {{not instrumented 'app::run::<lambda at lambdas.cpp:31>': lambda declared constexpr}}
  static_assert(fixed(4) == 4, "written constexpr stays constexpr");
  int immediately = [] { return 5; }(); // expected-remark {{instrumented 'app::run::<lambda at lambdas.cpp:33>'}}
  return plain(1) + capturing(1) + generic(1) + static_cast<int>(generic(1.5)) + outer(3) +
         fixed(1) + immediately + apply(plain, 0) + Widget().on_click();
}

} // namespace app

int main() { return app::run() == 28 ? 0 : 1; }

/* expected spans
app::run
  app::run::<lambda at lambdas.cpp:33>
  app::run::<lambda at lambdas.cpp:22>
  app::run::<lambda at lambdas.cpp:23>
  app::run::<lambda at lambdas.cpp:24> x2
  app::run::<lambda at lambdas.cpp:27>
    app::run::<lambda at lambdas.cpp:27>::<lambda at lambdas.cpp:28>
  app::apply
    app::run::<lambda at lambdas.cpp:22>
  app::Widget::<lambda at lambdas.cpp:11>
*/
