/* C translation units are instrumented too (selection: namespace=::). */
#include <stdio.h>

static int square(int x) { return x * x; } /* expected-remark {{instrumented 'square'}} */

int sum_of_squares(int n) { /* expected-remark {{instrumented 'sum_of_squares'}} */
  int total = 0;
  for (int i = 1; i <= n; ++i)
    total += square(i);
  return total;
}

int main(void) { /* expected-remark {{instrumented 'main'}} */
  printf("%d\n", sum_of_squares(2));
  return 0;
}

/* expected spans
main
  sum_of_squares
    square x2
*/
