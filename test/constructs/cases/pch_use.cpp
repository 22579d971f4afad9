// Functions reached through a precompiled header: instrumented once, when the PCH was built.
// Whatever is instantiated here from a PCH template is instrumented here.

namespace app {
int defined_in_user(int x) { return from_header(x) + Helper().bump(x) + scaled(x); } // expected-remark {{instrumented 'app::defined_in_user'}}
} // namespace app

// expected-remark@pch_header.h:7 {{not instrumented 'app::from_header': already instrumented}}
// expected-remark@pch_header.h:10 {{not instrumented 'app::Helper::bump': already instrumented}}
// expected-remark@pch_header.h:13 {{instrumented 'app::scaled' (instantiation 'app::scaled<int>')}}

int main() { return app::defined_in_user(1) == 7 ? 0 : 1; }

/* expected spans
app::defined_in_user
  app::from_header
  app::Helper::bump
  app::scaled
*/
