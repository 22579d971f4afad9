// Namespace patterns and exclusions. Selection for this case:
//   namespace=shop::*::api   namespace=tools   exclude=tools::debug   exclude=tools::Cache::get
// `*` is one namespace, a pattern selects the subtree it names, anonymous namespaces are
// transparent and inline namespaces optional.
namespace shop {
void top() {} // not selected: shop alone matches no pattern
namespace cart::api {
void add() {} // expected-remark {{instrumented 'shop::cart::api::add'}}
namespace v1 {
void legacy() {} // expected-remark {{instrumented 'shop::cart::api::v1::legacy'}}
} // namespace v1
} // namespace cart::api
namespace orders {
inline namespace v2 {
namespace api {
void place() {} // expected-remark {{instrumented 'shop::orders::api::place'}}
} // namespace api
} // namespace v2
} // namespace orders
} // namespace shop

namespace tools {
namespace {
int internal() { return 1; } // expected-remark {{instrumented 'tools::internal'}}
} // namespace
namespace debug {
void dump() {} // expected-remark {{not instrumented 'tools::debug::dump': excluded by 'tools::debug'}}
} // namespace debug
struct Cache {
  int get() const { return 2; } // expected-remark {{not instrumented 'tools::Cache::get': excluded by 'tools::Cache::get'}}
  int put() const { return 3; } // expected-remark {{instrumented 'tools::Cache::put'}}
};
} // namespace tools

namespace toolsmith {
void make() {} // a pattern names whole components: tools does not select toolsmith
} // namespace toolsmith

int main() {
  shop::top();
  shop::cart::api::add();
  shop::cart::api::v1::legacy();
  shop::orders::api::place();
  tools::debug::dump();
  toolsmith::make();
  return tools::internal() + tools::Cache().get() + tools::Cache().put() == 6 ? 0 : 1;
}

/* expected spans
shop::cart::api::add
shop::cart::api::v1::legacy
shop::orders::api::place
tools::internal
tools::Cache::put
*/
