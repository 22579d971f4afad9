// Source annotations: AUTOSPAN_NO_TRACE on a function (any declaration of it), a class or a
// namespace (any of its openings) covers everything nested; AUTOSPAN_TRACE and
// AUTOSPAN_TRACE_AS instrument functions outside the selection, and the explicit name wins.
#include <autospan/autospan.h>

namespace app {

void hot_loop() AUTOSPAN_NO_TRACE; // the annotation may sit on any declaration
void hot_loop() {} // expected-remark {{not instrumented 'app::hot_loop': AUTOSPAN_NO_TRACE on the function}}

class AUTOSPAN_NO_TRACE Cache {
public:
  int get() const { return 1; } // expected-remark {{not instrumented 'app::Cache::get': AUTOSPAN_NO_TRACE on class 'app::Cache'}}
  struct Entry {
    int key() const { return 2; } // expected-remark {{not instrumented 'app::Cache::Entry::key': AUTOSPAN_NO_TRACE on class 'app::Cache'}}
  };
};

namespace detail AUTOSPAN_NO_TRACE {
int helper() { return 3; } // expected-remark {{not instrumented 'app::detail::helper': AUTOSPAN_NO_TRACE on namespace 'app::detail'}}
} // namespace detail

namespace detail { // reopened without the annotation: still the same namespace
int other() { return 4; } // expected-remark {{not instrumented 'app::detail::other': AUTOSPAN_NO_TRACE on namespace 'app::detail'}}
} // namespace detail

void quiet() AUTOSPAN_NO_TRACE { // expected-remark {{not instrumented 'app::quiet': AUTOSPAN_NO_TRACE on the function}}
  auto nested = [] { return 5; }; // expected-remark {{not instrumented 'app::quiet::<lambda at annotations.cpp:28>': AUTOSPAN_NO_TRACE on enclosing function 'app::quiet'}}
  nested();
}

__attribute__((no_instrument_function)) void gcc_style() {} // expected-remark {{not instrumented 'app::gcc_style': no_instrument_function attribute}}

AUTOSPAN_TRACE_AS("db.query") int query() { return 6; } // expected-remark {{instrumented 'app::query' as 'db.query'}}

int traced() { return 7; } // expected-remark {{instrumented 'app::traced'}}

} // namespace app

namespace lib { // not selected
AUTOSPAN_TRACE int opted_in() { return 8; } // expected-remark {{instrumented 'lib::opted_in'}}
AUTOSPAN_TRACE_AS("lib.custom") void renamed() {} // expected-remark {{instrumented 'lib::renamed' as 'lib.custom'}}
int untouched() { return 9; }
} // namespace lib

int main() {
  app::hot_loop();
  int r = app::Cache().get() + app::Cache::Entry().key() + app::detail::helper() +
          app::detail::other() + app::query() + app::traced() + lib::opted_in() + lib::untouched();
  app::quiet();
  app::gcc_style();
  lib::renamed();
  return r == 40 ? 0 : 1;
}

/* expected spans
db.query
app::traced
lib::opted_in
lib.custom
*/
