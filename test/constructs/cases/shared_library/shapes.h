#pragma once

namespace app {

struct Shape {
  virtual ~Shape();
  virtual double area() const = 0;
};

Shape* make_square(double side);
double total_area(const Shape* const* shapes, int count);

} // namespace app
