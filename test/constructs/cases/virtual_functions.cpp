// Virtual functions: calls through the base dispatch to the override, whose span it is.
namespace app {

struct Shape {
  virtual ~Shape() = default; // expected-remark {{not instrumented 'app::Shape::~Shape': defaulted function}}
  virtual int area() const { return 0; } // expected-remark {{instrumented 'app::Shape::area'}}
  virtual int sides() const = 0;
};

// A pure virtual function may still have a definition.
int Shape::sides() const { return -1; } // expected-remark {{instrumented 'app::Shape::sides'}}

struct Square final : Shape {
  int area() const override { return 4; } // expected-remark {{instrumented 'app::Square::area'}}
  int sides() const override { return Shape::sides() + 5; } // expected-remark {{instrumented 'app::Square::sides'}}
};

int measure(const Shape& s) { return s.area() + s.sides(); } // expected-remark {{instrumented 'app::measure'}}

} // namespace app

int main() {
  app::Square sq;
  return app::measure(sq) == 8 ? 0 : 1;
}

/* expected spans
app::measure
  app::Square::area
  app::Square::sides
    app::Shape::sides
*/
