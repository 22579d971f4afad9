#include "shared.h"

namespace app {
int from_a() { return shared_twice(1) + Shared().id(); } // expected-remark {{instrumented 'app::from_a'}}
} // namespace app

int main() { return app::from_a() + app::from_b() == 90 ? 0 : 1; }

/* expected spans
app::from_a
  app::shared_twice
  app::Shared::id
app::from_b
  app::shared_twice
  app::Shared::id
*/
