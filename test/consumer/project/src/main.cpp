#include "shop.h"

#include <autospan/autospan.h>

#include <cstdio>

int main(int argc, char** argv) {
  // A manual span around the automatic ones: both kinds share one per-thread context.
  AUTOSPAN_SCOPE("consumer.main");
  const char* orders = argc > 1 ? argv[1] : "apple:2,kiwi:1,pear:3";
  std::printf("total %d\n", shop::checkout(orders));
  return 0;
}
