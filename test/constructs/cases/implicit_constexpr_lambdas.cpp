// Lambdas that are only implicitly constexpr are instrumented, yet stay usable in constant
// expressions evaluated after the plugin has seen them: at compile time the injected entry
// takes a `__builtin_is_constant_evaluated()` branch that touches nothing.
namespace app {

struct Limits {
  int max = [] { return 8; }(); // expected-remark {{instrumented 'app::Limits::<lambda at implicit_constexpr_lambdas.cpp:7>'}}
};

inline auto twice = [](int x) { return 2 * x; }; // expected-remark {{instrumented 'app::<lambda at implicit_constexpr_lambdas.cpp:10>'}}

constexpr auto thrice = [](int x) { return 3 * x; }; // expected-remark {{instrumented 'app::<lambda at implicit_constexpr_lambdas.cpp:12>'}}

constexpr int nine() { // expected-remark {{not instrumented 'app::nine': constexpr function}}
  return [] { return 9; }(); // expected-remark {{not instrumented 'app::nine::<lambda at implicit_constexpr_lambdas.cpp:15>': lambda inside constexpr function 'app::nine'}}
}

auto explicit_cx = [](int x) constexpr { return x; }; // expected-remark {{not instrumented 'app::<lambda at implicit_constexpr_lambdas.cpp:18>': lambda declared constexpr}}

} // namespace app

// Constant evaluation after the namespace was instrumented.
constexpr app::Limits compile_time{};
static_assert(compile_time.max == 8, "default member initialiser still constant");
static_assert(app::twice(2) == 4, "namespace-scope lambda still constant");
static_assert(app::thrice(2) == 6, "lambda in a constexpr variable still constant");
static_assert(app::nine() == 9 && app::explicit_cx(1) == 1, "constexpr untouched");

int main() {
  app::Limits run_time;                 // the same lambda at run time: a span
  return app::twice(run_time.max) + app::thrice(1) + app::nine() == 28 ? 0 : 1;
}

/* expected spans
app::Limits::<lambda at implicit_constexpr_lambdas.cpp:7>
app::<lambda at implicit_constexpr_lambdas.cpp:10>
app::<lambda at implicit_constexpr_lambdas.cpp:12>
*/
