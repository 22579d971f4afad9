// C++14: lambdas are never constexpr here, so even trivial ones are instrumented.
namespace app {

auto make_adder(int n) { // expected-remark {{instrumented 'app::make_adder'}}
  return [n](int v) { return v + n; }; // expected-remark {{instrumented 'app::make_adder::<lambda at cxx14.cpp:5>'}}
}

template <class T> constexpr T cx_max(T a, T b) { return a < b ? b : a; } // expected-remark {{not instrumented 'app::cx_max': constexpr function (instantiation 'app::cx_max<int>')}}

int use() { // expected-remark {{instrumented 'app::use'}}
  auto generic = [](auto x) { return x; }; // expected-remark {{instrumented 'app::use::<lambda at cxx14.cpp:11>' (instantiation}}
  return make_adder(1)(generic(2)) + cx_max(1, 2);
}

} // namespace app

int main() { return app::use() == 5 ? 0 : 1; }

/* expected spans
app::use
  app::make_adder
  app::use::<lambda at cxx14.cpp:11>
  app::make_adder::<lambda at cxx14.cpp:5>
*/
