// POSTs export requests with OTLP's retry rules: through one libcurl easy handle, or, for plain
// http:// endpoints without a proxy, through an own HTTP/1.1 client on a connection that a
// libcurl CONNECT_ONLY handle opens (HttpTransportOptions::builtin_http). libcurl is loaded on
// the first send (curl_api.h), not when the transport is made.
//
// Every send() is bounded by its deadline (retries, backoff sleeps, connect and transfer
// included). The handle is reused, so connections are kept alive between batches. Header values
// are secrets: they go to libcurl and nowhere else, and any log line that could echo them
// (response excerpts, error texts) is scrubbed first.
#pragma once

#include "../exporter.h"

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <random>
#include <string>
#include <utility>
#include <vector>

namespace autospan::internal {

struct RetryPolicy {
  std::chrono::milliseconds initial_backoff{1000};
  std::chrono::milliseconds max_backoff{5000};
  double multiplier = 1.5;
  double jitter = 0.2;  // each delay is scaled by a uniform factor in [1 - jitter, 1 + jitter]
  int max_attempts = 0; // 0: as many as the deadline allows
};

struct HttpTransportOptions {
  std::string url;
  std::string content_type; // application/x-protobuf, application/json, application/grpc
  std::vector<std::pair<std::string, std::string>> headers;
  bool gzip = false;
  std::string ca_file;
  std::string client_cert_file;
  std::string client_key_file;
  // OTLP/gRPC: HTTP/2 (prior knowledge on http://, ALPN on https://), `te: trailers`, success and
  // retry decided by the grpc-status trailer.
  bool grpc = false;
  // Plain http:// endpoints without a proxy: requests go through autospan's own HTTP/1.1 client
  // (libcurl still resolves and connects). Off, or for any other endpoint, libcurl does it all.
  bool builtin_http = true;
  RetryPolicy retry;
};

struct SendResult {
  ExportResult result = ExportResult::Failure;
  int attempts = 0;
  long http_status = 0;
  int grpc_status = -1; // -1: none received
  std::string content_type;
  std::string body;            // of the last response (bounded)
  bool builtin_client = false; // the request went through the own HTTP/1.1 client
};

// Whether this libcurl can speak HTTP/2 (needed for OTLP/gRPC). Loads libcurl.
bool curl_supports_http2() noexcept;

// A piece of a request body: a body may be sent as several pieces without joining them first.
struct BodySegment {
  const std::uint8_t* data;
  std::size_t size;
};

class HttpTransport {
public:
  // Returns nullptr and sets `error` when the options cannot work (bad URL scheme). Whether
  // libcurl loads, and for gRPC speaks HTTP/2, is found out by the first send(), which fails
  // (ExportResult::Failure, logged once) when it does not.
  static std::unique_ptr<HttpTransport> create(HttpTransportOptions options, std::string& error);
  ~HttpTransport();
  HttpTransport(const HttpTransport&) = delete;
  HttpTransport& operator=(const HttpTransport&) = delete;

  // POSTs the body, retrying transient failures until `deadline`. Never throws.
  SendResult send(const std::uint8_t* data, std::size_t size,
                  std::chrono::steady_clock::time_point deadline) noexcept;
  // The same with the body given as consecutive segments (valid until send returns).
  SendResult send(const BodySegment* segments, std::size_t count,
                  std::chrono::steady_clock::time_point deadline) noexcept;

  // Drops the connection (and the handle). The next send() starts afresh.
  void close() noexcept;

  // The process is exiting: every send(), including one running on another thread, returns by
  // `deadline` (a backoff sleep ends early; a request in flight is aborted within about a second,
  // libcurl's progress-callback granularity), and a connection failure is no longer retried.
  // Thread-safe.
  void begin_shutdown(std::chrono::steady_clock::time_point deadline) noexcept;

  // The URL without user info and query, safe to log.
  const std::string& display_url() const noexcept { return display_url_; }

  // Replaces every occurrence of a configured header value in `text` (values of 3+ bytes; shorter
  // ones would garble ordinary text and carry no secret worth the name).
  void redact(std::string& text) const;
  std::string redacted(std::string text) const;

  struct Impl;

private:
  explicit HttpTransport(HttpTransportOptions options);
  bool ensure_handle() noexcept;

  bool shutting_down() const noexcept;
  std::chrono::steady_clock::time_point shutdown_deadline() const noexcept;

  HttpTransportOptions options_;
  std::string display_url_;
  std::unique_ptr<Impl> impl_;
  std::minstd_rand rng_;
  // steady_clock ticks; max() until begin_shutdown.
  std::atomic<std::chrono::steady_clock::rep> shutdown_deadline_{
      std::chrono::steady_clock::duration::max().count()};
  std::mutex sleep_mutex_;
  std::condition_variable sleep_cv_;
};

} // namespace autospan::internal
