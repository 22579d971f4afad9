// rewriter-args: --namespace app --exclude app::detail --exclude app::Cache::get --min-statements 2
// The selection flags mean what the plugin's arguments mean.
#include <autospan/autospan.h>

namespace app {
namespace detail {
int helper(int x) {
  int y = x;
  return y;
}
} // namespace detail

struct Cache {
  int get(int k) const {
    int v = k;
    return v;
  }
  int put(int k) {
    int v = k;
    return v;
  }
};

int too_short(int x) { return x; }

AUTOSPAN_TRACE int requested_short(int x) { return x; }

AUTOSPAN_NO_TRACE int opted_out(int x) {
  int y = x;
  return y;
}

} // namespace app

AUTOSPAN_TRACE_AS("global work") int global_work(int x) {
  int y = x * 2;
  return y;
}

int not_selected(int x) {
  int y = x;
  return y;
}

int main() {
  app::Cache c;
  return app::detail::helper(1) + c.get(1) + c.put(1) + app::too_short(1) +
                 app::requested_short(1) + app::opted_out(1) + global_work(1) +
                 not_selected(1) ==
             9
         ? 0
         : 1;
}

/* expected spans
app::Cache::put
app::requested_short
global work
*/
