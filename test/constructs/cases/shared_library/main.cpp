#include "shapes.h"

namespace app {
int run() { // expected-remark {{instrumented 'app::run'}}
  Shape* shapes[] = {make_square(1), make_square(2)};
  double area = total_area(shapes, 2);
  for (Shape* s : shapes)
    delete s;
  return area == 5 ? 0 : 1;
}
} // namespace app

int main() { return app::run(); }

/* expected spans
app::run
  app::make_square x2
    app::Square::Square
  app::total_area
    app::Square::area x2
*/
