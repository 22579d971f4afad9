// Two instrumented lambdas on one line must not shadow each other's locals (-Wshadow).
namespace app {

int run() {
  auto a = [] { return 1; }; auto b = [] { return 2; };
  return a() + b() + [] { return 3; }() + [] { return 4; }();
}

} // namespace app

int main() { return app::run() == 10 ? 0 : 1; }

/* expected spans
app::run
  app::run::<lambda at two_lambdas_one_line.cpp:5>
  app::run::<lambda at two_lambdas_one_line.cpp:5>
  app::run::<lambda at two_lambdas_one_line.cpp:6>
  app::run::<lambda at two_lambdas_one_line.cpp:6>
*/
