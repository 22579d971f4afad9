// W3C Trace Context and Baggage: the specification's examples, invalid inputs, and the public
// inject/extract on maps and callables.
#include "capture.h"
#include "core/propagation.h"

#include <autospan/autospan.h>
#include <catch2/catch.hpp>

#include <map>
#include <unordered_map>

using namespace autospan::internal;

TEST_CASE("traceparent: the specification's example", "[propagation][w3c]") {
  auto tp = parse_traceparent("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01");
  REQUIRE(tp);
  CHECK(tp->trace_hi == 0x4bf92f3577b34da6ull);
  CHECK(tp->trace_lo == 0xa3ce929d0e0e4736ull);
  CHECK(tp->span_id == 0x00f067aa0ba902b7ull);
  CHECK(tp->flags == 1);
  CHECK(format_traceparent(*tp) == "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01");
  auto unsampled = parse_traceparent("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-00");
  REQUIRE(unsampled);
  CHECK(unsampled->flags == 0);
}

TEST_CASE("traceparent: invalid values are rejected", "[propagation][w3c]") {
  const char* bad[] = {
      "",
      "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7",        // no flags
      "00-00000000000000000000000000000000-00f067aa0ba902b7-01",     // zero trace id
      "00-4bf92f3577b34da6a3ce929d0e0e4736-0000000000000000-01",     // zero span id
      "ff-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",     // version ff
      "00-4BF92F3577B34DA6A3CE929D0E0E4736-00F067AA0BA902B7-01",     // uppercase
      "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-ext", // extra fields in v00
      "00_4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
      "00-4bf92f3577b34da6a3ce929d0e0e473g-00f067aa0ba902b7-01",
  };
  for (const char* s : bad) {
    INFO(s);
    CHECK_FALSE(parse_traceparent(s));
  }
  // A future version may append fields; its first fields are read as version 00's.
  CHECK(parse_traceparent("01-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-what-ever"));
}

TEST_CASE("tracestate", "[propagation][w3c]") {
  CHECK(normalize_tracestate("rojo=00f067aa0ba902b7,congo=t61rcWkgMzE") ==
        "rojo=00f067aa0ba902b7,congo=t61rcWkgMzE");
  CHECK(normalize_tracestate(" rojo=1 , , congo=2 ") == "rojo=1,congo=2");
  CHECK(normalize_tracestate("tenant@vendor=x") == "tenant@vendor=x");
  CHECK(normalize_tracestate("Upper=1").empty()); // keys are lowercase
  CHECK(normalize_tracestate("a=1,a=2").empty()); // duplicate key
  CHECK(normalize_tracestate("novalue").empty());
  CHECK(normalize_tracestate("a=has=equals").empty());
  std::string many;
  for (int i = 0; i < 33; ++i)
    many += (i ? "," : "") + std::string("k") + std::to_string(i) + "=v";
  CHECK(normalize_tracestate(many).empty()); // more than 32 members
}

TEST_CASE("baggage", "[propagation][w3c]") {
  auto b = parse_baggage("userId=alice,serverNode=DF%2028,isProduction=false;prop=1, bad key=x");
  REQUIRE(b.size() == 3);
  CHECK(b[0] == std::make_pair(std::string("userId"), std::string("alice")));
  CHECK(b[1] == std::make_pair(std::string("serverNode"), std::string("DF 28")));
  CHECK(b[2] == std::make_pair(std::string("isProduction"), std::string("false")));
  CHECK(format_baggage(b) == "userId=alice,serverNode=DF%2028,isProduction=false");
  CHECK(format_baggage({{"k", "a,b;c=d%"}}) == "k=a%2Cb%3Bc=d%25");
  CHECK(parse_baggage(format_baggage({{"k", "a,b;c=d% é"}}))[0].second == "a,b;c=d% é");
}

namespace app {
void traced_inner() {
  AUTOSPAN_FUNCTION("app::traced_inner");
}
} // namespace app

TEST_CASE("inject and extract through maps and callables", "[propagation][api]") {
  autospan_test::configure();
  std::map<std::string, std::string> headers;
  std::string trace_hex, span_hex;
  {
    autospan::Span span("client call", autospan::span_kind::client);
    autospan::baggage::set("tenant", "acme corp");
    autospan::inject(headers);
    trace_hex = span.context().trace_id_hex();
    span_hex = span.context().span_id_hex();
    autospan::baggage::clear();
  }
  REQUIRE(headers.count("traceparent"));
  CHECK(headers["traceparent"] == "00-" + trace_hex + "-" + span_hex + "-01");
  CHECK(headers["baggage"] == "tenant=acme%20corp");

  // The receiving side, with a callable getter.
  auto getter = [&headers](const char* key) {
    auto it = headers.find(key);
    return it == headers.end() ? std::string() : it->second;
  };
  autospan::Context remote = autospan::extract(getter);
  REQUIRE(remote.is_valid());
  CHECK(remote.is_remote());
  CHECK(remote.is_sampled());
  CHECK(remote.trace_id_hex() == trace_hex);
  CHECK(remote.baggage("tenant") == "acme corp");
  {
    autospan::ContextScope scope(remote);
    CHECK(autospan::baggage::get("tenant") == "acme corp");
    app::traced_inner();
  }
  CHECK(autospan::baggage::get("tenant").empty());
  auto spans = autospan_test::take_spans();
  const SpanData* inner = autospan_test::find_span(spans, "app::traced_inner");
  REQUIRE(inner);
  CHECK(to_hex(inner->trace_id) == trace_hex);
  CHECK(to_hex(inner->parent_span_id) == span_hex);
  CHECK(inner->parent_is_remote);

  // A callable setter and an unordered_map carrier.
  std::vector<std::pair<std::string, std::string>> seen;
  autospan::inject([&seen](const char* k, const char* v) { seen.emplace_back(k, v); }, remote);
  REQUIRE(seen.size() == 2);
  CHECK(seen[0].first == "traceparent");
  std::unordered_map<std::string, std::string> um{{"traceparent", headers["traceparent"]}};
  CHECK(autospan::extract(um).span_id_hex() == span_hex);
}

TEST_CASE("extract of garbage gives an invalid context, spans under it start new traces",
          "[propagation][api]") {
  autospan_test::configure();
  std::map<std::string, std::string> headers{{"traceparent", "garbage"}};
  autospan::Context c = autospan::extract(headers);
  CHECK_FALSE(c.is_valid());
  {
    autospan::ContextScope scope(c);
    app::traced_inner();
  }
  auto spans = autospan_test::take_spans();
  REQUIRE(spans.size() == 1);
  CHECK(autospan_test::is_root(spans[0]));
  CHECK(to_hex(spans[0].trace_id) != "00000000000000000000000000000000");
}

TEST_CASE("child_environment carries the current trace", "[propagation][api]") {
  autospan_test::configure();
  autospan::Span span("parent");
  auto env = autospan::child_environment();
  REQUIRE(!env.empty());
  CHECK(env[0] == "TRACEPARENT=00-" + span.context().trace_id_hex() + "-" +
                      span.context().span_id_hex() + "-01");
}

TEST_CASE("automatic spans under an extracted context carry its tracestate", "[propagation][api]") {
  autospan_test::configure();
  std::map<std::string, std::string> headers{
      {"traceparent", "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"},
      {"tracestate", "rojo=00f067aa0ba902b7"}};
  {
    autospan::ContextScope scope(autospan::extract(headers));
    app::traced_inner();
  }
  auto spans = autospan_test::take_spans();
  REQUIRE(spans.size() == 1);
  CHECK(spans[0].trace_state == "rojo=00f067aa0ba902b7");
  CHECK(to_hex(spans[0].parent_span_id) == "00f067aa0ba902b7");
}
