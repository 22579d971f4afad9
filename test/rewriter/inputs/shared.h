// Included by shared_tu1.cpp and shared_tu2.cpp: edited once.
#ifndef APP_SHARED_H
#define APP_SHARED_H

namespace app {

struct Counter {
  int value = 0;
  int bump() {
    ++value;
    return value;
  }
};

inline int scale(int x) { return x * 3; }

} // namespace app

#endif
