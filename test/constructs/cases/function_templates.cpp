// Function templates: each instantiation is instrumented (the pattern is not), under the
// pattern's name. An explicit specialisation is an ordinary function with the same name.
namespace app {

template <class T> T largest(T a, T b) { return a < b ? b : a; }
// expected-remark@-1 {{instrumented 'app::largest' (instantiation 'app::largest<int>')}}
// expected-remark@-2 {{instrumented 'app::largest' (instantiation 'app::largest<double>')}}

template <> const char* largest(const char* a, const char*) { return a; } // expected-remark {{instrumented 'app::largest'}}

template <class T> auto deduced(T t) { return t + 1; } // expected-remark {{instrumented 'app::deduced' (instantiation 'app::deduced<int>')}}

template <int N> int fixed() { return N; } // expected-remark {{instrumented 'app::fixed' (instantiation 'app::fixed<4>')}}

// Explicit instantiation definition: instantiated here, not at the end of the file.
template long largest(long, long); // expected-remark@5 {{instrumented 'app::largest' (instantiation 'app::largest<long>')}}

} // namespace app

int main() {
  int a = app::largest(1, 2);
  double b = app::largest(1.0, 0.5);
  const char* c = app::largest("x", "y");
  long d = app::largest(3L, 4L);
  return a + static_cast<int>(b) + (c[0] == 'x') + static_cast<int>(d) + app::deduced(1) +
                     app::fixed<4>() == 14
             ? 0
             : 1;
}

/* expected spans
app::largest x4
app::deduced
app::fixed
*/
