// An incremental HTTP/1.1 response reader for the exporter's own client (http_transport.cpp):
// bytes go in as they arrive from the socket, in pieces of any size; out come the status, the
// headers the exporter acts on (Content-Type, Retry-After) and the body, bounded. Handles what a
// collector or a proxy in front of one may send: interim 1xx responses, a Content-Length body,
// a chunked body (with trailers), a body that ends with the connection, and `Connection: close`.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace autospan::internal {

// Header names compare case-insensitively (ASCII).
bool header_name_equals(std::string_view a, std::string_view b) noexcept;
// A header value without the spaces and tabs around it (and a line end, if any).
std::string_view trim_header_value(std::string_view s) noexcept;

class HttpResponseReader {
public:
  enum class State { Head, Body, Done, Error };

  // `max_body`: bytes of the body kept (the rest is read and dropped, so that the connection
  // stays usable).
  explicit HttpResponseReader(std::size_t max_body) : max_body_(max_body) {}

  // Takes the next bytes. Returns how many it used: all of them, unless the response ended
  // (Done) or turned out malformed (Error) before their end.
  std::size_t feed(const char* data, std::size_t size);
  // The peer closed the connection: ends a body delimited by the close; anything else still
  // expected makes the response incomplete (Error).
  void end_of_stream();

  State state() const noexcept { return state_; }
  bool done() const noexcept { return state_ == State::Done; }
  // Whether any byte of a response arrived (a kept-alive connection that the server had closed
  // gives none: the request may be sent again on a new one).
  bool got_bytes() const noexcept { return got_bytes_; }
  const std::string& error() const noexcept { return error_; }

  long status() const noexcept { return status_; }
  const std::string& content_type() const noexcept { return content_type_; }
  const std::string& retry_after() const noexcept { return retry_after_; }
  const std::string& body() const noexcept { return body_; }
  // Whether the connection may carry another request after this response.
  bool keep_alive() const noexcept { return keep_alive_; }

private:
  enum class Body { None, Length, Chunked, UntilClose };
  enum class Chunk { Size, Data, DataEnd, Trailers };

  bool head_line(std::string_view text);  // one line of the head; false: malformed
  bool head_done();                       // after the empty line
  bool chunk_line(std::string_view text); // a chunk's size line, its end, or a trailer
  void keep(const char* data, std::size_t size);
  void fail(const char* why);

  std::size_t max_body_;
  State state_ = State::Head;
  bool got_bytes_ = false;
  std::string error_;
  std::string pending_; // a line not complete yet
  std::size_t head_bytes_ = 0;
  bool status_line_ = true;
  long status_ = 0;
  bool http10_ = false;
  bool keep_alive_ = true;
  std::string content_type_;
  std::string retry_after_;
  std::string body_;
  Body body_kind_ = Body::None;
  bool has_length_ = false;
  unsigned long long length_ = 0;
  bool chunked_ = false;
  unsigned long long remaining_ = 0; // of the body (Length) or of the chunk (Chunked)
  Chunk chunk_ = Chunk::Size;
};

} // namespace autospan::internal
