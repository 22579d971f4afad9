// The file exporter: OTLP/JSON lines, appended, one request per batch.
#include "export/exporters.h"
#include "export/otlp_json.h"
#include "support.h"

#include <catch2/catch.hpp>
#include <sys/stat.h>

using namespace autospan::test;
using namespace std::chrono;

TEST_CASE("file: one ExportTraceServiceRequest per line, appended", "[file]") {
  std::string path = temp_path("spans.jsonl");
  write_file(path, "existing line\n");
  auto e = make_file_exporter(FileOptions{path});
  REQUIRE(e);
  CHECK(std::string(e->name()) == "file");
  Batch a = full_batch();
  Batch b = typical_batch(3);
  CHECK(e->export_batch(a.view(), seconds(1)) == ExportResult::Success);
  // Written through at once (no buffering until exit).
  CHECK(read_file(path).size() > 20);
  CHECK(e->export_batch(b.view(), seconds(1)) == ExportResult::Success);
  Batch empty = typical_batch(0);
  CHECK(e->export_batch(empty.view(), seconds(1)) == ExportResult::Success);
  e->shutdown(seconds(1));

  std::string text = read_file(path);
  std::string expected_a, expected_b;
  encode_otlp_json(a.view(), expected_a);
  encode_otlp_json(b.view(), expected_b);
  CHECK(text == "existing line\n" + expected_a + "\n" + expected_b + "\n");

  // Each line decodes back to its batch.
  std::size_t first_nl = text.find('\n');
  std::size_t second_nl = text.find('\n', first_nl + 1);
  DecodedRequest d;
  std::string error;
  REQUIRE(decode_otlp_json(text.substr(first_nl + 1, second_nl - first_nl - 1), d, error));
  CHECK(d.spans.size() == 2);

  // Node reads the file line by line, as the Collector's otlpjsonfile receiver would.
  std::string js = temp_path("lines.js");
  write_file(js, "const lines = require('fs').readFileSync(process.argv[2], 'utf8').split('\\n');\n"
                 "let n = 0;\n"
                 "for (const l of lines.slice(1)) if (l) "
                 "n += JSON.parse(l).resourceSpans[0].scopeSpans[0].spans.length;\n"
                 "console.log(n);\n");
  std::string out;
  REQUIRE(run(std::string(AUTOSPAN_TEST_NODE) + " " + js + " " + path, out) == 0);
  CHECK(out == "5\n");
}

TEST_CASE("file: an unwritable path disables the exporter with an error", "[file]") {
  StderrCapture capture;
  auto e = make_file_exporter(FileOptions{"/nonexistent-dir/x/spans.jsonl"});
  CHECK_FALSE(e);
  CHECK(capture.text().find("cannot open /nonexistent-dir/x/spans.jsonl") != std::string::npos);
}
