// Macros: nothing is edited inside a macro definition; a body passed as a macro argument is
// edited where it is written.
#define DEFINE_GETTER(name, value)                                                                 \
  inline int name() { return value; }
#define AS_IS(...) __VA_ARGS__
#define DECLARE(name) int name()

namespace app {

DEFINE_GETTER(from_definition, 1)

AS_IS(int from_argument() { return 2; })

DECLARE(declared_by_macro) {
  return 3;
}

} // namespace app

int main() {
  return app::from_definition() + app::from_argument() + app::declared_by_macro() == 6 ? 0 : 1;
}

/* expected spans
app::from_argument
app::declared_by_macro
*/
