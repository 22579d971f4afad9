// OTLP/gRPC over HTTP/2 (h2c) against Node's http2 server decoding with the official schema, and
// the protobuf/JSON encodings checked against that schema too.
#include "core/log_control.h"
#include "export/exporters.h"
#include "export/http_transport.h"
#include "export/json_reader.h"
#include "export/otlp_json.h"
#include "export/otlp_protobuf.h"
#include "support.h"

#include <catch2/catch.hpp>
#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <thread>

using namespace autospan::test;
using namespace std::chrono;

namespace {

const std::string kPeer = std::string(AUTOSPAN_TEST_SOURCE_DIR) + "/otlp_peer.mjs";

// `node otlp_peer.mjs grpc-server SCRIPT`, stdout in a file, stopped by closing its stdin.
class GrpcPeer {
public:
  explicit GrpcPeer(const std::string& script) : out_(temp_path("grpc-peer.jsonl")) {
    int in[2];
    REQUIRE(pipe(in) == 0);
    pid_ = fork();
    REQUIRE(pid_ >= 0);
    if (pid_ == 0) {
      dup2(in[0], 0);
      int fd = open(out_.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
      dup2(fd, 1);
      close(in[1]);
      execl(AUTOSPAN_TEST_NODE, AUTOSPAN_TEST_NODE, kPeer.c_str(), "grpc-server", script.c_str(),
            static_cast<char*>(nullptr));
      _exit(127);
    }
    close(in[0]);
    stdin_ = in[1];
    for (int i = 0; i < 1000 && port_ == 0; ++i) {
      auto lines = records();
      if (!lines.empty())
        port_ = static_cast<int>(std::stoi(lines[0].find("port")->text));
      else
        std::this_thread::sleep_for(milliseconds(10));
    }
    REQUIRE(port_ != 0);
  }
  ~GrpcPeer() {
    close(stdin_);
    int status;
    waitpid(pid_, &status, 0);
  }
  std::string endpoint() const { return "http://127.0.0.1:" + std::to_string(port_); }
  // Line 0 is {"port":N}; then one record per request.
  std::vector<JsonValue> records() const {
    std::vector<JsonValue> out;
    std::string text = read_file(out_);
    std::size_t pos = 0;
    while (true) {
      std::size_t nl = text.find('\n', pos);
      if (nl == std::string::npos)
        break;
      JsonValue v;
      std::string error;
      if (parse_json(text.substr(pos, nl - pos), v, error))
        out.push_back(std::move(v));
      pos = nl + 1;
    }
    return out;
  }

private:
  std::string out_;
  pid_t pid_ = -1;
  int stdin_ = -1;
  int port_ = 0;
};

JsonValue decode_with_schema(const std::string& bytes, const char* encoding) {
  std::string path = temp_path(std::string("request.") + encoding);
  write_file(path, bytes);
  std::string out;
  int rc = run(std::string(AUTOSPAN_TEST_NODE) + " " + kPeer + " decode " + path + " " + encoding +
                   " 2>&1",
               out);
  INFO(out);
  REQUIRE(rc == 0);
  JsonValue v;
  std::string error;
  REQUIRE(parse_json(out, v, error));
  return v;
}

const JsonValue& attr(const JsonValue& span, const char* key) {
  const JsonValue* v = span.find("attributes")->find(key);
  INFO(key);
  REQUIRE(v);
  return *v;
}

void check_full_batch(const JsonValue& decoded) {
  const JsonValue& spans = *decoded.find("spans");
  REQUIRE(spans.items.size() == 2);
  const JsonValue& c = spans.items[0];
  CHECK(c.find("name")->text == "work::item");
  CHECK(c.find("traceId")->text == to_hex(trace_id(1)));
  CHECK(c.find("spanId")->text == to_hex(span_id(2)));
  CHECK(c.find("parentSpanId")->text == to_hex(span_id(1)));
  CHECK(c.find("kind")->text == "INTERNAL");
  CHECK(c.find("startTimeUnixNano")->text == "1700000000000000100");
  CHECK(c.find("traceState")->text == "vendor=x");
  CHECK(c.find("status")->find("code")->text == "ERROR");
  CHECK(c.find("status")->find("message")->text == "boom");
  CHECK(attr(c, "str").text == "text");
  CHECK(attr(c, "bool.false").type == JsonValue::Type::Bool);
  CHECK_FALSE(attr(c, "bool.false").boolean);
  CHECK(attr(c, "int.neg").text == "-1");
  CHECK(attr(c, "int.big").text == "9007199254740993");
  CHECK(attr(c, "dbl").text == "1.5");
  CHECK(attr(c, "arr.str").items.size() == 2);
  CHECK(attr(c, "arr.int").items[1].text == "-2");
  CHECK(c.find("events")->items[0].find("name")->text == "exception");
  CHECK(c.find("links")->items[0].find("traceState")->text == "k=v");
  CHECK(c.find("droppedAttributesCount")->text == "3");
  CHECK(c.find("droppedLinksCount")->text == "5");
  const JsonValue& r = spans.items[1];
  CHECK(r.find("kind")->text == "SERVER");
  CHECK(r.find("flags")->text == "769");
  CHECK(r.find("resource")->find("attributes")->find("service.name")->text == "svc");
  CHECK(r.find("scope")->find("version")->text == "0.1.0");
}

} // namespace

TEST_CASE("schema: protobuf and JSON decode with the official OpenTelemetry schema", "[schema]") {
  Batch b = full_batch();
  ProtoWriter w;
  encode_otlp_protobuf(b.view(), w);
  check_full_batch(decode_with_schema(
      std::string(reinterpret_cast<const char*>(w.data()), w.size()), "protobuf"));

  std::string json;
  encode_otlp_json(b.view(), json);
  JsonValue decoded = decode_with_schema(json, "json");
  check_full_batch(decoded);
  // The peer reports unknown keys, names instead of enum numbers, upper-case hex: none here.
  CHECK(decoded.find("warnings")->items.empty());
}

TEST_CASE("grpc: unary Export over h2c with framing, trailers and retries", "[grpc]") {
  if (!curl_supports_http2()) {
    OtlpOptions options;
    options.protocol = OtlpProtocol::Grpc;
    StderrCapture capture;
    CHECK_FALSE(make_otlp_exporter(options));
    CHECK(capture.text().find("grpc not supported in this build") != std::string::npos);
    return;
  }
  // UNAVAILABLE (Trailers-Only), then an HTTP 503, then OK; then INVALID_ARGUMENT; then a
  // partial success.
  GrpcPeer peer("14,http503,0,3,partial");
  OtlpOptions options;
  options.protocol = OtlpProtocol::Grpc;
  options.endpoint = peer.endpoint();
  options.headers = {{"authorization", "Bearer grpc-secret-token"}};
  auto e = make_otlp_exporter(options);
  REQUIRE(e);
  Batch b = full_batch();
  std::string log;
  {
    enable_debug_log();
    StderrCapture capture;
    // Retries back off from 1 s; the three attempts fit the timeout.
    CHECK(e->export_batch(b.view(), seconds(8)) == ExportResult::Success);
    CHECK(e->export_batch(b.view(), seconds(5)) == ExportResult::Failure);
    CHECK(e->export_batch(b.view(), seconds(5)) == ExportResult::Success);
    log = capture.text();
    set_log_level(LogLevel::Warn);
  }
  INFO(log);
  CHECK(log.find("grpc-status 3: scripted failure") != std::string::npos);
  CHECK(log.find("rejected 2 of 2 spans: two bad") != std::string::npos);
  CHECK(log.find("grpc-secret-token") == std::string::npos);

  auto records = peer.records();
  REQUIRE(records.size() == 1 + 5);
  for (std::size_t i = 1; i < records.size(); ++i) {
    const JsonValue& r = records[i];
    INFO((r.find("error") != nullptr ? r.find("error")->text : std::string()));
    CHECK(r.find("path")->text == "/opentelemetry.proto.collector.trace.v1.TraceService/Export");
    CHECK(r.find("method")->text == "POST");
    CHECK(r.find("contentType")->text == "application/grpc");
    CHECK(r.find("te")->text == "trailers");
    CHECK(r.find("authorization")->text == "Bearer grpc-secret-token");
    REQUIRE(r.find("spans"));
    CHECK(r.find("spans")->items.size() == 2);
    CHECK(r.find("spans")->items[0].text == "work::item");
  }

  // gzip: the frame's compressed flag and grpc-encoding.
  options.compression = OtlpCompression::Gzip;
  auto gz = make_otlp_exporter(options);
  REQUIRE(gz);
  CHECK(gz->export_batch(b.view(), seconds(5)) == ExportResult::Success);
  records = peer.records();
  REQUIRE(records.size() == 7);
  CHECK(records[6].find("grpcEncoding")->text == "gzip");
  CHECK(records[6].find("compressed")->text == "1");
  CHECK(records[6].find("spans")->items.size() == 2);
}
