// Variadic functions: C-style varargs and parameter packs (one span per instantiation called).
#include <cstdarg>

namespace app {

int sum_c(int count, ...) { // expected-remark {{instrumented 'app::sum_c'}}
  va_list args;
  va_start(args, count);
  int total = 0;
  for (int i = 0; i < count; ++i)
    total += va_arg(args, int);
  va_end(args);
  return total;
}

inline int sum_pack() { return 0; } // expected-remark {{instrumented 'app::sum_pack'}}
template <class T, class... Rest> int sum_pack(T first, Rest... rest) { return first + sum_pack(rest...); }
// expected-remark@-1 {{instrumented 'app::sum_pack' (instantiation 'app::sum_pack<int, int, int>')}}
// expected-remark@-2 {{instrumented 'app::sum_pack' (instantiation 'app::sum_pack<int, int>')}}
// expected-remark@-3 {{instrumented 'app::sum_pack' (instantiation 'app::sum_pack<int>')}}

} // namespace app

int main() { return app::sum_c(3, 1, 2, 3) + app::sum_pack(1, 2, 3) == 12 ? 0 : 1; }

/* expected spans
app::sum_c
app::sum_pack
  app::sum_pack
    app::sum_pack
      app::sum_pack
*/
