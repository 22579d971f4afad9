#include "shared.h"

namespace app {
int first() {
  Counter c;
  return c.bump() + scale(1);
}
} // namespace app

int second_main();

int main() { return app::first() + second_main() == 7 ? 0 : 1; }
