#pragma once

namespace demo {
namespace detail {
inline int twice(int x) { return 2 * x; }
} // namespace detail

inline int doubled_area(int side) {
  return detail::twice(side * side);
}
} // namespace demo
