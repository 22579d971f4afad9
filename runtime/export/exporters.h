// Factories for the exporters in runtime/export/. The runtime core maps its configuration
// (environment, see runtime/core options table) onto these plain option structs; exporters never
// read the environment themselves, which keeps them unit-testable.
#pragma once

#include "../exporter.h"

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <memory>
#include <string>
#include <utility>
#include <vector>

namespace autospan::internal {

enum class OtlpProtocol { HttpProtobuf, HttpJson, Grpc };
enum class OtlpCompression { None, Gzip };

struct OtlpOptions {
  // Full URL of the traces endpoint. For HTTP: the core appends "/v1/traces" to
  // OTEL_EXPORTER_OTLP_ENDPOINT and uses OTEL_EXPORTER_OTLP_TRACES_ENDPOINT as is (spec rule).
  std::string endpoint = "http://localhost:4318/v1/traces";
  OtlpProtocol protocol = OtlpProtocol::HttpProtobuf;
  std::vector<std::pair<std::string, std::string>> headers; // values are secrets: never log them
  std::chrono::milliseconds timeout{10000};                 // per export call, retries included
  OtlpCompression compression = OtlpCompression::None;
  std::string certificate_file;        // CA bundle (PEM) to verify the server; "" = system store
  std::string client_key_file;         // mTLS
  std::string client_certificate_file; // mTLS
  bool insecure = false;               // gRPC only: plaintext h2c when the endpoint is http://
  bool builtin_http = true;            // AUTOSPAN_OTLP_HTTP_CLIENT=auto (HttpTransportOptions)
};

struct FileOptions {
  std::string path; // OTLP JSON lines; one ExportTraceServiceRequest per line
};

struct ConsoleOptions {
  std::FILE* stream = stderr; // where trees are printed
  bool color = false;         // the core decides (isatty and NO_COLOR)
};

// Each factory returns nullptr, after logging an error, when its options cannot work (endpoint
// not http(s)://, file not openable). libcurl is loaded by the otlp exporter's first export; if
// it cannot be (or, for grpc, lacks HTTP/2) that is logged once and every batch fails (counted).
// For OtlpProtocol::Grpc the endpoint is the collector's base URL (http://localhost:4317; host:port
// alone is taken as https://, or http:// when `insecure`), and the exporter appends the method path
// /opentelemetry.proto.collector.trace.v1.TraceService/Export.
std::unique_ptr<SpanExporter> make_otlp_exporter(const OtlpOptions& options);
std::unique_ptr<SpanExporter> make_file_exporter(const FileOptions& options);
std::unique_ptr<SpanExporter> make_console_exporter(const ConsoleOptions& options);

} // namespace autospan::internal
