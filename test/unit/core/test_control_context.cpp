// AUTOSPAN_REQUIRE_PARENT (automatic spans only inside an explicitly started trace) and the
// process baggage of the BAGGAGE environment carrier on automatic spans.
#include "capture.h"

#include "core/runtime.h"
#include "core/runtime_control.h"

#include <autospan/autospan.h>
#include <catch2/catch.hpp>

#include <map>
#include <string>
#include <thread>

using namespace autospan_test;

namespace ctxapp {
void leaf() {
  AUTOSPAN_FUNCTION("ctxapp::leaf");
}
void work() {
  AUTOSPAN_FUNCTION("ctxapp::work");
  leaf();
}
// Starts outside a trace, opens one in the middle, and carries on after it ended.
void outer_with_explicit_trace() {
  AUTOSPAN_FUNCTION("ctxapp::outer");
  {
    autospan::Span span("explicit");
    work();
  }
  work();
}
void outer_with_scope() {
  AUTOSPAN_FUNCTION("ctxapp::outer");
  {
    AUTOSPAN_SCOPE("scope root");
    work();
  }
  work();
}
} // namespace ctxapp

namespace {
const char* const kTraceparent = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01";
const char* const kTraceId = "0af7651916cd43dd8448eb211c80319c";
} // namespace

TEST_CASE("AUTOSPAN_REQUIRE_PARENT: outside an explicit trace nothing is recorded",
          "[control][require_parent]") {
  namespace ai = autospan::internal;
  configure({{"AUTOSPAN_REQUIRE_PARENT", "1"}});
  ctxapp::work();
  CHECK(take_spans().empty());
  // The thread is marked outside: enters return at the TLS gate check, as in a sampled-out trace.
  CHECK(ai::t_tls.gate == ai::kTlsOutside);
  static autospan_site site = {
      "ctxapp::direct", "ctxapp::direct", __FILE__, __LINE__, AUTOSPAN_SITE_AUTO, 0u, 0u};
  void* token = autospan_enter_v1(&site);
  CHECK(token == nullptr);
  autospan_exit_v1(&token);
  CHECK(ai::t_tls.depth == 0);
  configure();
  // Switched off: the next call clears the stale mark and is traced.
  ctxapp::work();
  CHECK(ai::t_tls.gate == 0);
  CHECK(take_spans().size() == 2);
}

TEST_CASE("AUTOSPAN_REQUIRE_PARENT: explicit traces", "[control][require_parent]") {
  configure({{"AUTOSPAN_REQUIRE_PARENT", "true"}});

  SECTION("a manual Span root") {
    {
      autospan::Span root("request");
      ctxapp::work();
    }
    ctxapp::work(); // after it ended: outside again
    auto spans = take_spans();
    REQUIRE(spans.size() == 3);
    const SpanData* root = find_span(spans, "request");
    const SpanData* work = find_span(spans, "ctxapp::work");
    REQUIRE(root);
    REQUIRE(work);
    CHECK(is_root(*root));
    CHECK(work->parent_span_id == root->span_id);
  }
  SECTION("a Span opened inside instrumented code that started outside") {
    ctxapp::outer_with_explicit_trace();
    auto spans = take_spans();
    CHECK(spans.size() == 3); // explicit, work, leaf: not outer, not the second work
    CHECK(count_spans(spans, "ctxapp::outer") == 0);
    CHECK(count_spans(spans, "ctxapp::work") == 1);
    const SpanData* root = find_span(spans, "explicit");
    REQUIRE(root);
    CHECK(is_root(*root));
  }
  SECTION("AUTOSPAN_SCOPE starts an explicit trace too") {
    ctxapp::outer_with_scope();
    auto spans = take_spans();
    CHECK(spans.size() == 3);
    const SpanData* root = find_span(spans, "scope root");
    REQUIRE(root);
    CHECK(is_root(*root));
  }
  SECTION("an extracted remote context") {
    std::map<std::string, std::string> headers{{"traceparent", kTraceparent}};
    {
      autospan::ContextScope remote(autospan::extract(headers));
      ctxapp::work();
    }
    ctxapp::work();
    auto spans = take_spans();
    REQUIRE(spans.size() == 2);
    const SpanData* work = find_span(spans, "ctxapp::work");
    REQUIRE(work);
    CHECK(autospan::internal::to_hex(work->trace_id) == kTraceId);
    CHECK(autospan::internal::to_hex(work->parent_span_id) == "b7ad6b7169203331");
    CHECK(work->parent_is_remote);
  }
  SECTION("an invalid context is not a trace") {
    std::map<std::string, std::string> garbage{{"traceparent", "garbage"}};
    autospan::ContextScope scope(autospan::extract(garbage));
    ctxapp::work();
    CHECK(take_spans().empty());
  }
  SECTION("another thread continues the trace through ContextScope") {
    autospan::Context ctx;
    {
      autospan::Span root("submit");
      ctx = autospan::current_context();
      std::thread([ctx] {
        ctxapp::work(); // a new thread is outside
        autospan::ContextScope scope(ctx);
        ctxapp::leaf();
      }).join();
    }
    auto spans = take_spans();
    REQUIRE(spans.size() == 2);
    const SpanData* root = find_span(spans, "submit");
    const SpanData* leaf = find_span(spans, "ctxapp::leaf");
    REQUIRE(root);
    REQUIRE(leaf);
    CHECK(leaf->parent_span_id == root->span_id);
  }
  SECTION("a sampled-out explicit root records nothing") {
    configure({{"AUTOSPAN_REQUIRE_PARENT", "1"}, {"OTEL_TRACES_SAMPLER", "always_off"}});
    {
      autospan::Span root("request");
      ctxapp::work();
    }
    CHECK(take_spans().empty());
  }
  configure();
}

TEST_CASE("AUTOSPAN_REQUIRE_PARENT with TRACEPARENT: the whole process is inside that trace",
          "[control][require_parent]") {
  configure({{"AUTOSPAN_REQUIRE_PARENT", "1"}, {"TRACEPARENT", kTraceparent}});
  ctxapp::work();
  auto spans = take_spans();
  REQUIRE(spans.size() == 2);
  for (const auto& s : spans)
    CHECK(autospan::internal::to_hex(s.trace_id) == kTraceId);
  configure();
}

TEST_CASE("BAGGAGE from the environment is copied onto automatic and manual spans",
          "[control][baggage]") {
  configure({{"BAGGAGE", "k=v,other=x"}, {"AUTOSPAN_BAGGAGE_ATTRIBUTES", "k"}});
  // A fresh thread: nothing has touched its baggage, it carries the process's.
  std::thread([] {
    ctxapp::work();
    autospan::Span manual("manual");
  }).join();
  auto spans = take_spans();
  REQUIRE(spans.size() == 3);
  for (const auto& s : spans) {
    INFO(s.name);
    CHECK(str_attr(s, "k") == "v");
    CHECK_FALSE(find_attr(s, "other"));
  }
  SECTION("`*` copies every entry") {
    configure({{"BAGGAGE", "k=v,other=x"}, {"AUTOSPAN_BAGGAGE_ATTRIBUTES", "*"}});
    std::thread([] { ctxapp::leaf(); }).join();
    spans = take_spans();
    REQUIRE(spans.size() == 1);
    CHECK(str_attr(spans[0], "k") == "v");
    CHECK(str_attr(spans[0], "other") == "x");
  }
  SECTION("baggage set in code replaces the process's on that thread") {
    std::thread([] {
      autospan::baggage::set("k", "from code");
      ctxapp::leaf();
    }).join();
    spans = take_spans();
    REQUIRE(spans.size() == 1);
    CHECK(str_attr(spans[0], "k") == "from code");
  }
  configure();
}
