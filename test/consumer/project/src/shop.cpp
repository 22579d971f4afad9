#include "shop.h"

#include <cstdio>
#include <stdexcept>

namespace shop {

namespace detail {
int lookup(const std::string& item) {
  if (item == "apple")
    return 3;
  if (item == "pear")
    return 2;
  return -1;
}
} // namespace detail

std::vector<Order> parse(const std::string& text) {
  std::vector<Order> orders;
  std::string::size_type start = 0;
  while (start < text.size()) {
    std::string::size_type end = text.find(',', start);
    if (end == std::string::npos)
      end = text.size();
    const std::string entry = text.substr(start, end - start);
    const std::string::size_type colon = entry.find(':');
    orders.push_back({entry.substr(0, colon), std::stoi(entry.substr(colon + 1))});
    start = end + 1;
  }
  return orders;
}

int price(const Order& order) {
  const int unit = detail::lookup(order.item);
  if (unit < 0)
    throw std::invalid_argument("unknown item: " + order.item);
  return unit * order.quantity;
}

int checkout(const std::string& text) {
  int total = 0;
  int rejected = 0;
  for (const Order& order : parse(text)) {
    try {
      total += price(order);
    } catch (const std::invalid_argument&) {
      ++rejected;
    }
  }
  std::printf("rejected %d\n", rejected);
  return discount(total);
}

} // namespace shop
