// libautospan.a linked without -Wl,--wrap=__cxa_throw (a plain `-lautospan`): exceptions cannot
// be named, but the span still says ERROR, with exception.type "unknown".
#include "capture.h"

#include <autospan/autospan.h>
#include <catch2/catch.hpp>

#include <stdexcept>

using namespace autospan_test;

namespace app {
[[noreturn]] void fails() {
  AUTOSPAN_FUNCTION("app::fails");
  throw std::runtime_error("no hook");
}
void survives() {
  AUTOSPAN_FUNCTION("app::survives");
  try {
    fails();
  } catch (const std::exception&) {
  }
}
} // namespace app

TEST_CASE("without the throw hook: status ERROR, exception.type unknown", "[static][exceptions]") {
  configure();
  app::survives();
  auto spans = take_spans();
  const SpanData* f = find_span(spans, "app::fails");
  const SpanData* s = find_span(spans, "app::survives");
  REQUIRE((f && s));
  CHECK(f->status == autospan::internal::StatusCode::Error);
  REQUIRE(f->events.size() == 1);
  CHECK(f->events[0].name == "exception");
  CHECK(std::get<std::string>(f->events[0].attributes[0].value) == "unknown");
  CHECK(s->status == autospan::internal::StatusCode::Unset);
  CHECK(f->parent_span_id == s->span_id);
}
