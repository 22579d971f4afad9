// The HTTP transport and the otlp exporter against a real loopback HTTP server.
#include "core/log_control.h"
#include "export/exporters.h"
#include "export/http_transport.h"
#include "export/otlp_json.h"
#include "export/otlp_protobuf.h"
#include "support.h"
#include "test_server.h"

#include <arpa/inet.h>
#include <catch2/catch.hpp>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>
#include <zlib.h>

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <ctime>

using namespace autospan::test;
using namespace std::chrono;
using Action = Reply::Action;

namespace {

const char* const kSecret = "Bearer s3cr3t-t0ken-value";
const char* const kSecret2 = "tenant-8f1e2d";

// unit.export.http runs these cases with the own HTTP/1.1 client (the default for http://),
// unit.export.http_libcurl with libcurl doing the whole request.
bool libcurl_only() {
  const char* v = std::getenv("AUTOSPAN_TEST_HTTP_CLIENT");
  return v != nullptr && std::string(v) == "libcurl";
}

HttpTransportOptions fast_options(const std::string& url) {
  HttpTransportOptions o;
  o.url = url;
  o.builtin_http = !libcurl_only();
  o.content_type = "application/x-protobuf";
  o.headers = {{"Authorization", kSecret}, {"X-Tenant", kSecret2}};
  o.retry.initial_backoff = milliseconds(50);
  o.retry.max_backoff = milliseconds(200);
  return o;
}

std::unique_ptr<HttpTransport> transport(HttpTransportOptions o) {
  std::string error;
  auto t = HttpTransport::create(std::move(o), error);
  INFO(error);
  REQUIRE(t);
  return t;
}

SendResult send_text(HttpTransport& t, const std::string& body, milliseconds timeout) {
  return t.send(reinterpret_cast<const std::uint8_t*>(body.data()), body.size(),
                steady_clock::now() + timeout);
}

long long ms_between(steady_clock::time_point a, steady_clock::time_point b) {
  return duration_cast<milliseconds>(b - a).count();
}

std::string gunzip(const std::string& in) {
  z_stream zs{};
  REQUIRE(inflateInit2(&zs, 15 + 16) == Z_OK);
  std::string out(in.size() * 20 + 1024, '\0');
  zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in.data()));
  zs.avail_in = static_cast<uInt>(in.size());
  zs.next_out = reinterpret_cast<Bytef*>(&out[0]);
  zs.avail_out = static_cast<uInt>(out.size());
  int rc = inflate(&zs, Z_FINISH);
  inflateEnd(&zs);
  REQUIRE(rc == Z_STREAM_END);
  out.resize(zs.total_out);
  return out;
}

} // namespace

TEST_CASE("http: POST with content type, custom headers and keep-alive", "[http]") {
  TestServer server;
  auto t = transport(fast_options(server.url()));
  for (int i = 0; i < 3; ++i) {
    SendResult r = send_text(*t, "body" + std::to_string(i), seconds(5));
    CHECK(r.result == ExportResult::Success);
    CHECK(r.attempts == 1);
    CHECK(r.http_status == 200);
    CHECK(r.builtin_client == !libcurl_only());
  }
  auto reqs = server.requests();
  REQUIRE(reqs.size() == 3);
  CHECK(reqs[0].method == "POST");
  CHECK(reqs[0].path == "/v1/traces");
  CHECK(reqs[0].header("Content-Type") == "application/x-protobuf");
  CHECK(reqs[0].header("Authorization") == kSecret);
  CHECK(reqs[0].header("X-Tenant") == kSecret2);
  CHECK(reqs[0].header("Expect").empty());
  CHECK(reqs[0].header("Content-Encoding").empty());
  CHECK(reqs[2].body == "body2");
  CHECK(server.connections() == 1); // one connection reused
}

TEST_CASE("http: a configured Host or User-Agent header replaces the client's own", "[http]") {
  TestServer server;
  HttpTransportOptions o = fast_options(server.url());
  o.headers = {{"Host", "collector.example"}, {"User-Agent", "shop/1.0"}};
  auto t = transport(o);
  SendResult r = send_text(*t, "x", seconds(5));
  CHECK(r.result == ExportResult::Success);
  auto reqs = server.requests();
  REQUIRE(reqs.size() == 1);
  auto count = [&](const std::string& name) {
    return std::count_if(reqs[0].headers.begin(), reqs[0].headers.end(), [&](const auto& h) {
      return h.first.size() == name.size() &&
             std::equal(h.first.begin(), h.first.end(), name.begin(), [](char a, char b) {
               return std::tolower(static_cast<unsigned char>(a)) ==
                      std::tolower(static_cast<unsigned char>(b));
             });
    });
  };
  CHECK(count("Host") == 1);
  CHECK(count("User-Agent") == 1);
  CHECK(reqs[0].header("Host") == "collector.example");
  CHECK(reqs[0].header("User-Agent") == "shop/1.0");
}

TEST_CASE("http: retries 429/502/503/504 and connection resets, then succeeds", "[http]") {
  TestServer server;
  server.script({Reply::status_only(503), Reply::status_only(429), Reply::status_only(502),
                 Reply::fault(Action::Reset), Reply::fault(Action::Close), Reply::status_only(504),
                 Reply::status_only(200)});
  auto t = transport(fast_options(server.url()));
  auto start = steady_clock::now();
  SendResult r = send_text(*t, "x", seconds(10));
  CHECK(r.result == ExportResult::Success);
  auto reqs = server.requests();
  // curl itself re-sends once on a connection that dies before any response; count ours.
  CHECK(r.attempts >= 5);
  CHECK(reqs.size() >= 7);
  // Exponential backoff: 50, 75, 112, ... ms (±20 %), so the whole run takes a few hundred ms.
  CHECK(ms_between(start, steady_clock::now()) >= 200);
  CHECK(ms_between(reqs[0].received, reqs[1].received) >= 35);
}

TEST_CASE("http: no retry on other 4xx and on 500", "[http]") {
  for (int code : {400, 401, 403, 404, 413, 500}) {
    TestServer server;
    server.set_fallback(Reply::status_only(code));
    auto t = transport(fast_options(server.url()));
    SendResult r = send_text(*t, "x", seconds(5));
    INFO("status " << code);
    CHECK(r.result == ExportResult::Failure);
    CHECK(r.attempts == 1);
    CHECK(r.http_status == code);
    CHECK(server.requests().size() == 1);
  }
}

TEST_CASE("http: Retry-After in seconds and as an HTTP date", "[http]") {
  TestServer server;
  Reply seconds_reply = Reply::status_only(429);
  seconds_reply.headers = {{"Retry-After", "1"}};
  Reply date_reply = Reply::status_only(503);
  char date[64];
  // The second request comes ~1 s after this line (Retry-After: 1). An HTTP date has whole
  // seconds, so "now + 2" could already be (nearly) due by then; "now + 3" is still at least
  // one whole second away, whatever fraction of a second this line ran in.
  std::time_t when = std::time(nullptr) + 3;
  std::tm tm{};
  gmtime_r(&when, &tm);
  std::strftime(date, sizeof date, "%a, %d %b %Y %H:%M:%S GMT", &tm);
  date_reply.headers = {{"Retry-After", date}};
  server.script({seconds_reply, date_reply, Reply::status_only(200)});
  auto t = transport(fast_options(server.url()));
  SendResult r = send_text(*t, "x", seconds(10));
  CHECK(r.result == ExportResult::Success);
  auto reqs = server.requests();
  REQUIRE(reqs.size() == 3);
  CHECK(ms_between(reqs[0].received, reqs[1].received) >= 950);
  CHECK(ms_between(reqs[0].received, reqs[1].received) < 1500); // not the 50 ms backoff
  // The date is honoured (not the 50 ms backoff), and the wait ends when it is due.
  CHECK(ms_between(reqs[1].received, reqs[2].received) >= 900);
  CHECK(ms_between(reqs[1].received, reqs[2].received) < 3000);
}

TEST_CASE("http: a Retry-After past the timeout gives up at once", "[http]") {
  TestServer server;
  Reply r429 = Reply::status_only(429);
  r429.headers = {{"Retry-After", "30"}};
  server.set_fallback(r429);
  auto t = transport(fast_options(server.url()));
  auto start = steady_clock::now();
  SendResult r = send_text(*t, "x", seconds(2));
  CHECK(r.result == ExportResult::RetryExhausted);
  CHECK(r.attempts == 1);
  CHECK(ms_between(start, steady_clock::now()) < 1000);
}

TEST_CASE("http: the timeout bounds every failure mode", "[http]") {
  SECTION("connection refused: retried until the timeout") {
    auto t =
        transport(fast_options("http://127.0.0.1:" + std::to_string(unused_port()) + "/v1/traces"));
    auto start = steady_clock::now();
    SendResult r = send_text(*t, "x", milliseconds(800));
    auto took = ms_between(start, steady_clock::now());
    CHECK(r.result == ExportResult::RetryExhausted);
    CHECK(r.attempts >= 3);
    CHECK(took < 1300);
  }
  SECTION("black hole: accepted, never answered") {
    TestServer server;
    server.set_fallback(Reply::fault(Action::BlackHole));
    auto t = transport(fast_options(server.url()));
    auto start = steady_clock::now();
    SendResult r = send_text(*t, "x", milliseconds(700));
    auto took = ms_between(start, steady_clock::now());
    CHECK(r.result == ExportResult::RetryExhausted);
    CHECK(took >= 650);
    CHECK(took < 1300);
  }
  SECTION("slow response") {
    TestServer server;
    Reply slow = Reply::status_only(200);
    slow.delay_ms = 3000;
    server.set_fallback(slow);
    auto t = transport(fast_options(server.url()));
    auto start = steady_clock::now();
    SendResult r = send_text(*t, "x", milliseconds(500));
    CHECK(r.result == ExportResult::RetryExhausted);
    CHECK(ms_between(start, steady_clock::now()) < 1200);
  }
  SECTION("full listen backlog: the connect itself never completes") {
    // Nobody accepts and the backlog is full, so the kernel drops further SYNs.
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    REQUIRE(bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0);
    REQUIRE(listen(fd, 0) == 0);
    socklen_t len = sizeof addr;
    getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
    std::vector<int> fillers;
    for (int i = 0; i < 4; ++i) {
      int c = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
      connect(c, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
      fillers.push_back(c);
    }
    auto t = transport(
        fast_options("http://127.0.0.1:" + std::to_string(ntohs(addr.sin_port)) + "/v1/traces"));
    auto start = steady_clock::now();
    SendResult r = send_text(*t, "x", milliseconds(600));
    auto took = ms_between(start, steady_clock::now());
    CHECK(r.result == ExportResult::RetryExhausted);
    CHECK(took >= 550);
    CHECK(took < 1200);
    for (int c : fillers)
      close(c);
    close(fd);
  }
}

TEST_CASE("http: gzip compression", "[http]") {
  TestServer server;
  HttpTransportOptions o = fast_options(server.url());
  o.gzip = true;
  auto t = transport(o);
  Batch b = typical_batch(200);
  ProtoWriter w;
  encode_otlp_protobuf(b.view(), w);
  SendResult r = t->send(w.data(), w.size(), steady_clock::now() + seconds(5));
  CHECK(r.result == ExportResult::Success);
  auto reqs = server.requests();
  REQUIRE(reqs.size() == 1);
  CHECK(reqs[0].header("Content-Encoding") == "gzip");
  CHECK(reqs[0].body.size() < w.size() / 4);
  CHECK(gunzip(reqs[0].body) == std::string(reinterpret_cast<const char*>(w.data()), w.size()));
}

TEST_CASE("http: header values never reach the log, even at debug level", "[http]") {
  enable_debug_log();
  std::string log;
  {
    StderrCapture capture;
    TestServer server;
    // A collector that echoes the request's secrets back in error bodies and messages.
    Reply echo400 = Reply::status_only(400);
    // The token sits across the 200-character excerpt limit: redaction must come first.
    echo400.body = std::string(175, '.') + "invalid token " + kSecret + " for tenant " + kSecret2;
    Reply echo503 = Reply::status_only(503);
    echo503.body = std::string("overloaded; your token was ") + kSecret;
    server.script({echo503, echo400});
    auto t = transport(fast_options(server.url()));
    send_text(*t, "x", seconds(5));

    // Partial success carrying the secret in its message, through the real exporter.
    OtlpOptions options;
    options.endpoint = server.url();
    options.protocol = OtlpProtocol::HttpJson;
    options.headers = {{"Authorization", kSecret}};
    Reply partial = Reply::status_only(200);
    partial.headers = {{"Content-Type", "application/json"}};
    partial.body = std::string(R"({"partialSuccess":{"rejectedSpans":"2","errorMessage":"token )") +
                   kSecret + "\"}}";
    server.script({partial});
    auto exporter = make_otlp_exporter(options);
    REQUIRE(exporter);
    Batch b = full_batch();
    CHECK(exporter->export_batch(b.view(), seconds(5)) == ExportResult::Success);

    // Connection refused, with retries logged at debug.
    auto refused = transport(fast_options("http://user:pw-" + std::string(kSecret2) +
                                          "@127.0.0.1:" + std::to_string(unused_port()) +
                                          "/v1/traces?key=" + kSecret2));
    send_text(*refused, "x", milliseconds(300));
    log = capture.text();
  }
  set_log_level(LogLevel::Warn);
  INFO(log);
  // The log said something about each case (so the check below can fail)...
  CHECK(log.find("HTTP 400") != std::string::npos);
  CHECK(log.find("HTTP 503") != std::string::npos);
  CHECK(log.find("rejected 2 of 2 spans") != std::string::npos);
  CHECK(log.find("127.0.0.1:") != std::string::npos);
  // ...and never a header value.
  CHECK(log.find("s3cr3t") == std::string::npos);
  CHECK(log.find("Bearer s3") == std::string::npos);
  CHECK(log.find(kSecret2) == std::string::npos);
  CHECK(log.find("[REDACTED]") != std::string::npos);
}

TEST_CASE("http: otlp exporter sends protobuf and json, reports partial success", "[http]") {
  TestServer server;
  Batch b = full_batch();

  OtlpOptions options;
  options.endpoint = server.url();
  auto proto = make_otlp_exporter(options);
  REQUIRE(proto);
  CHECK(std::string(proto->name()) == "otlp");
  CHECK(proto->export_batch(b.view(), seconds(5)) == ExportResult::Success);

  options.protocol = OtlpProtocol::HttpJson;
  options.compression = OtlpCompression::Gzip;
  auto json = make_otlp_exporter(options);
  REQUIRE(json);
  // An ExportTraceServiceResponse in protobuf with partial_success{rejected_spans: 1, "bad"}
  Reply partial = Reply::status_only(200);
  partial.headers = {{"Content-Type", "application/x-protobuf"}};
  partial.body = std::string("\x0a\x07\x08\x01\x12\x03"
                             "bad",
                             9);
  server.script({partial});
  std::string log;
  {
    StderrCapture capture;
    CHECK(json->export_batch(b.view(), seconds(5)) == ExportResult::Success);
    log = capture.text();
  }
  CHECK(log.find("rejected 1 of 2 spans: bad") != std::string::npos);

  auto reqs = server.requests();
  REQUIRE(reqs.size() == 2);
  ProtoWriter w;
  encode_otlp_protobuf(b.view(), w);
  CHECK(reqs[0].header("Content-Type") == "application/x-protobuf");
  CHECK(reqs[0].body == std::string(reinterpret_cast<const char*>(w.data()), w.size()));
  std::string expected_json;
  encode_otlp_json(b.view(), expected_json);
  CHECK(reqs[1].header("Content-Type") == "application/json");
  CHECK(reqs[1].header("Content-Encoding") == "gzip");
  CHECK(gunzip(reqs[1].body) == expected_json);
}

TEST_CASE("http: header values cannot inject headers", "[http]") {
  TestServer server;
  HttpTransportOptions o = fast_options(server.url());
  o.headers = {{"X-Ok", "fine"}, {"X-Bad", "v\r\nX-Injected: 1"}, {"Bad:Name", "x"}};
  StderrCapture capture;
  auto t = transport(o);
  CHECK(send_text(*t, "x", seconds(5)).result == ExportResult::Success);
  std::string log = capture.text();
  CHECK(log.find("ignoring OTLP header 'X-Bad'") != std::string::npos);
  CHECK(log.find("X-Injected") == std::string::npos);
  auto reqs = server.requests();
  REQUIRE(reqs.size() == 1);
  CHECK(reqs[0].header("X-Ok") == "fine");
  CHECK(reqs[0].header("X-Injected").empty());
  CHECK(reqs[0].header("X-Bad").empty());
}

TEST_CASE("http: invalid options fail at creation with a clear error", "[http]") {
  std::string error;
  HttpTransportOptions o;
  o.url = "ftp://127.0.0.1/v1/traces";
  CHECK_FALSE(HttpTransport::create(o, error));
  CHECK(error.find("http://") != std::string::npos);

  OtlpOptions options;
  options.endpoint = "localhost:4318";
  StderrCapture capture;
  CHECK_FALSE(make_otlp_exporter(options));
  CHECK(capture.text().find("otlp exporter disabled") != std::string::npos);
}

TEST_CASE("http: a forked child exports on its own connection", "[http]") {
  TestServer server;
  OtlpOptions options;
  options.endpoint = server.url();
  auto exporter = make_otlp_exporter(options);
  REQUIRE(exporter);
  Batch b = typical_batch(3);
  REQUIRE(exporter->export_batch(b.view(), seconds(5)) == ExportResult::Success);
  REQUIRE(server.connections() == 1);

  pid_t pid = fork();
  REQUIRE(pid >= 0);
  if (pid == 0) {
    // The inherited exporter must not touch the parent's connection; it opens its own.
    bool ok = exporter->export_batch(b.view(), seconds(5)) == ExportResult::Success;
    exporter.reset();
    _exit(ok ? 0 : 1);
  }
  int status = 0;
  waitpid(pid, &status, 0);
  CHECK(WIFEXITED(status));
  CHECK(WEXITSTATUS(status) == 0);
  // The parent keeps its connection and keeps working.
  CHECK(exporter->export_batch(b.view(), seconds(5)) == ExportResult::Success);
  auto reqs = server.requests();
  REQUIRE(reqs.size() == 3);
  CHECK(reqs[1].connection == 2);
  CHECK(reqs[2].connection == 1);
}
