// Precompiled header for pch_use.cpp: its functions are instrumented while the PCH is built
// (with the same plugin arguments) and must not be instrumented a second time when it is used.
#pragma once

namespace app {

inline int from_header(int x) { return x * 3; } // expected-remark {{instrumented 'app::from_header'}}

struct Helper {
  int bump(int x) const { return x + 1; } // expected-remark {{instrumented 'app::Helper::bump'}}
};

template <class T> T scaled(T v) { return v * 2; }

int defined_in_user(int x);

} // namespace app
