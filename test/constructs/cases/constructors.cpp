// Constructors: the span starts after the member initialisers (they run before the body), so
// work done in a member's initialiser is a sibling that precedes it, not a child. A delegating
// constructor's target is such an initialiser too.
namespace app {

struct Part {
  explicit Part(int v) : v(v) {} // expected-remark {{instrumented 'app::Part::Part'}}
  int v;
};

int seed() { return 3; } // expected-remark {{instrumented 'app::seed'}}

struct Machine {
  Machine(int a) : first(seed()), second(a) { ready = true; } // expected-remark {{instrumented 'app::Machine::Machine'}}
  Machine() : Machine(1) { delegated = true; } // expected-remark {{instrumented 'app::Machine::Machine'}}
  Machine(const Machine& other) : first(other.first.v), second(other.second.v) {} // expected-remark {{instrumented 'app::Machine::Machine'}}
  Machine(Machine&&) = default; // expected-remark {{not instrumented 'app::Machine::Machine': defaulted function}}
  Machine& operator=(const Machine&) = delete; // expected-remark {{not instrumented 'app::Machine::operator=': deleted function}}

  Part first;
  Part second;
  bool ready = false;
  bool delegated = false;
};

struct Derived : Machine {
  using Machine::Machine; // inheriting constructors are implicit: no span of their own
};

} // namespace app

int main() {
  app::Machine m;             // delegating: Machine(int), then Machine()'s body
  app::Machine copy(m);       // user-written copy constructor
  app::Derived d(5);          // inherited constructor: only Machine(int)'s span
  return m.ready && m.delegated && copy.first.v == 3 && d.second.v == 5 ? 0 : 1;
}

/* expected spans
app::seed
app::Part::Part x2
app::Machine::Machine x2
app::Part::Part x2
app::Machine::Machine
app::seed
app::Part::Part x2
app::Machine::Machine
*/
