// OTLP/JSON: escaping, the exact encoding of a small span set, validation with a real JSON
// parser (node's JSON.parse), decoding back, and partial_success responses.
#include "export/json_reader.h"
#include "export/otlp_json.h"
#include "support.h"

#include <catch2/catch.hpp>

#include <random>

using namespace autospan::test;

namespace {

std::string quoted(std::string_view s) {
  std::string out;
  append_json_string(out, s);
  return out;
}

// Runs node on `script` with the file at `path` as argv[1]; returns its stdout.
std::string node_eval(const std::string& script, const std::string& path) {
  std::string js = temp_path("check.js");
  write_file(js, script);
  std::string out;
  int rc = run(std::string(AUTOSPAN_TEST_NODE) + " " + js + " " + path + " 2>&1", out);
  INFO(out);
  REQUIRE(rc == 0);
  return out;
}

} // namespace

TEST_CASE("json: string escaping", "[json]") {
  CHECK(quoted("plain") == R"("plain")");
  CHECK(quoted("") == R"("")");
  CHECK(quoted("a\"b\\c/d") == R"("a\"b\\c/d")");
  CHECK(quoted("\n\r\t\b\f") == R"("\n\r\t\b\f")");
  CHECK(quoted(std::string("\x00\x01\x1f\x7f", 4)) == "\"\\u0000\\u0001\\u001f\x7f\"");
  // Valid UTF-8 passes through: 2, 3 and 4 byte sequences.
  CHECK(quoted("caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80") ==
        "\"caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80\"");
  // Invalid UTF-8: one U+FFFD per maximal invalid subpart (Unicode 3.9, "U+FFFD substitution").
  const std::string fffd = "\xef\xbf\xbd";
  CHECK(quoted("\xff") == "\"" + fffd + "\"");
  CHECK(quoted("a\x80z") == "\"a" + fffd + "z\"");
  CHECK(quoted("\xe2\x82") == "\"" + fffd + "\""); // truncated 3-byte sequence
  CHECK(quoted("\xe2\x82z") == "\"" + fffd + "z\"");
  CHECK(quoted("\xc0\xaf") == "\"" + fffd + fffd + "\"");                       // overlong
  CHECK(quoted("\xed\xa0\x80") == "\"" + fffd + fffd + fffd + "\"");            // surrogate
  CHECK(quoted("\xf4\x90\x80\x80") == "\"" + fffd + fffd + fffd + fffd + "\""); // > U+10FFFF
  CHECK(quoted("\xf0\x9f\x98") == "\"" + fffd + "\"");
}

TEST_CASE("json: escaped strings decode to the original under a real JSON parser", "[json]") {
  std::mt19937 rng(12345);
  std::string doc = "[";
  std::vector<std::string> originals;
  for (int i = 0; i < 300; ++i) {
    std::string s;
    int len = static_cast<int>(rng() % 24);
    for (int j = 0; j < len; ++j)
      s += static_cast<char>(rng() % 256);
    // Also some valid multi-byte text.
    if (i % 3 == 0)
      s += "\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80";
    if (i != 0)
      doc += ',';
    append_json_string(doc, s);
    originals.push_back(s);
  }
  doc += "]";
  std::string path = temp_path("strings.json");
  write_file(path, doc);
  // Node re-encodes each decoded string as UTF-8 hex: compare with ours.
  std::string out =
      node_eval("const a = JSON.parse(require('fs').readFileSync(process.argv[2], 'utf8'));\n"
                "for (const s of a) console.log(Buffer.from(s, 'utf8').toString('hex'));\n",
                path);
  std::vector<std::string> lines;
  std::size_t pos = 0;
  while (pos < out.size()) {
    std::size_t nl = out.find('\n', pos);
    lines.push_back(out.substr(pos, nl - pos));
    pos = nl + 1;
  }
  REQUIRE(lines.size() == originals.size());
  const std::string fffd = "efbfbd";
  for (std::size_t i = 0; i < originals.size(); ++i) {
    const std::string& s = originals[i];
    // Expected: the original with invalid parts replaced, i.e. what our own reader returns.
    JsonValue v;
    std::string error;
    REQUIRE(parse_json(quoted(s), v, error));
    CHECK(lines[i] == to_hex(reinterpret_cast<const std::uint8_t*>(v.text.data()), v.text.size()));
    // Valid input survives exactly.
    bool ascii_printable = true;
    for (char c : s)
      ascii_printable = ascii_printable && static_cast<unsigned char>(c) < 0x80;
    if (ascii_printable)
      CHECK(v.text == s);
  }
}

TEST_CASE("json: exact encoding of a small span set", "[json]") {
  Batch b;
  b.resource.attributes = {{"service.name", std::string("svc")}};
  b.scope = {"autospan", "0.1.0"};
  SpanData s;
  s.trace_id = {0x4b, 0xf9, 0x2f, 0x35, 0x77, 0xb3, 0x4d, 0xa6,
                0xa3, 0xce, 0x92, 0x9d, 0x0e, 0x0e, 0x47, 0x36};
  s.span_id = {0x00, 0xf0, 0x67, 0xaa, 0x0b, 0xa9, 0x02, 0xb7};
  s.parent_span_id = {0x53, 0x99, 0x5c, 0x3f, 0x42, 0xcd, 0x8a, 0xd8};
  s.name = "app::load \"x\"";
  s.start_unix_nano = 1544712660000000000ull;
  s.end_unix_nano = 1544712661000000000ull;
  s.attributes = {{"code.line.number", std::int64_t{42}},
                  {"ratio", 0.5},
                  {"ok", true},
                  {"tags", std::vector<std::string>{"a", "b"}}};
  s.events = {Event{
      "exception", 1544712660500000000ull, {{"exception.message", std::string("bad\nline")}}}};
  s.status = StatusCode::Error;
  s.status_message = "bad";
  SpanData root;
  root.trace_id = s.trace_id;
  root.span_id = s.parent_span_id;
  root.name = "root";
  root.trace_flags = 0;
  root.kind = SpanKind::Server;
  root.start_unix_nano = 1;
  root.end_unix_nano = 18446744073709551615ull;
  b.spans = {s, root};
  std::string out;
  encode_otlp_json(b.view(), out);
  CHECK(
      out ==
      R"({"resourceSpans":[{"resource":{"attributes":[{"key":"service.name","value":{"stringValue":"svc"}}]},)"
      R"("scopeSpans":[{"scope":{"name":"autospan","version":"0.1.0"},"spans":[)"
      R"({"traceId":"4bf92f3577b34da6a3ce929d0e0e4736","spanId":"00f067aa0ba902b7",)"
      R"("parentSpanId":"53995c3f42cd8ad8","flags":257,"name":"app::load \"x\"","kind":1,)"
      R"("startTimeUnixNano":"1544712660000000000","endTimeUnixNano":"1544712661000000000",)"
      R"("attributes":[{"key":"code.line.number","value":{"intValue":"42"}},)"
      R"({"key":"ratio","value":{"doubleValue":0.5}},{"key":"ok","value":{"boolValue":true}},)"
      R"({"key":"tags","value":{"arrayValue":{"values":[{"stringValue":"a"},{"stringValue":"b"}]}}}],)"
      R"("events":[{"timeUnixNano":"1544712660500000000","name":"exception",)"
      R"("attributes":[{"key":"exception.message","value":{"stringValue":"bad\nline"}}]}],)"
      R"("status":{"message":"bad","code":2}},)"
      R"({"traceId":"4bf92f3577b34da6a3ce929d0e0e4736","spanId":"53995c3f42cd8ad8","flags":256,)"
      R"("name":"root","kind":2,"startTimeUnixNano":"1","endTimeUnixNano":"18446744073709551615",)"
      R"("status":{}}]}]}]})");
}

TEST_CASE("json: special doubles and the full span round-trip", "[json]") {
  Batch b = full_batch();
  b.spans[0].attributes.push_back({"nan", std::numeric_limits<double>::quiet_NaN()});
  b.spans[0].attributes.push_back({"inf", -std::numeric_limits<double>::infinity()});
  b.spans[0].attributes.push_back({"tiny", 5e-324});
  std::string out;
  encode_otlp_json(b.view(), out);
  CHECK(out.find(R"({"key":"nan","value":{"doubleValue":"NaN"}})") != std::string::npos);
  CHECK(out.find(R"({"key":"inf","value":{"doubleValue":"-Infinity"}})") != std::string::npos);
  CHECK(out.find(R"({"key":"tiny","value":{"doubleValue":5e-324}})") != std::string::npos);

  // Node parses it (a real decoder) and sees the structure we meant.
  std::string path = temp_path("full.json");
  write_file(path, out);
  std::string summary = node_eval(
      "const r = JSON.parse(require('fs').readFileSync(process.argv[2], 'utf8'));\n"
      "const s = r.resourceSpans[0].scopeSpans[0].spans;\n"
      "console.log(s.length, s[0].name, s[0].kind, s[0].status.code, s[0].links[0].traceState,\n"
      "  s[0].attributes.length, s[0].droppedLinksCount, s[1].flags, s[0].events[0].name);\n",
      path);
  CHECK(summary == "2 work::item 1 2 k=v 15 5 769 exception\n");

  DecodedRequest decoded;
  std::string error;
  REQUIRE(decode_otlp_json(out, decoded, error));
  REQUIRE(decoded.spans.size() == 2);
  REQUIRE(decoded.resources.size() == 1);
  CHECK(decoded.resources[0].attributes.size() == 2);
  CHECK(decoded.scopes[0].name == "autospan");
  CHECK(decoded.scopes[0].version == "0.1.0");
  for (std::size_t i = 0; i < 2; ++i) {
    const SpanData& a = b.spans[i];
    const SpanData& d = decoded.spans[i];
    CHECK(d.trace_id == a.trace_id);
    CHECK(d.span_id == a.span_id);
    CHECK(d.parent_span_id == a.parent_span_id);
    CHECK(d.parent_is_remote == a.parent_is_remote);
    CHECK(d.trace_flags == a.trace_flags);
    CHECK(d.trace_state == a.trace_state);
    CHECK(d.name == a.name);
    CHECK(d.kind == a.kind);
    CHECK(d.start_unix_nano == a.start_unix_nano);
    CHECK(d.end_unix_nano == a.end_unix_nano);
    CHECK(d.dropped_attributes_count == a.dropped_attributes_count);
    CHECK(d.dropped_events_count == a.dropped_events_count);
    CHECK(d.dropped_links_count == a.dropped_links_count);
    CHECK(d.status == a.status);
    CHECK(d.status_message == a.status_message);
    REQUIRE(d.attributes.size() == a.attributes.size());
    for (std::size_t k = 0; k < a.attributes.size(); ++k) {
      INFO(a.attributes[k].key);
      CHECK(d.attributes[k].key == a.attributes[k].key);
      if (a.attributes[k].key != "nan") // NaN != NaN
        CHECK(d.attributes[k].value == a.attributes[k].value);
    }
    REQUIRE(d.events.size() == a.events.size());
    for (std::size_t k = 0; k < a.events.size(); ++k) {
      CHECK(d.events[k].name == a.events[k].name);
      CHECK(d.events[k].time_unix_nano == a.events[k].time_unix_nano);
      CHECK(d.events[k].attributes.size() == a.events[k].attributes.size());
    }
    REQUIRE(d.links.size() == a.links.size());
    for (std::size_t k = 0; k < a.links.size(); ++k) {
      CHECK(d.links[k].trace_id == a.links[k].trace_id);
      CHECK(d.links[k].span_id == a.links[k].span_id);
      CHECK(d.links[k].trace_state == a.links[k].trace_state);
    }
  }
}

TEST_CASE("json: decoding accepts other producers' spellings and rejects bad ids", "[json]") {
  const char* other = R"({"resourceSpans":[{"resource":{},"scopeSpans":[{"scope":{},"spans":[
    {"traceId":"4BF92F3577B34DA6A3CE929D0E0E4736","spanId":"00f067aa0ba902b7","parentSpanId":"",
     "name":"n","kind":"SPAN_KIND_CLIENT","startTimeUnixNano":1000,"endTimeUnixNano":"2000",
     "attributes":[{"key":"i","value":{"intValue":7}},{"key":"mixed","value":{"arrayValue":{"values":[{"intValue":"1"},{"stringValue":"x"}]}}},
                   {"key":"kv","value":{"kvlistValue":{"values":[]}}}],
     "status":{"code":"STATUS_CODE_ERROR"}}]}]}]})";
  DecodedRequest d;
  std::string error;
  REQUIRE(decode_otlp_json(other, d, error));
  REQUIRE(d.spans.size() == 1);
  const SpanData& s = d.spans[0];
  CHECK(to_hex(s.trace_id) == "4bf92f3577b34da6a3ce929d0e0e4736");
  CHECK(to_hex(s.parent_span_id) == "0000000000000000");
  CHECK(s.kind == SpanKind::Client);
  CHECK(s.start_unix_nano == 1000);
  CHECK(s.end_unix_nano == 2000);
  CHECK(s.status == StatusCode::Error);
  CHECK(std::get<std::int64_t>(s.attributes[0].value) == 7);
  CHECK(std::get<std::vector<std::string>>(s.attributes[1].value) ==
        std::vector<std::string>{R"({"intValue":"1"})", R"({"stringValue":"x"})"});

  DecodedRequest bad;
  CHECK_FALSE(decode_otlp_json(
      R"({"resourceSpans":[{"scopeSpans":[{"spans":[{"traceId":"xyz","spanId":"00f067aa0ba902b7"}]}]}]})",
      bad, error));
  CHECK(error.find("span 0") != std::string::npos);
  CHECK_FALSE(decode_otlp_json(R"({"resourceSpans":[)", bad, error));
  CHECK(error.find("offset") != std::string::npos);
  CHECK_FALSE(decode_otlp_json("[]", bad, error));
}

TEST_CASE("json: reader edge cases", "[json]") {
  JsonValue v;
  std::string error;
  CHECK(parse_json(R"( {"a":[1,-2.5e3,true,false,null,"\u00e9\ud83d\ude00"]} )", v, error));
  const JsonValue* a = v.find("a");
  REQUIRE(a);
  REQUIRE(a->items.size() == 6);
  double d = 0;
  CHECK(a->items[1].to_double(d));
  CHECK(d == -2500.0);
  CHECK(a->items[5].text == "\xc3\xa9\xf0\x9f\x98\x80");
  CHECK_FALSE(parse_json("{\"a\":1,}", v, error));
  CHECK_FALSE(parse_json("\"unterminated", v, error));
  CHECK_FALSE(parse_json("01", v, error));
  CHECK_FALSE(parse_json("\"tab\there\"", v, error));
  CHECK_FALSE(parse_json(std::string(1000, '['), v, error));
  CHECK(error.find("nesting deeper than") != std::string::npos);
  std::int64_t i = 0;
  CHECK(parse_json("\"-9223372036854775808\"", v, error));
  CHECK(v.to_int64(i));
  CHECK(i == INT64_MIN);
}

TEST_CASE("json: partial_success responses", "[json]") {
  PartialSuccess p;
  REQUIRE(parse_partial_success_json(
      R"({"partialSuccess":{"rejectedSpans":"3","errorMessage":"bad"}})", p));
  CHECK(p.rejected_spans == 3);
  CHECK(p.error_message == "bad");
  REQUIRE(parse_partial_success_json(R"({"partialSuccess":{"rejectedSpans":4}})", p));
  CHECK(p.rejected_spans == 4);
  REQUIRE(parse_partial_success_json("{}", p));
  CHECK_FALSE(p.any());
  REQUIRE(parse_partial_success_json("", p));
  REQUIRE(parse_partial_success_json(R"({"partialSuccess":{}})", p));
  CHECK_FALSE(p.any());
  CHECK_FALSE(parse_partial_success_json("<html>", p));
}
