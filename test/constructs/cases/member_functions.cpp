// Member functions: inline, const, static, out-of-line, and members of nested classes.
namespace app {

class Counter {
public:
  void bump() { ++n_; }                 // expected-remark {{instrumented 'app::Counter::bump'}}
  int value() const { return n_; }      // expected-remark {{instrumented 'app::Counter::value'}}
  static Counter make() { return {}; }  // expected-remark {{instrumented 'app::Counter::make'}}
  void reset();

  struct Nested {
    int get() const { return 7; } // expected-remark {{instrumented 'app::Counter::Nested::get'}}
  };

private:
  int n_ = 0;
};

void Counter::reset() { n_ = 0; } // expected-remark {{instrumented 'app::Counter::reset'}}

} // namespace app

int main() {
  app::Counter c = app::Counter::make();
  c.bump();
  c.bump();
  int v = c.value();
  c.reset();
  return v + app::Counter::Nested().get() == 9 ? 0 : 1;
}

/* expected spans
app::Counter::make
app::Counter::bump x2
app::Counter::value
app::Counter::reset
app::Counter::Nested::get
*/
