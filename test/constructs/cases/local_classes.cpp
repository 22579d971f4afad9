// Local classes: their member functions are named inside the enclosing function.
namespace app {

int visit(int n) { // expected-remark {{instrumented 'app::visit'}}
  struct Visitor {
    int seen = 0;
    void on(int v) { seen += v; } // expected-remark {{instrumented 'app::visit::Visitor::on'}}
  };
  Visitor v;
  for (int i = 1; i <= n; ++i)
    v.on(i);
  return v.seen;
}

template <class T> T visit_template(T n) { // expected-remark {{instrumented 'app::visit_template' (instantiation 'app::visit_template<int>')}}
  struct Local {
    T twice(T x) { return 2 * x; } // expected-remark {{instrumented 'app::visit_template::Local::twice' (instantiation}}
  };
  return Local().twice(n);
}

} // namespace app

int main() { return app::visit(3) + app::visit_template(2) == 10 ? 0 : 1; }

/* expected spans
app::visit
  app::visit::Visitor::on x3
app::visit_template
  app::visit_template::Local::twice
*/
