// Functions the plugin must leave alone, each with the reason it gives.
#include <autospan/autospan.h>
#include <coroutine>

#define DEFINE_GETTER(name, value)                                                                 \
  inline int name() { return value; }

namespace app {

constexpr int cx(int v) { return v * 2; } // expected-remark {{not instrumented 'app::cx': constexpr function}}
consteval int ce(int v) { return v * 3; } // expected-remark {{not instrumented 'app::ce': consteval function}}
int sized[cx(2)]; // would silently become a VLA if cx were instrumented (C++ forbids that here)

__attribute__((naked)) void naked_entry() { __asm__("ret"); } // expected-remark {{not instrumented 'app::naked_entry': naked function}}

struct Task {
  struct promise_type {
    Task get_return_object() { return {}; } // expected-remark {{instrumented 'app::Task::promise_type::get_return_object'}}
    std::suspend_never initial_suspend() noexcept { return {}; } // expected-remark {{instrumented 'app::Task::promise_type::initial_suspend'}}
    std::suspend_never final_suspend() noexcept { return {}; } // expected-remark {{instrumented 'app::Task::promise_type::final_suspend'}}
    void return_void() {} // expected-remark {{instrumented 'app::Task::promise_type::return_void'}}
    void unhandled_exception() {} // expected-remark {{instrumented 'app::Task::promise_type::unhandled_exception'}}
  };
};
Task coro() { co_return; } // expected-remark {{not instrumented 'app::coro': coroutine}}

DEFINE_GETTER(generated, 4) // expected-remark {{not instrumented 'app::generated': body comes from a macro definition}}

int by_hand() { // expected-remark {{not instrumented 'app::by_hand': already instrumented}}
  AUTOSPAN_FUNCTION("app::by_hand");
  return 5;
}

int manual_scope_first() { // expected-remark {{instrumented 'app::manual_scope_first'}}
  AUTOSPAN_SCOPE("a manual scope is not a function span");
  return 6;
}

struct Defaults {
  Defaults() = default; // expected-remark {{not instrumented 'app::Defaults::Defaults': defaulted function}}
  Defaults(const Defaults&) = delete; // expected-remark {{not instrumented 'app::Defaults::Defaults': deleted function}}
  int x = 0;
};

} // namespace app

int main() {
  app::coro();
  app::Defaults d;
  int r = app::cx(1) + app::ce(1) + app::generated() + app::by_hand() + app::manual_scope_first() +
          d.x + static_cast<int>(sizeof(app::sized) / sizeof(int));
  return r == 24 ? 0 : 1;
}

/* expected spans
app::Task::promise_type::get_return_object
app::Task::promise_type::initial_suspend
app::Task::promise_type::return_void
app::Task::promise_type::final_suspend
app::by_hand
app::manual_scope_first
  a manual scope is not a function span
*/
