// -fno-exceptions -fno-rtti: the exit runs on every normal return path (no unwinding exists).
namespace app {

struct Node {
  virtual ~Node() {} // expected-remark {{instrumented 'app::Node::~Node'}}
  virtual int value() const { return 1; } // expected-remark {{instrumented 'app::Node::value'}}
};

struct Leaf : Node {
  int value() const override { return 2; } // expected-remark {{instrumented 'app::Leaf::value'}}
};

int pick(int which) { // expected-remark {{instrumented 'app::pick'}}
  if (which < 0)
    return -1; // an early return ends the span too
  Leaf leaf;
  const Node& n = leaf;
  return n.value() + which;
}

} // namespace app

int main() { return app::pick(-5) + app::pick(1) == 2 ? 0 : 1; }

/* expected spans
app::pick
app::pick
  app::Leaf::value
  app::Node::~Node
*/
