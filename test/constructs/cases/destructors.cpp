// Destructors: the span covers the body only; members are destroyed after it ends, so their
// destructors' spans follow as siblings.
namespace app {

struct Member {
  ~Member() { ++destroyed; } // expected-remark {{instrumented 'app::Member::~Member'}}
  static int destroyed;
};
int Member::destroyed = 0;

struct Owner {
  virtual ~Owner() { closing = true; } // expected-remark {{instrumented 'app::Owner::~Owner'}}
  Member m;
  bool closing = false;
};

struct Child : Owner {
  ~Child() override {} // expected-remark {{instrumented 'app::Child::~Child'}}
};

void scope() { Owner o; } // expected-remark {{instrumented 'app::scope'}}

} // namespace app

int main() {
  app::scope();
  app::Owner* p = new app::Child;
  delete p; // virtual: ~Child, then ~Owner, then ~Member
  return app::Member::destroyed == 2 ? 0 : 1;
}

/* expected spans
app::scope
  app::Owner::~Owner
  app::Member::~Member
app::Child::~Child
app::Owner::~Owner
app::Member::~Member
*/
