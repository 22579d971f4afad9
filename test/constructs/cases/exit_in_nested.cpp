// exit() from nested instrumented functions: their exit hooks never run, the program's exit
// status is unchanged, and the runtime still exports what was open (ended at exit).
#include <cstdio>
#include <cstdlib>

namespace app {

[[noreturn]] void finish() { // expected-remark {{instrumented 'app::finish'}}
  std::fflush(stdout);
  std::exit(3);
}

void work() {} // expected-remark {{instrumented 'app::work'}}

void shut_down() { // expected-remark {{instrumented 'app::shut_down'}}
  work();
  finish();
}

} // namespace app

int main() { app::shut_down(); }

/* expected spans
app::shut_down
  app::work
  app::finish
*/
