// The manual C++ API: Span with every attribute type, events, links, status, exceptions;
// manual and automatic spans nesting both ways; contexts across threads; baggage; limits.
#include "capture.h"

#include <autospan/autospan.h>
#include <catch2/catch.hpp>

#include <stdexcept>
#include <thread>

using namespace autospan_test;
using autospan::internal::AttributeValue;
using autospan::internal::StatusCode;

namespace app {
void auto_child() {
  AUTOSPAN_FUNCTION("app::auto_child");
  autospan::Span inner("manual grandchild");
}
void auto_parent() {
  AUTOSPAN_FUNCTION("app::auto_parent");
  autospan::Span manual("manual child");
  auto_child();
}
} // namespace app

TEST_CASE("span attributes of every OTLP value type", "[manual]") {
  configure();
  {
    autospan::Span span("typed");
    span.set_attribute("b", true);
    span.set_attribute("i", 42);
    span.set_attribute("u64", static_cast<unsigned long long>(7));
    span.set_attribute("d", 2.5);
    span.set_attribute("s", "text");
    span.set_attribute("str", std::string("std string"));
    span.set_attribute("ab", {true, false});
    span.set_attribute("ai", {1, 2, 3});
    span.set_attribute("ad", {0.5, 1.5});
    span.set_attribute("as", {"x", "y"});
    span.set_attribute("vs", std::vector<std::string>{"p", "q"});
    span.set_attribute("vi", std::vector<std::int64_t>{9});
    span.set_attribute("i", 43); // replaces
  }
  auto spans = take_spans();
  REQUIRE(spans.size() == 1);
  const SpanData& s = spans[0];
  CHECK(std::get<bool>(*find_attr(s, "b")) == true);
  CHECK(std::get<std::int64_t>(*find_attr(s, "i")) == 43);
  CHECK(std::get<std::int64_t>(*find_attr(s, "u64")) == 7);
  CHECK(std::get<double>(*find_attr(s, "d")) == 2.5);
  CHECK(std::get<std::string>(*find_attr(s, "s")) == "text");
  CHECK(std::get<std::string>(*find_attr(s, "str")) == "std string");
  CHECK(std::get<std::vector<bool>>(*find_attr(s, "ab")) == std::vector<bool>{true, false});
  CHECK(std::get<std::vector<std::int64_t>>(*find_attr(s, "ai")) ==
        std::vector<std::int64_t>{1, 2, 3});
  CHECK(std::get<std::vector<double>>(*find_attr(s, "ad")) == std::vector<double>{0.5, 1.5});
  CHECK(std::get<std::vector<std::string>>(*find_attr(s, "as")) ==
        std::vector<std::string>{"x", "y"});
  CHECK(std::get<std::vector<std::string>>(*find_attr(s, "vs")) ==
        std::vector<std::string>{"p", "q"});
  CHECK(std::get<std::vector<std::int64_t>>(*find_attr(s, "vi")) == std::vector<std::int64_t>{9});
  CHECK(s.kind == autospan::internal::SpanKind::Internal);
  CHECK(s.start_unix_nano <= s.end_unix_nano);
  CHECK(find_attr(s, "thread.id"));
}

TEST_CASE("events, links, status, exceptions, kind, end", "[manual]") {
  configure();
  autospan::Context linked;
  {
    autospan::Span producer("producer", autospan::span_kind::producer);
    linked = producer.context();
  }
  {
    autospan::Span span("consumer", autospan::span_kind::consumer);
    span.add_event("cache miss", {{"key", "user:1"}, {"attempt", 2}});
    span.add_link(linked, {{"link.kind", "message"}});
    span.record_exception(std::runtime_error("disk full"));
    span.set_status(autospan::status_code::error, "failed");
    span.end();
    CHECK_FALSE(span.is_recording());
    span.set_attribute("after.end", 1); // ignored
  }
  auto spans = take_spans();
  const SpanData* c = find_span(spans, "consumer");
  const SpanData* p = find_span(spans, "producer");
  REQUIRE((c && p));
  CHECK(c->kind == autospan::internal::SpanKind::Consumer);
  CHECK(p->kind == autospan::internal::SpanKind::Producer);
  REQUIRE(c->events.size() == 2);
  CHECK(c->events[0].name == "cache miss");
  CHECK(c->events[0].time_unix_nano >= c->start_unix_nano);
  CHECK(c->events[0].time_unix_nano <= c->end_unix_nano);
  CHECK(std::get<std::int64_t>(c->events[0].attributes[1].value) == 2);
  CHECK(c->events[1].name == "exception");
  CHECK(std::get<std::string>(c->events[1].attributes[0].value) == "std::runtime_error");
  CHECK(std::get<std::string>(c->events[1].attributes[1].value) == "disk full");
  REQUIRE(c->links.size() == 1);
  CHECK(c->links[0].span_id == p->span_id);
  CHECK(c->links[0].trace_id == p->trace_id);
  CHECK(c->status == StatusCode::Error);
  CHECK(c->status_message == "failed");
  CHECK_FALSE(find_attr(*c, "after.end"));
}

TEST_CASE("record_exception with an exception_ptr of a non-standard type", "[manual]") {
  configure();
  {
    autospan::Span span("x");
    span.record_exception(std::make_exception_ptr(42));
  }
  auto spans = take_spans();
  REQUIRE(spans.size() == 1);
  REQUIRE(spans[0].events.size() == 1);
  CHECK(std::get<std::string>(spans[0].events[0].attributes[0].value) == "int");
}

TEST_CASE("manual and automatic spans are each other's parents", "[manual][nesting]") {
  configure();
  {
    autospan::Span top("manual root");
    app::auto_parent();
  }
  auto spans = take_spans();
  REQUIRE(spans.size() == 5);
  const SpanData* root = find_span(spans, "manual root");
  const SpanData* ap = find_span(spans, "app::auto_parent");
  const SpanData* mc = find_span(spans, "manual child");
  const SpanData* ac = find_span(spans, "app::auto_child");
  const SpanData* mg = find_span(spans, "manual grandchild");
  REQUIRE((root && ap && mc && ac && mg));
  CHECK(is_root(*root));
  CHECK(ap->parent_span_id == root->span_id);
  CHECK(mc->parent_span_id == ap->span_id);
  CHECK(ac->parent_span_id == mc->span_id);
  CHECK(mg->parent_span_id == ac->span_id);
  for (const auto& s : spans)
    CHECK(s.trace_id == root->trace_id);
}

TEST_CASE("a manual span keeps its short automatic parent under a min duration",
          "[manual][nesting][min]") {
  configure({{"AUTOSPAN_MIN_DURATION", "10s"}});
  app::auto_parent();
  auto spans = take_spans();
  // The auto spans are short, but they are parents of manual spans: kept.
  CHECK(spans.size() == 4);
}

TEST_CASE("ContextScope hands a context to another thread", "[manual][threads]") {
  configure();
  autospan::Context ctx;
  std::string trace, span_id;
  {
    autospan::Span request("request");
    ctx = autospan::current_context();
    trace = autospan::trace_id_hex();
    span_id = autospan::span_id_hex();
    std::thread worker([&ctx] {
      autospan::ContextScope scope(ctx);
      app::auto_child();
    });
    worker.join();
  }
  auto spans = take_spans();
  const SpanData* request = find_span(spans, "request");
  const SpanData* child = find_span(spans, "app::auto_child");
  REQUIRE((request && child));
  CHECK(autospan::internal::to_hex(request->trace_id) == trace);
  CHECK(autospan::internal::to_hex(request->span_id) == span_id);
  CHECK(child->parent_span_id == request->span_id);
  CHECK_FALSE(child->parent_is_remote);
  CHECK(std::get<std::int64_t>(*find_attr(*child, "thread.id")) !=
        std::get<std::int64_t>(*find_attr(*request, "thread.id")));
}

namespace app {
std::string correlate() {
  AUTOSPAN_FUNCTION("app::correlate");
  return autospan::span_id_hex();
}
} // namespace app

TEST_CASE("trace_id_hex/span_id_hex name the current automatic span and keep it",
          "[manual][correlation]") {
  configure({{"AUTOSPAN_MIN_DURATION", "10s"}});
  CHECK(autospan::trace_id_hex().empty());
  std::string id = app::correlate();
  CHECK(id.size() == 16);
  auto spans = take_spans();
  REQUIRE(spans.size() == 1); // short, but a log line refers to it
  CHECK(autospan::internal::to_hex(spans[0].span_id) == id);
}

TEST_CASE("baggage is copied onto spans selected by AUTOSPAN_BAGGAGE_ATTRIBUTES",
          "[manual][baggage]") {
  configure({{"AUTOSPAN_BAGGAGE_ATTRIBUTES", "run_id,thread_id"}});
  autospan::baggage::set("run_id", "r-1");
  autospan::baggage::set("secret", "not copied");
  app::auto_child();
  autospan::baggage::clear();
  app::auto_child();
  auto spans = take_spans();
  REQUIRE(spans.size() == 4);
  int with = 0;
  for (const auto& s : spans) {
    if (find_attr(s, "run_id")) {
      ++with;
      CHECK(str_attr(s, "run_id") == "r-1");
    }
    CHECK_FALSE(find_attr(s, "secret"));
  }
  CHECK(with == 2);
}

TEST_CASE("attribute count and value length limits", "[manual][limits]") {
  configure({{"OTEL_SPAN_ATTRIBUTE_COUNT_LIMIT", "3"}, {"OTEL_ATTRIBUTE_VALUE_LENGTH_LIMIT", "4"}});
  {
    autospan::Span span("limited");
    span.set_attribute("a", "123456789");
    span.set_attribute("b", {"abcdef", "xy"});
    span.set_attribute("c", 1);
    span.set_attribute("d", 2);
    span.set_attribute("e", 3);
  }
  auto spans = take_spans();
  REQUIRE(spans.size() == 1);
  CHECK(spans[0].attributes.size() == 3);
  CHECK(spans[0].dropped_attributes_count >= 2);
  CHECK(str_attr(spans[0], "a") == "1234");
  CHECK(std::get<std::vector<std::string>>(*find_attr(spans[0], "b")) ==
        std::vector<std::string>{"abcd", "xy"});
}

TEST_CASE("an explicit invalid parent starts a new trace", "[manual]") {
  configure();
  {
    autospan::Span outer("outer");
    autospan::Span detached("detached", autospan::Context());
  }
  auto spans = take_spans();
  const SpanData* d = find_span(spans, "detached");
  const SpanData* o = find_span(spans, "outer");
  REQUIRE((d && o));
  CHECK(is_root(*d));
  CHECK(d->trace_id != o->trace_id);
}

namespace app {
int reentrant_leaf() {
  AUTOSPAN_FUNCTION("app::reentrant_leaf");
  return 1;
}
} // namespace app

TEST_CASE("instrumented code called from inside the runtime is not traced and cannot re-enter",
          "[manual][reentry]") {
  configure();
  std::map<std::string, std::string> seen;
  {
    autospan::Span span("outer");
    // A user callback run by the runtime (a carrier setter) calls instrumented code.
    autospan::inject([&seen](const char* k, const char* v) {
      app::reentrant_leaf();
      autospan::Span nested("nested inside inject");
      seen[k] = v;
    });
  }
  auto spans = take_spans();
  CHECK(seen.count("traceparent") == 1);
  CHECK(find_span(spans, "outer"));
  CHECK_FALSE(find_span(spans, "app::reentrant_leaf"));
  CHECK_FALSE(find_span(spans, "nested inside inject"));
  // Outside the callback, the same function is traced again.
  app::reentrant_leaf();
  CHECK(take_spans().size() == 1);
}
