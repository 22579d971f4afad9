// The consumer test's "application": ordinary code that knows nothing about tracing. Every
// function in namespace shop becomes a span, except shop::detail (excluded by the build).
#pragma once

#include <string>
#include <vector>

namespace shop {

struct Order {
  std::string item;
  int quantity;
};

std::vector<Order> parse(const std::string& text);
int price(const Order& order); // throws std::invalid_argument for an unknown item
int checkout(const std::string& text);

// Defined in the header: instrumented where it is used (plugin), rewritten in the build tree's
// copy of this header (rewrite mode).
inline int discount(int total) {
  return total > 10 ? total - 1 : total;
}

namespace detail {
int lookup(const std::string& item);
} // namespace detail

} // namespace shop
