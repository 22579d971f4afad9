// The `otlp` exporter: encode (protobuf or JSON), send through HttpTransport, report
// partial_success. OTLP/gRPC is the same protobuf message as a unary call over HTTP/2.
#include "../log.h"
#include "exporters.h"
#include "http_transport.h"
#include "otlp_json.h"
#include "otlp_protobuf.h"

#include <algorithm>
#include <string>

namespace autospan::internal {
namespace {

class OtlpExporter final : public SpanExporter {
public:
  OtlpExporter(OtlpProtocol protocol, std::chrono::milliseconds timeout,
               std::unique_ptr<HttpTransport> transport)
      : protocol_(protocol), timeout_(timeout), transport_(std::move(transport)) {}

  ExportResult export_batch(const ExportBatch& batch,
                            std::chrono::milliseconds timeout) noexcept override {
    const std::size_t spans = batch.count + batch.encoded_count;
    if (spans == 0)
      return ExportResult::Success;
    if (!transport_)
      return ExportResult::Failure;
    try {
      // OTEL_EXPORTER_OTLP_TIMEOUT bounds one export, retries included; the caller's limit (the
      // batch processor's deadline) may be shorter.
      auto deadline = std::chrono::steady_clock::now() + std::min(timeout, timeout_);
      SendResult r;
      if (protocol_ == OtlpProtocol::HttpJson) {
        encode_otlp_json(batch, json_);
        r = transport_->send(reinterpret_cast<const std::uint8_t*>(json_.data()), json_.size(),
                             deadline);
      } else if (batch.encoded_size != 0) {
        // The worker's encoded spans go out as they are, after the request's head.
        encode_otlp_protobuf_head(batch, proto_);
        const BodySegment body[2] = {{proto_.data(), proto_.size()},
                                     {batch.encoded_spans, batch.encoded_size}};
        r = transport_->send(body, 2, deadline);
      } else {
        encode_otlp_protobuf(batch, proto_);
        r = transport_->send(proto_.data(), proto_.size(), deadline);
      }
      if (r.result == ExportResult::Success)
        report_partial_success(r, spans);
      return r.result;
    } catch (...) { // bad_alloc while encoding: drop this batch, keep the exporter alive
      return ExportResult::Failure;
    }
  }

  void begin_shutdown(std::chrono::steady_clock::time_point deadline) noexcept override {
    if (transport_)
      transport_->begin_shutdown(deadline);
  }

  void shutdown(std::chrono::milliseconds) noexcept override {
    if (transport_)
      transport_->close();
  }

  const char* name() const noexcept override { return "otlp"; }
  bool accepts_encoded_spans() const noexcept override {
    return protocol_ != OtlpProtocol::HttpJson;
  }

private:
  void report_partial_success(const SendResult& r, std::size_t sent) {
    if (r.body.empty())
      return;
    PartialSuccess partial;
    bool ok;
    if (protocol_ == OtlpProtocol::Grpc) {
      // One length-prefixed message; compressed responses are not requested (identity).
      const auto* p = reinterpret_cast<const std::uint8_t*>(r.body.data());
      ok = r.body.size() >= 5 && p[0] == 0 &&
           parse_partial_success_protobuf(p + 5, r.body.size() - 5, partial);
    } else if (r.content_type.find("json") != std::string::npos ||
               (r.content_type.empty() && protocol_ == OtlpProtocol::HttpJson)) {
      ok = parse_partial_success_json(r.body, partial);
    } else {
      ok = parse_partial_success_protobuf(reinterpret_cast<const std::uint8_t*>(r.body.data()),
                                          r.body.size(), partial);
    }
    if (!ok) {
      AUTOSPAN_LOG(Debug, "export to %s: unparseable success response (%zu bytes)",
                   transport_->display_url().c_str(), r.body.size());
      return;
    }
    if (!partial.any())
      return;
    std::string message = partial.error_message;
    transport_->redact(message);
    if (message.size() > 200)
      message = message.substr(0, 200) + "...";
    for (char& c : message)
      if (static_cast<unsigned char>(c) < 0x20)
        c = ' ';
    AUTOSPAN_LOG(Warn, "collector at %s rejected %lld of %zu spans: %s",
                 transport_->display_url().c_str(), static_cast<long long>(partial.rejected_spans),
                 sent, message.empty() ? "(no message)" : message.c_str());
  }

  OtlpProtocol protocol_;
  std::chrono::milliseconds timeout_;
  std::unique_ptr<HttpTransport> transport_;
  ProtoWriter proto_;
  std::string json_;
};

} // namespace

std::unique_ptr<SpanExporter> make_otlp_exporter(const OtlpOptions& options) {
  HttpTransportOptions t;
  t.url = options.endpoint;
  t.headers = options.headers;
  t.gzip = options.compression == OtlpCompression::Gzip;
  t.ca_file = options.certificate_file;
  t.client_cert_file = options.client_certificate_file;
  t.client_key_file = options.client_key_file;
  t.builtin_http = options.builtin_http;
  switch (options.protocol) {
  case OtlpProtocol::HttpProtobuf:
    t.content_type = "application/x-protobuf";
    break;
  case OtlpProtocol::HttpJson:
    t.content_type = "application/json";
    break;
  case OtlpProtocol::Grpc:
    t.content_type = "application/grpc";
    t.grpc = true;
    // gRPC endpoints are often written host:port; OTEL_EXPORTER_OTLP_INSECURE picks the scheme.
    if (t.url.find("://") == std::string::npos)
      t.url = (options.insecure ? "http://" : "https://") + t.url;
    // The unary method's path; the endpoint is scheme://host:port (a path on it is kept as a
    // prefix, for collectors behind a path-routing proxy).
    while (!t.url.empty() && t.url.back() == '/')
      t.url.pop_back();
    t.url += "/opentelemetry.proto.collector.trace.v1.TraceService/Export";
    break;
  }
  std::string error;
  auto transport = HttpTransport::create(std::move(t), error);
  if (!transport) {
    AUTOSPAN_LOG(Error, "otlp exporter disabled: %s", error.c_str());
    return nullptr;
  }
  return std::make_unique<OtlpExporter>(options.protocol, options.timeout, std::move(transport));
}

} // namespace autospan::internal
