// Class templates: members of every instantiation, partial and explicit specialisations, and
// member templates, all named without template arguments.
namespace app {

template <class T> struct Box {
  T value;
  T get() const { return value; }
  // expected-remark@-1 {{instrumented 'app::Box::get' (instantiation 'app::Box<int>::get')}}
  // expected-remark@-2 {{instrumented 'app::Box::get' (instantiation 'app::Box<double>::get')}}
  template <class U> U as() const { return static_cast<U>(value); } // expected-remark {{instrumented 'app::Box::as' (instantiation 'app::Box<int>::as<long>')}}
  static Box make(T v) { return Box{v}; } // expected-remark {{instrumented 'app::Box::make' (instantiation 'app::Box<int>::make')}}
};

// Partial specialisation: still a template, instantiated per T.
template <class T> struct Box<T*> {
  T* value;
  T get() const { return *value; } // expected-remark {{instrumented 'app::Box::get' (instantiation 'app::Box<int *>::get')}}
};

// Explicit specialisation: an ordinary class.
template <> struct Box<bool> {
  bool value;
  bool get() const { return !value; } // expected-remark {{instrumented 'app::Box::get'}}
};

template <class T> T Box_sum(const Box<T>& a, const Box<T>& b) { return a.get() + b.get(); } // expected-remark {{instrumented 'app::Box_sum' (instantiation 'app::Box_sum<int>')}}

} // namespace app

int main() {
  int i = 5;
  app::Box<int> a = app::Box<int>::make(2);
  app::Box<double> d{1.5};
  app::Box<int*> p{&i};
  app::Box<bool> f{false};
  long l = a.as<long>();
  int r = app::Box_sum(a, a) + static_cast<int>(d.get()) + p.get() + f.get() + static_cast<int>(l);
  return r == 13 ? 0 : 1;
}

/* expected spans
app::Box::make
app::Box::as
app::Box_sum
  app::Box::get x2
app::Box::get x3
*/
