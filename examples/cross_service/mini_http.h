// Just enough HTTP/1.1 over plain sockets for the example: one GET per connection, headers in,
// headers and a body out, "Connection: close". Not instrumented (namespace mini_http is not
// selected): the example's spans come from the code that uses it. Loopback-only by design.
#pragma once

#include <functional>
#include <map>
#include <string>

namespace mini_http {

// Header names are lower-cased on the way in, as HTTP/1.1 header names are case-insensitive;
// this is also the form W3C trace context uses (`traceparent`, `baggage`).
using Headers = std::map<std::string, std::string>;

struct Request {
  std::string method;
  std::string target; // path and query, as sent
  Headers headers;
};

struct Response {
  int status = 0;
  Headers headers;
  std::string body;
};

struct Url {
  std::string host;
  int port = 80;
  std::string path = "/";
};

// Parses "http://HOST:PORT/path" (IPv4 literal or "localhost"). False on anything else.
bool parse_url(const std::string& text, Url& url);

// Sends one GET; throws std::runtime_error on a connection or protocol error. `timeout_ms` bounds
// each connect/read/write.
Response get(const Url& url, const Headers& headers, int timeout_ms = 5000);

class Server {
public:
  // Binds 127.0.0.1:port (0 = any free port) and listens. Throws std::runtime_error.
  explicit Server(int port);
  ~Server();
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  int port() const { return port_; }
  // Accepts one connection, reads its request, answers with handler's response.
  void serve_one(const std::function<Response(const Request&)>& handler);

private:
  int fd_ = -1;
  int port_ = 0;
};

} // namespace mini_http
