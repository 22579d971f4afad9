// Child program for unit.core.shared signal/exit tests: records spans, then ends the way argv[1]
// says (sigterm: SIGTERM to itself with the default action; exit: exit() from inside an
// instrumented function, with spans still open).
#include <autospan/autospan.h>

#include <csignal>
#include <cstdlib>
#include <cstring>
#include <unistd.h>

namespace app {
void work() {
  AUTOSPAN_FUNCTION("app::work");
}
void exits_deep() {
  AUTOSPAN_FUNCTION("app::exits_deep");
  std::exit(7);
}
void run(const char* how) {
  AUTOSPAN_FUNCTION("app::run");
  work();
  work();
  if (std::strcmp(how, "exit") == 0)
    exits_deep();
}
} // namespace app

int main(int argc, char** argv) {
  const char* how = argc > 1 ? argv[1] : "sigterm";
  app::run(how);
  if (std::strcmp(how, "sigterm") == 0) {
    kill(getpid(), SIGTERM);
    for (;;)
      pause();
  }
  return 0;
}
