// Where the inserted statement goes, for every way a body can be laid out.
#include <cstdio>

namespace app {

int one_line(int x) { return x + 1; }
int touching(int x) {return x + 2;}
void empty_tight() {}
void empty_spaced() { }
int comment_first() { /* why */ return 3; }
void empty_multiline() {
}
int trailing_comment() { // explains the body
  return 4;
}
int comment_line_first() {
  // a comment that belongs to the first statement
  return 5;
}
int block_comment_across_lines() { /* starts here
  and ends here */ return 6;
}
int statement_on_brace_line() { int y = 7;
  return y;
}

	int tab_indented() {
		return 8;
	}

struct Point {
  int x, y;
  Point(int a, int b) : x(a), y(b) {
    std::printf("point\n");
  }
  ~Point() { std::printf("bye\n"); }
  int sum() const
  {
    return x + y;
  }
};

int function_try_block(int v) try {
  return v / 1;
} catch (...) {
  return -1;
}

int blank_line_first() {

  return 9;
}

} // namespace app

int main() {
  app::Point p(1, 2);
  app::empty_tight();
  app::empty_spaced();
  app::empty_multiline();
  return app::one_line(0) + app::touching(0) + app::comment_first() + app::trailing_comment() +
                 app::comment_line_first() + app::block_comment_across_lines() +
                 app::statement_on_brace_line() + app::tab_indented() + p.sum() +
                 app::function_try_block(1) + app::blank_line_first() ==
             1 + 2 + 3 + 4 + 5 + 6 + 7 + 8 + 3 + 1 + 9
         ? 0
         : 1;
}

/* expected spans
app::Point::Point
app::empty_tight
app::empty_spaced
app::empty_multiline
app::one_line
app::touching
app::comment_first
app::trailing_comment
app::comment_line_first
app::block_comment_across_lines
app::statement_on_brace_line
app::tab_indented
app::Point::sum
app::function_try_block
app::blank_line_first
app::Point::~Point
*/
