#include <demo/shapes.h>

namespace demo {
int run() { return total_area(2); }
} // namespace demo

int main() { return demo::run() == 5 ? 0 : 1; }

/* expected spans
demo::run
  demo::total_area
    demo::Square::area
    demo::Square::area
    demo::doubled_area
*/
