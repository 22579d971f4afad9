// Windows line endings are kept.
#include <cstdio>

namespace app {

void hello() {
  std::puts("hello");
}

int one() { return 1; }

} // namespace app

int main() {
  app::hello();
  return app::one() == 1 ? 0 : 1;
}
