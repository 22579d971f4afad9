// Inline functions in a header included by two translation units: one descriptor per function
// after linking (the static local merges like any inline function's), one span per call.
#pragma once

namespace app {

inline int shared_twice(int x) { return 2 * x; } // expected-remark {{instrumented 'app::shared_twice'}}

struct Shared {
  int id() const { return 42; } // expected-remark {{instrumented 'app::Shared::id'}}
};

int from_a();
int from_b();

} // namespace app
