// The instrumented code lives in a -fPIC shared library; the program links it.
#include "shapes.h"

namespace app {

Shape::~Shape() = default; // expected-remark {{not instrumented 'app::Shape::~Shape': defaulted function}}

namespace {
struct Square : Shape {
  explicit Square(double s) : side(s) {} // expected-remark {{instrumented 'app::Square::Square'}}
  double area() const override { return side * side; } // expected-remark {{instrumented 'app::Square::area'}}
  double side;
};
} // namespace

Shape* make_square(double side) { return new Square(side); } // expected-remark {{instrumented 'app::make_square'}}

double total_area(const Shape* const* shapes, int count) { // expected-remark {{instrumented 'app::total_area'}}
  double sum = 0;
  for (int i = 0; i < count; ++i)
    sum += shapes[i]->area();
  return sum;
}

} // namespace app
