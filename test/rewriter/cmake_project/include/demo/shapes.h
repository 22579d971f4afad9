#ifndef DEMO_SHAPES_H
#define DEMO_SHAPES_H

namespace demo {

struct Square {
  int side = 0;
  int area() const { return side * side; }
};

int total_area(int n);

} // namespace demo

#endif
