#include "shared.h"

namespace app {
int second() { return scale(1); }
} // namespace app

int second_main() { return app::second() + 0 * app::Counter().bump(); }
