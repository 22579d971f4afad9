// Sites already in the source are recognised by their tokens, whatever surrounds them; a site
// with an outdated name is renamed in place, never duplicated.
#include <autospan/autospan.h>

namespace app {

int commented() { /* c */ AUTOSPAN_FUNCTION("app::commented"); return 1; }

int spaced() {
  AUTOSPAN_FUNCTION ( "app::spaced" ) ;
  return 2;
}

int renamed() {
  AUTOSPAN_FUNCTION("app::old_name");
  return 3;
}

int unnamed() {
  AUTOSPAN_FUNCTION(); // by hand, no name: left alone
  return 4;
}

int manual_scope() {
  AUTOSPAN_SCOPE("manual");
  return 5;
}

int concatenated() {
  AUTOSPAN_FUNCTION("app::" "concatenated");
  return 6;
}

} // namespace app

int main() {
  return app::commented() + app::spaced() + app::renamed() + app::unnamed() +
                 app::manual_scope() + app::concatenated() ==
             21
         ? 0
         : 1;
}
