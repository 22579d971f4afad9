// The tree renderer: golden output, the collapse rule, partial and multi-trace input.
#include "export/tree_render.h"
#include "support.h"

#include <catch2/catch.hpp>

using namespace autospan::test;

namespace {

// Builds one trace: span(name, parent, start_us, duration_us).
struct TraceBuilder {
  TraceId trace = trace_id(5);
  std::vector<SpanData> spans;

  SpanId add(const std::string& name, const SpanId* parent, std::uint64_t start_us,
             std::uint64_t dur_us) {
    SpanData s;
    s.trace_id = trace;
    std::size_t n = spans.size() + 1;
    s.span_id =
        SpanId{0, 0, 0, 0, 0, 0, static_cast<std::uint8_t>(n >> 8), static_cast<std::uint8_t>(n)};
    if (parent != nullptr)
      s.parent_span_id = *parent;
    s.name = name;
    s.start_unix_nano = 1700000000000000000ull + start_us * 1000;
    s.end_unix_nano = s.start_unix_nano + dur_us * 1000;
    s.attributes = {{"code.function.name", name}, {"thread.id", std::int64_t{7}}};
    spans.push_back(s);
    return s.span_id;
  }
  SpanData& last() { return spans.back(); }
};

TraceBuilder pipeline() {
  TraceBuilder t;
  SpanId root = t.add("run_data_processing_pipeline", nullptr, 0, 45200);
  t.last().attributes.push_back({"pipeline.id", std::string("pipe-42")});
  SpanId extract = t.add("extract_data", &root, 100, 10100);
  for (int i = 0; i < 1000; ++i)
    t.add("process_record", &extract, 200 + i * 10, 9);
  SpanId transform = t.add("transform_data", &root, 10300, 20000);
  for (int i = 0; i < 500; ++i) {
    SpanId apply = t.add("apply_transformation", &transform, 10400 + i * 30, 12);
    t.add("lookup", &apply, 10401 + i * 30, 2);
    t.add("validate_transformation", &transform, 10415 + i * 30, 8);
  }
  SpanId load = t.add("load_results", &root, 30400, 14700);
  t.add("generate_summary", &load, 30500, 1230);
  t.add("Manual Summary Enrichment", &load, 31800, 310);
  t.last().attributes.push_back({"records", std::int64_t{1000}});
  t.last().attributes.push_back({"stage", std::string("final load")});
  return t;
}

} // namespace

TEST_CASE("tree: golden output for the pipeline example, collapsed", "[tree]") {
  TraceBuilder t = pipeline();
  std::string out = render_tree(t.spans);
  CHECK(out == "trace 00162738495a6b7c8d9eafc0d1e2f304  2506 spans  45.2 ms\n"
               "run_data_processing_pipeline  45.2 ms  pipeline.id=pipe-42\n"
               "├─ extract_data  10.1 ms\n"
               "│  └─ process_record × 1000, total 9.00 ms\n"
               "├─ transform_data  20.0 ms\n"
               "│  ├─ apply_transformation × 500, total 6.00 ms\n"
               "│  │  └─ lookup × 500, total 1.00 ms\n"
               "│  └─ validate_transformation × 500, total 4.00 ms\n"
               "└─ load_results  14.7 ms\n"
               "   ├─ generate_summary  1.23 ms\n"
               "   └─ Manual Summary Enrichment  310 µs  records=1000  stage=\"final load\"\n");
}

TEST_CASE("tree: errors are never collapsed away", "[tree]") {
  TraceBuilder t;
  SpanId root = t.add("main", nullptr, 0, 1000);
  for (int i = 0; i < 5; ++i)
    t.add("step", &root, 10 + i * 100, 50);
  SpanId bad = t.add("step", &root, 600, 80);
  SpanId inner = t.add("parse", &bad, 610, 20);
  (void)inner;
  t.last().status = StatusCode::Error;
  t.last().status_message = "bad input";
  t.last().events = {Event{"exception",
                           0,
                           {{"exception.type", std::string("std::invalid_argument")},
                            {"exception.message", std::string("bad input")}}}};
  t.add("step", &root, 700, 40);
  // Two same-named siblings: below the threshold of 3, shown one by one.
  t.add("flush", &root, 800, 5);
  t.add("flush", &root, 810, 5);
  std::string out = render_tree(t.spans);
  CHECK(out == "trace 00162738495a6b7c8d9eafc0d1e2f304  11 spans  1.00 ms\n"
               "main  1.00 ms\n"
               "├─ step × 6, total 290 µs\n"
               "├─ step  80.0 µs\n"
               "│  └─ parse  20.0 µs  ERROR std::invalid_argument: bad input\n"
               "├─ flush  5.00 µs\n"
               "└─ flush  5.00 µs\n");

  TreeRenderOptions color;
  color.color = true;
  std::string colored = render_tree(t.spans, color);
  CHECK(colored.find("\x1b[1;31mERROR std::invalid_argument: bad input\x1b[0m") !=
        std::string::npos);
  CHECK(out.find('\x1b') == std::string::npos);

  TreeRenderOptions no_collapse;
  no_collapse.collapse_threshold = 0;
  std::string full = render_tree(t.spans, no_collapse);
  CHECK(std::count(full.begin(), full.end(), '\n') == 12);
}

TEST_CASE("tree: partial traces, remote parents, several traces", "[tree]") {
  TraceBuilder a;
  SpanId missing{0, 0, 0, 0, 0, 0, 0, 99};
  SpanId p = a.add("orphan_parent", &missing, 0, 100);
  a.add("child", &p, 10, 20);
  TraceBuilder b;
  b.trace = trace_id(6);
  // Starts later than trace a, so it is printed second.
  SpanId remote{0, 0, 0, 0, 0, 0, 0, 0x77};
  b.add("handle_request", &remote, 50, 30);
  b.last().parent_is_remote = true;
  b.last().kind = SpanKind::Server;
  b.last().attributes.push_back({"weird", std::string("line1\nline2\x1b[31m")});

  std::vector<SpanData> both = b.spans;
  both.insert(both.end(), a.spans.begin(), a.spans.end());
  std::string out = render_tree(both);
  CHECK(out == "trace 00162738495a6b7c8d9eafc0d1e2f304  2 spans  100 µs  (partial: some parents "
               "not received)\n"
               "orphan_parent  100 µs\n"
               "└─ child  20.0 µs\n"
               "\n"
               "trace 001728394a5b6c7d8e9fb0c1d2e3f405  1 span  30.0 µs  (continues remote parent "
               "0000000000000077)\n"
               "handle_request  30.0 µs  weird=line1?line2?[31m\n");
}

TEST_CASE("tree: durations and long values", "[tree]") {
  CHECK(format_duration(0) == "0 ns");
  CHECK(format_duration(999) == "999 ns");
  CHECK(format_duration(1000) == "1.00 µs");
  CHECK(format_duration(12345) == "12.3 µs");
  CHECK(format_duration(999499) == "999 µs");
  CHECK(format_duration(999500) == "1.00 ms");
  CHECK(format_duration(123456789) == "123 ms");
  CHECK(format_duration(4560000000ull) == "4.56 s");
  CHECK(format_duration(7200000000000ull) == "7200 s");

  TraceBuilder t;
  t.add("x", nullptr, 0, 1);
  t.last().attributes.push_back({"long", std::string(100, 'v')});
  t.last().attributes.push_back({"list", std::vector<std::int64_t>{1, 2, 3}});
  for (int i = 0; i < 8; ++i)
    t.last().attributes.push_back({"k" + std::to_string(i), std::int64_t{i}});
  std::string out = render_tree(t.spans);
  CHECK(out.find("long=" + std::string(64, 'v') +
                 "…  list=[1, 2, 3]  k0=0  k1=1  k2=2  k3=3  (+4 more)") != std::string::npos);
}

TEST_CASE("tree: very deep traces stay bounded", "[tree]") {
  TraceBuilder t;
  SpanId parent = t.add("level", nullptr, 0, 100000);
  for (int i = 1; i < 1000; ++i)
    parent = t.add("level", &parent, static_cast<std::uint64_t>(i), 100);
  std::string out = render_tree(t.spans);
  INFO(out.substr(out.size() - 2000));
  CHECK(out.find("… 744 more spans below (depth limit)") != std::string::npos);
}
