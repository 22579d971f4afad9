#include "local.h"
#include <demo/shapes.h>

namespace demo {

int total_area(int n) {
  int sum = 0;
  for (int i = 1; i <= n; ++i)
    sum += Square{i}.area();
  return sum + doubled_area(1) - 2;
}

} // namespace demo
