// The console exporter: traces printed when their root arrives, partial trees on flush.
#include "export/exporters.h"
#include "support.h"

#include <catch2/catch.hpp>

#include <cstdio>

using namespace autospan::test;
using namespace std::chrono;

namespace {

SpanData span(std::uint8_t trace, std::uint8_t id, std::uint8_t parent, const char* name,
              std::uint64_t start_us, std::uint64_t dur_us) {
  SpanData s;
  s.trace_id = trace_id(trace);
  s.span_id = SpanId{0, 0, 0, 0, 0, 0, 0, id};
  if (parent != 0)
    s.parent_span_id = SpanId{0, 0, 0, 0, 0, 0, 0, parent};
  s.name = name;
  s.start_unix_nano = 1700000000000000000ull + start_us * 1000;
  s.end_unix_nano = s.start_unix_nano + dur_us * 1000;
  return s;
}

struct Sink {
  std::FILE* f = std::tmpfile();
  ~Sink() { std::fclose(f); }
  std::string text() {
    std::fflush(f);
    long size = std::ftell(f);
    std::string out(static_cast<std::size_t>(size), '\0');
    std::rewind(f);
    std::size_t n = std::fread(&out[0], 1, out.size(), f);
    out.resize(n);
    return out;
  }
};

void send(SpanExporter& e, std::vector<SpanData> spans) {
  Resource r;
  InstrumentationScope sc{"autospan", "0.1.0"};
  REQUIRE(e.export_batch(ExportBatch{&r, &sc, spans.data(), spans.size()}, seconds(1)) ==
          ExportResult::Success);
}

} // namespace

TEST_CASE("console: a trace is printed once its root has arrived", "[console]") {
  Sink sink;
  auto e = make_console_exporter(ConsoleOptions{sink.f, false});
  REQUIRE(e);
  CHECK(std::string(e->name()) == "console");

  // Trace 1 spread over three batches, children first; trace 2 interleaved and never finished.
  send(*e, {span(1, 3, 2, "leaf", 20, 5), span(2, 9, 8, "other_child", 0, 1)});
  send(*e, {span(1, 2, 1, "middle", 10, 20)});
  CHECK(sink.text().empty());
  send(*e, {span(1, 1, 0, "root", 0, 100)});
  CHECK(sink.text() == "trace 0012233445566778899aabbccddeef00  3 spans  100 µs\n"
                       "root  100 µs\n"
                       "└─ middle  20.0 µs\n"
                       "   └─ leaf  5.00 µs\n"
                       "\n");

  // Flush prints what is left, as a partial tree.
  e->force_flush(seconds(1));
  std::string all = sink.text();
  CHECK(all.substr(all.find("\n\n") + 2) ==
        "trace 00132435465768798a9bacbdcedff001  1 span  1.00 µs  (partial: some parents not "
        "received)\n"
        "other_child  1.00 µs\n"
        "\n");
  // Nothing is printed twice.
  std::size_t before = sink.text().size();
  e->shutdown(seconds(1));
  CHECK(sink.text().size() == before);
}

TEST_CASE("console: colour only when asked, errors highlighted", "[console]") {
  for (bool color : {false, true}) {
    Sink sink;
    auto e = make_console_exporter(ConsoleOptions{sink.f, color});
    SpanData failing = span(3, 1, 0, "job", 0, 10);
    failing.status = StatusCode::Error;
    failing.status_message = "disk full";
    send(*e, {failing});
    std::string out = sink.text();
    CHECK(out.find("ERROR disk full") != std::string::npos);
    CHECK((out.find("\x1b[") != std::string::npos) == color);
  }
}

TEST_CASE("console: a remote parent makes a local root", "[console]") {
  Sink sink;
  auto e = make_console_exporter(ConsoleOptions{sink.f, false});
  SpanData server = span(4, 1, 50, "handle", 0, 10);
  server.parent_is_remote = true;
  send(*e, {span(4, 2, 1, "db", 1, 2), server});
  CHECK(sink.text().find("handle  10.0 µs\n└─ db  2.00 µs\n") != std::string::npos);
}
