// Operators: named `operator+` etc. after their class; conversion operators by their target type;
// user-defined literals by their suffix.
namespace app {

struct Vec {
  int x, y;
  Vec operator+(const Vec& o) const { return {x + o.x, y + o.y}; } // expected-remark {{instrumented 'app::Vec::operator+'}}
  bool operator==(const Vec& o) const { return x == o.x && y == o.y; } // expected-remark {{instrumented 'app::Vec::operator=='}}
  int operator[](int i) const { return i == 0 ? x : y; } // expected-remark {{instrumented 'app::Vec::operator[]'}}
  int operator()() const { return x * y; } // expected-remark {{instrumented 'app::Vec::operator()'}}
  explicit operator bool() const { return x != 0 || y != 0; } // expected-remark {{instrumented 'app::Vec::operator bool'}}
};

Vec operator-(const Vec& a) { return {-a.x, -a.y}; } // expected-remark {{instrumented 'app::operator-'}}

unsigned long long operator""_km(unsigned long long v) { return v * 1000; } // expected-remark {{instrumented 'app::operator""_km'}}

} // namespace app

int main() {
  using namespace app;
  Vec a{1, 2}, b{3, 4};
  Vec c = a + b;
  bool same = (c == Vec{4, 6});
  int sum = c[0] + c[1] + c() + (-a).x;
  bool nonzero = static_cast<bool>(c);
  return same && nonzero && sum == 33 && 2_km == 2000 ? 0 : 1;
}

/* expected spans
app::Vec::operator+
app::Vec::operator==
app::Vec::operator[] x2
app::Vec::operator()
app::operator-
app::Vec::operator bool
app::operator""_km
*/
