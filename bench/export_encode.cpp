// Export-side cost per span: OTLP protobuf and JSON encoding, and a whole http/protobuf export
// (encode + libcurl POST on a kept-alive loopback connection), in thread CPU time. The
// "pre-encoded" rows give the exporter the spans as the batch worker encodes auto spans (bytes
// ready to send): what the otlp exporter itself then costs, with the own HTTP/1.1 client (the
// default for http://) and with libcurl doing the whole request.
//
//   autospan_export_bench [spans_per_batch] [batches]
//
// The spans look like auto spans (name, code.function.name, code.file.path, code.line.number,
// thread.id). The receiver runs on another thread; its CPU is not counted, since in production
// it is the collector's.
#include "export/exporters.h"
#include "export/otlp_json.h"
#include "export/otlp_protobuf.h"
#include "support.h"
#include "test_server.h"

#include <time.h>

#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

using namespace autospan::test;

namespace {

// The spans of an encoded request, as the batch worker produces them: consecutive
// ScopeSpans.spans fields. A one-span request without resource and scope is
// ResourceSpans{ScopeSpans{spans}}: strip the two message headers.
std::vector<std::uint8_t> pre_encode(const Batch& batch) {
  std::vector<std::uint8_t> out;
  ProtoWriter w;
  auto skip_header = [](const std::uint8_t*& p) {
    ++p; // tag
    while (*p++ & 0x80) {
    }
  };
  for (const auto& span : batch.spans) {
    ExportBatch one{nullptr, nullptr, &span, 1};
    encode_otlp_protobuf(one, w);
    const std::uint8_t* p = w.data();
    skip_header(p);
    skip_header(p);
    out.insert(out.end(), p, w.data() + w.size());
  }
  return out;
}

double thread_cpu_ns() {
  timespec ts;
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) * 1e9 + static_cast<double>(ts.tv_nsec);
}

template <class F> double per_span(std::size_t spans, int batches, F&& body) {
  body(); // warm-up: buffers reach their steady-state capacity
  double start = thread_cpu_ns();
  for (int i = 0; i < batches; ++i)
    body();
  return (thread_cpu_ns() - start) / (static_cast<double>(spans) * batches);
}

} // namespace

int main(int argc, char** argv) {
  std::size_t spans = argc > 1 ? std::strtoul(argv[1], nullptr, 10) : 512;
  int batches = argc > 2 ? std::atoi(argv[2]) : 400;
  Batch batch = typical_batch(spans);
  ExportBatch view = batch.view();

  ProtoWriter proto;
  double proto_ns = per_span(spans, batches, [&] { encode_otlp_protobuf(view, proto); });
  std::size_t proto_bytes = proto.size();
  std::string json;
  double json_ns = per_span(spans, batches, [&] { encode_otlp_json(view, json); });

  TestServer server;
  std::vector<std::uint8_t> encoded = pre_encode(batch);
  ExportBatch pre{view.resource, view.scope, nullptr, 0};
  pre.encoded_spans = encoded.data();
  pre.encoded_size = encoded.size();
  pre.encoded_count = spans;

  auto export_cost = [&](OtlpProtocol protocol, OtlpCompression compression,
                         const ExportBatch& what, bool builtin_http = true) {
    OtlpOptions o;
    o.endpoint = server.url();
    o.protocol = protocol;
    o.compression = compression;
    o.builtin_http = builtin_http;
    auto e = make_otlp_exporter(o);
    if (!e) {
      std::fprintf(stderr, "cannot create exporter\n");
      std::exit(1);
    }
    return per_span(spans, batches, [&] {
      if (e->export_batch(what, std::chrono::seconds(10)) != ExportResult::Success) {
        std::fprintf(stderr, "export failed\n");
        std::exit(1);
      }
    });
  };
  double http_ns = export_cost(OtlpProtocol::HttpProtobuf, OtlpCompression::None, view);
  double pre_ns = export_cost(OtlpProtocol::HttpProtobuf, OtlpCompression::None, pre);
  // The same with libcurl doing the whole request (AUTOSPAN_OTLP_HTTP_CLIENT=libcurl).
  double pre_curl_ns =
      export_cost(OtlpProtocol::HttpProtobuf, OtlpCompression::None, pre, /*builtin_http=*/false);
  double gzip_ns = export_cost(OtlpProtocol::HttpProtobuf, OtlpCompression::Gzip, view);
  double http_json_ns = export_cost(OtlpProtocol::HttpJson, OtlpCompression::None, view);

  std::printf("export cost per span (thread CPU time, %zu spans/batch, %d batches)\n", spans,
              batches);
  std::printf("  encode protobuf           %7.1f ns  (%.1f bytes/span)\n", proto_ns,
              static_cast<double>(proto_bytes) / static_cast<double>(spans));
  std::printf("  encode json               %7.1f ns  (%.1f bytes/span)\n", json_ns,
              static_cast<double>(json.size()) / static_cast<double>(spans));
  std::printf("  http/protobuf export      %7.1f ns  (encode + POST, keep-alive)\n", http_ns);
  std::printf(
      "  http/protobuf, pre-encoded %6.1f ns  (head + POST: auto spans the worker encoded)\n",
      pre_ns);
  std::printf("  the same through libcurl   %6.1f ns  (AUTOSPAN_OTLP_HTTP_CLIENT=libcurl)\n",
              pre_curl_ns);
  std::printf("  http/protobuf + gzip      %7.1f ns\n", gzip_ns);
  std::printf("  http/json export          %7.1f ns\n", http_json_ns);
  return 0;
}
