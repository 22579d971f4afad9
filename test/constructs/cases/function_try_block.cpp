// Function-try-blocks: the span lives inside the try block, so it has ended (with the
// exception recorded) when a handler runs; a constructor's span starts after its member
// initialisers, whose exceptions the handler also sees.
#include <stdexcept>

namespace app {

int risky(int v) { // expected-remark {{instrumented 'app::risky'}}
  if (v == 0)
    throw std::invalid_argument("zero");
  return v;
}

int guarded(int v) try { // expected-remark {{instrumented 'app::guarded'}}
  return risky(v);
} catch (const std::invalid_argument&) {
  return -1;
}

struct Resource {
  explicit Resource(int v) try : value(risky(v)) { // expected-remark {{instrumented 'app::Resource::Resource'}}
    opened = true;
  } catch (const std::invalid_argument&) {
    // a constructor's handler always rethrows
  }
  int value;
  bool opened = false;
};

} // namespace app

int main() {
  int a = app::guarded(2);
  int b = app::guarded(0);
  app::Resource r(3);
  try {
    app::Resource bad(0);
  } catch (const std::invalid_argument&) {
    return a == 2 && b == -1 && r.opened ? 0 : 1;
  }
  return 1;
}

/* expected spans
app::guarded
  app::risky
app::guarded !error std::invalid_argument: zero
  app::risky !error std::invalid_argument: zero
app::risky
app::Resource::Resource
app::risky !error std::invalid_argument: zero
*/
