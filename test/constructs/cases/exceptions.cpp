// Exceptions: every instrumented function the exception leaves ends with status ERROR and an
// exception event; a function that catches it ends normally. [[noreturn]] functions too.
#include <stdexcept>

namespace app {

[[noreturn]] void fail(const char* why) { throw std::runtime_error(why); } // expected-remark {{instrumented 'app::fail'}}

int parse(int v) { // expected-remark {{instrumented 'app::parse'}}
  if (v < 0)
    fail("negative");
  return v;
}

int checked(int v) noexcept(false) { return parse(v) + 1; } // expected-remark {{instrumented 'app::checked'}}

int recover(int v) { // expected-remark {{instrumented 'app::recover'}}
  try {
    return checked(v);
  } catch (const std::exception&) {
    return 0;
  }
}

} // namespace app

int main() {
  int ok = app::recover(1);
  int failed = app::recover(-1);
  try {
    app::parse(-2);
  } catch (const std::runtime_error&) {
    return ok == 2 && failed == 0 ? 0 : 1;
  }
  return 1;
}

/* expected spans
app::recover
  app::checked
    app::parse
app::recover
  app::checked !error std::runtime_error: negative
    app::parse !error std::runtime_error: negative
      app::fail !error std::runtime_error: negative
app::parse !error std::runtime_error: negative
  app::fail !error std::runtime_error: negative
*/
