#include "otlp_json.h"
#include "summary.h"

#include <catch2/catch.hpp>

#include <cstdio>
#include <string>

using namespace autospan::cli;

namespace {

std::string span(const std::string& id, const std::string& parent, const std::string& name,
                 const std::string& start, const std::string& end, const std::string& kind = "1",
                 const std::string& extra = "") {
  return R"({"traceId":"0102030405060708090a0b0c0d0e0f10","spanId":")" + id +
         R"(","parentSpanId":")" + parent + R"(","name":")" + name + R"(","kind":)" + kind +
         R"(,"startTimeUnixNano":)" + start + R"(,"endTimeUnixNano":)" + end + extra + "}";
}

std::string request(const std::string& spans, const std::string& resource_attrs = "") {
  return R"({"resourceSpans":[{"resource":{"attributes":[)" + resource_attrs +
         R"(]},"scopeSpans":[{"scope":{"name":"autospan","version":"0.1.0"},"spans":[)" + spans +
         "]}]}]}";
}

TraceData decode(const std::string& text) {
  TraceData data;
  decode_request(json::parse(text), data);
  return data;
}

std::string decode_error(const std::string& text) {
  try {
    decode(text);
  } catch (const DecodeError& e) {
    return e.what();
  }
  return "";
}

} // namespace

TEST_CASE("otlp: a span with every field", "[otlp]") {
  auto data = decode(request(
      span(
          "1112131415161718", "", "root", "\"1000\"", "\"5000\"", "2",
          R"(,"attributes":[{"key":"s","value":{"stringValue":"v"}},)"
          R"({"key":"i","value":{"intValue":"-9223372036854775808"}},)"
          R"({"key":"d","value":{"doubleValue":"NaN"}},{"key":"b","value":{"boolValue":true}},)"
          R"({"key":"a","value":{"arrayValue":{"values":[{"intValue":"1"},{"stringValue":"x"}]}}},)"
          R"({"key":"m","value":{"kvlistValue":{"values":[{"key":"k","value":{"boolValue":false}}]}}},)"
          R"({"key":"e","value":{}}],)"
          R"("events":[{"timeUnixNano":"2000","name":"exception","attributes":[)"
          R"({"key":"exception.type","value":{"stringValue":"std::runtime_error"}}]}],)"
          R"("links":[{"traceId":"ffffffffffffffffffffffffffffffff","spanId":"0000000000000001"}],)"
          R"("status":{"code":2,"message":"boom"})"),
      R"({"key":"service.name","value":{"stringValue":"svc"}})"));
  REQUIRE(data.spans.size() == 1);
  const SpanRec& s = data.spans[0];
  CHECK(hex(s.trace_id) == "0102030405060708090a0b0c0d0e0f10");
  CHECK(hex(s.span_id) == "1112131415161718");
  CHECK(is_zero(s.parent_id));
  CHECK(data.str(s.name) == "root");
  CHECK(s.kind == autospan::internal::SpanKind::Server);
  CHECK(s.start == 1000);
  CHECK(s.end == 5000);
  CHECK(s.status == autospan::internal::StatusCode::Error);
  CHECK(data.str(s.status_message) == "boom");
  REQUIRE(s.attrs.count == 7);
  CHECK(format_value(data, *data.find_attr(s.attrs, "s")) == "v");
  CHECK(data.find_attr(s.attrs, "i")->i == INT64_MIN);
  CHECK(format_value(data, *data.find_attr(s.attrs, "d")) == "NaN");
  CHECK(format_value(data, *data.find_attr(s.attrs, "b")) == "true");
  CHECK(format_value(data, *data.find_attr(s.attrs, "a")) == R"([1,"x"])");
  CHECK(format_value(data, *data.find_attr(s.attrs, "m")) == R"({"k":false})");
  CHECK(format_value(data, *data.find_attr(s.attrs, "e")) == "");
  REQUIRE(s.events.count == 1);
  CHECK(data.str(data.events[s.events.begin].name) == "exception");
  CHECK(data.events[s.events.begin].time == 2000);
  REQUIRE(s.links.count == 1);
  CHECK(hex(data.links[s.links.begin].span_id) == "0000000000000001");
  CHECK(data.service_name(s.resource) == "svc");
}

TEST_CASE("otlp: numbers and enum names are accepted where receivers accept them", "[otlp]") {
  auto data =
      decode(request(span("1112131415161718", "", "n", "1000", "18446744073709551615",
                          "\"SPAN_KIND_CLIENT\"", R"(,"status":{"code":"STATUS_CODE_OK"})")));
  CHECK(data.spans[0].start == 1000);
  CHECK(data.spans[0].end == UINT64_MAX);
  CHECK(data.spans[0].kind == autospan::internal::SpanKind::Client);
  CHECK(data.spans[0].status == autospan::internal::StatusCode::Ok);
}

TEST_CASE("otlp: empty requests and unknown fields", "[otlp]") {
  CHECK(decode("{}").spans.empty());
  CHECK(decode(R"({"resourceSpans":[]})").spans.empty());
  CHECK(decode(R"({"resourceSpans":[{"scopeSpans":[{"spans":[]}]}],"extra":1})").spans.empty());
  auto data = decode(request(
      span("1112131415161718", "", "x", "\"1\"", "\"2\"", "1", R"(,"futureField":{"a":[1]})")));
  CHECK(data.spans.size() == 1);
}

TEST_CASE("load_file: byte order mark, CRLF and blank lines", "[otlp]") {
  std::string line = request(span("1112131415161718", "", "x", "\"1\"", "\"2\""));
  std::string text = "\xEF\xBB\xBF" + line + "\r\n\r\n   \n" + line + "\r\n";
  std::FILE* f = std::tmpfile();
  REQUIRE(f != nullptr);
  std::fwrite(text.data(), 1, text.size(), f);
  std::rewind(f);
  TraceData data;
  std::FILE* diag = std::tmpfile();
  LoadStats stats;
  CHECK(load_file("/proc/self/fd/" + std::to_string(fileno(f)), data, LoadOptions{}, diag, &stats));
  CHECK(data.spans.size() == 2);
  CHECK(stats.lines == 4);
  CHECK(stats.errors == 0);
  std::fclose(diag);
  std::fclose(f);
}

TEST_CASE("otlp: old 'instrumentationLibrarySpans' files", "[otlp]") {
  auto data = decode(
      R"({"resourceSpans":[{"instrumentationLibrarySpans":[{"instrumentationLibrary":{"name":"old"},"spans":[)" +
      span("1112131415161718", "", "x", "\"1\"", "\"2\"") + "]}]}]}");
  REQUIRE(data.spans.size() == 1);
  CHECK(data.str(data.scopes[data.spans[0].scope].name) == "old");
}

TEST_CASE("otlp: schema errors name the JSON path", "[otlp]") {
  CHECK(decode_error("[]") == "expected an ExportTraceServiceRequest object, found array");
  CHECK(decode_error(R"({"resourceSpans":{}})") ==
        "resourceSpans: expected an array, found object");
  CHECK(decode_error(request(span("zz", "", "x", "\"1\"", "\"2\""))) ==
        "resourceSpans[0].scopeSpans[0].spans[0].spanId: expected 16 hex digits, found \"zz\"");
  CHECK(decode_error(request(span("111213141516171g", "", "x", "\"1\"", "\"2\""))) ==
        "resourceSpans[0].scopeSpans[0].spans[0].spanId: expected hex digits, found "
        "\"111213141516171g\"");
  CHECK(decode_error(request(span("1112131415161718", "", "x", "\"1.5\"", "\"2\""))) ==
        "resourceSpans[0].scopeSpans[0].spans[0].startTimeUnixNano: expected an unsigned 64-bit "
        "integer, found \"1.5\"");
  CHECK(decode_error(
            request(span("1112131415161718", "", "x", "\"18446744073709551616\"", "\"2\""))) ==
        "resourceSpans[0].scopeSpans[0].spans[0].startTimeUnixNano: integer out of range: "
        "18446744073709551616");
  CHECK(decode_error(request(span("1112131415161718", "", "x", "\"1\"", "\"2\"", "9"))) ==
        "resourceSpans[0].scopeSpans[0].spans[0].kind: unknown value 9");
  CHECK(decode_error(request(
            span("1112131415161718", "", "x", "\"1\"", "\"2\"", "1",
                 R"(,"attributes":[{"key":"k","value":{"intValue":"9223372036854775808"}}])"))) ==
        "resourceSpans[0].scopeSpans[0].spans[0].attributes[0].value.intValue: integer out of "
        "the 64-bit range: 9223372036854775808");
  CHECK(decode_error(request(span("1112131415161718", "", "x", "\"1\"", "\"2\"", "1",
                                  R"(,"attributes":[{"key":"k","value":{"weird":1}}])"))) ==
        "resourceSpans[0].scopeSpans[0].spans[0].attributes[0].value: unknown AnyValue field "
        "\"weird\"");
  CHECK(decode_error(
            R"({"resourceSpans":[{"scopeSpans":[{"spans":[{"spanId":"1112131415161718"}]}]}]})") ==
        "resourceSpans[0].scopeSpans[0].spans[0].traceId: missing");
}

TEST_CASE("otlp: the forest links parents across batches, orphans become roots", "[forest]") {
  TraceData data;
  // Children first, as a batch processor exports them; one span's parent never arrives.
  decode_request(
      json::parse(
          request(span("0000000000000002", "0000000000000001", "child", "\"20\"", "\"40\"") + "," +
                  span("0000000000000003", "00000000000000ff", "orphan", "\"50\"", "\"60\""))),
      data);
  decode_request(json::parse(request(span("0000000000000001", "", "root", "\"10\"", "\"100\""))),
                 data);
  Forest f = build_forest(data);
  REQUIRE(f.traces.size() == 1);
  CHECK(f.traces[0].count == 3);
  CHECK(data.str(data.spans[f.traces[0].root].name) == "root"); // a true root wins over orphans
  CHECK(f.parent[0] == 2);                                      // child -> root
  CHECK(f.parent[1] == -1);                                     // orphan
  CHECK(f.parent[2] == -1);
  CHECK(f.children_count(2) == 1);
}

TEST_CASE("otlp: parent cycles in a corrupt file are cut", "[forest]") {
  TraceData data;
  decode_request(json::parse(request(
                     span("0000000000000001", "0000000000000002", "a", "\"1\"", "\"9\"") + "," +
                     span("0000000000000002", "0000000000000001", "b", "\"2\"", "\"8\""))),
                 data);
  Forest f = build_forest(data);
  int roots = 0;
  for (auto p : f.parent)
    roots += p < 0 ? 1 : 0;
  CHECK(roots == 1);
  CHECK(f.children.size() == 1);
}

TEST_CASE("self time subtracts the union of the children", "[forest]") {
  TraceData data;
  // root 0..100; children 10..40 and 30..60 overlap (concurrent), 90..120 sticks out.
  decode_request(json::parse(request(
                     span("0000000000000001", "", "root", "\"0\"", "\"100\"") + "," +
                     span("0000000000000002", "0000000000000001", "c", "\"10\"", "\"40\"") + "," +
                     span("0000000000000003", "0000000000000001", "c", "\"30\"", "\"60\"") + "," +
                     span("0000000000000004", "0000000000000001", "c", "\"90\"", "\"120\""))),
                 data);
  Forest f = build_forest(data);
  CHECK(self_time(data, f, 0) == 100 - 50 - 10);
  auto rows = summarize(data, f);
  REQUIRE(rows.size() == 2);
  CHECK(rows[0].name == "root");
  CHECK(rows[1].name == "c");
  CHECK(rows[1].calls == 3);
  CHECK(rows[1].total == 90);
  CHECK(rows[1].p50 == 30);
}

TEST_CASE("percentiles are nearest-rank", "[summary]") {
  TraceData data;
  std::string spans;
  for (int i = 1; i <= 200; ++i) {
    char id[17];
    std::snprintf(id, sizeof id, "%016x", i);
    if (i > 1)
      spans += ",";
    spans += span(id, "", "f", "\"0\"", "\"" + std::to_string(i) + "\"");
  }
  decode_request(json::parse(request(spans)), data);
  auto rows = summarize(data, build_forest(data));
  REQUIRE(rows.size() == 1);
  CHECK(rows[0].p50 == 100);
  CHECK(rows[0].p99 == 198);
  CHECK(rows[0].max == 200);
  CHECK(rows[0].mean == 100); // 20100 / 200, truncated
}

TEST_CASE("durations read like the console tree's", "[format]") {
  CHECK(format_duration(0) == "0 ns");
  CHECK(format_duration(999) == "999 ns");
  CHECK(format_duration(1000) == "1.00 \xc2\xb5s");
  CHECK(format_duration(12345) == "12.3 \xc2\xb5s");
  CHECK(format_duration(4560000) == "4.56 ms");
  CHECK(format_duration(123000000) == "123 ms");
  CHECK(format_duration(1230000000) == "1.23 s");
  CHECK(format_duration(7200000000000) == "7200 s");
}
