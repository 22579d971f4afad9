// Selection from good.filter: namespace app, minus app::detail.
namespace app {
int f() { return 1; } // expected-remark {{instrumented 'app::f'}}
namespace detail {
int g() { return 2; } // expected-remark {{not instrumented 'app::detail::g': excluded by 'app::detail'}}
} // namespace detail
} // namespace app
