#include "shared.h"

namespace app {
int from_b() { return shared_twice(2) + Shared().id(); } // expected-remark {{instrumented 'app::from_b'}}
} // namespace app
