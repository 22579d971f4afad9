// C++23: explicit object parameters ("deducing this"), static call operators, `if consteval`.
namespace app {

struct Counter {
  int n = 0;
  template <class Self> int get(this Self&& self) { return self.n; } // expected-remark {{instrumented 'app::Counter::get' (instantiation 'app::Counter::get<app::Counter &>')}}
  int bump(this Counter& self) { return ++self.n; } // expected-remark {{instrumented 'app::Counter::bump'}}
};

struct Static {
  static int operator()(int v) { return v * 2; } // expected-remark {{instrumented 'app::Static::operator()'}}
};

int dual(int v) { // expected-remark {{instrumented 'app::dual'}}
  if consteval {
    return v;
  } else {
    return v + 1;
  }
}

} // namespace app

int main() {
  app::Counter c;
  c.bump();
  return c.get() + app::Static{}(2) + app::dual(1) == 7 ? 0 : 1;
}

/* expected spans
app::Counter::bump
app::Counter::get
app::Static::operator()
app::dual
*/
