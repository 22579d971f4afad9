// Compiled with -Wall -Wextra -Wpedantic -Werror -Wshadow as C++14..C++23 by g++-12, clang-14
// and clang-19 (unit.core.public_header.*): every public name must be usable warning-free.
#include <autospan/autospan.h>

#include <map>
#include <stdexcept>
#include <string>
#include <vector>

namespace app {

AUTOSPAN_NO_TRACE void helper() {}

AUTOSPAN_TRACE_AS("app.query") int query(int x) {
  AUTOSPAN_FUNCTION("app::query");
  return x + 1;
}

int unnamed(int x) {
  AUTOSPAN_FUNCTION();
  auto lambda = [](int y) {
    AUTOSPAN_FUNCTION();
    AUTOSPAN_FUNCTION(); // two on one line-ish: unique names
    return y;
  };
  return lambda(x);
}

void manual(std::map<std::string, std::string>& headers) {
  AUTOSPAN_SCOPE("block");
  autospan::Span span("op", autospan::span_kind::client);
  span.set_attribute("b", true);
  span.set_attribute("i", 1);
  span.set_attribute("l", 2L);
  span.set_attribute("u", 3u);
  span.set_attribute("d", 1.5);
  span.set_attribute("f", 1.5f);
  span.set_attribute("s", "x");
  span.set_attribute("str", std::string("y"));
  span.set_attribute("ai", {1, 2});
  span.set_attribute("ad", {1.0, 2.0});
  span.set_attribute("ab", {true, false});
  span.set_attribute("as", {"a", "b"});
  span.set_attribute("vs", std::vector<std::string>{"a"});
  span.set_attribute("vb", std::vector<bool>{true});
  span.set_attribute("vd", std::vector<double>{1.0});
  span.set_attribute("vi", std::vector<std::int64_t>{1});
  span.add_event("e");
  span.add_event("e2", {{"k", 1}, {"k2", "v"}});
  span.add_link(autospan::current_context(), {{"k", true}});
  span.record_exception(std::runtime_error("x"));
  span.record_exception(std::current_exception());
  span.record_exception("type", "message");
  span.set_status(autospan::status_code::ok);
  span.update_name("op2");
  bool recording = span.is_recording();
  (void)recording;
  autospan::Context ctx = span.context();
  autospan::inject(headers);
  autospan::inject(headers, ctx);
  autospan::inject([](const char*, const char*) {});
  autospan::Context remote = autospan::extract(headers);
  autospan::Context remote2 = autospan::extract([](const char*) { return std::string(); });
  {
    autospan::ContextScope scope(remote);
    autospan::Span child("child", remote2);
  }
  autospan::baggage::set("k", "v");
  std::string v = autospan::baggage::get("k");
  autospan::baggage::remove("k");
  autospan::baggage::clear();
  std::string t = autospan::trace_id_hex() + autospan::span_id_hex() + ctx.trace_id_hex() +
                  ctx.span_id_hex() + ctx.trace_state() + ctx.baggage("k") + v;
  std::vector<std::string> env = autospan::child_environment();
  (void)t;
  (void)env;
  span.end();
  autospan::flush();
  autospan::flush(std::chrono::milliseconds(100));
  autospan::shutdown();
}

} // namespace app

int main() {
  std::map<std::string, std::string> headers;
  app::helper();
  app::manual(headers);
  return app::query(1) + app::unnamed(2);
}
