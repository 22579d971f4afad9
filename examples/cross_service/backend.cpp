// The pricing service: answers GET /quote on 127.0.0.1, continuing the caller's trace.
//
//   cross_service_backend [--port N] [--requests K]
//
// Prints "listening http://127.0.0.1:PORT" once ready, then serves K requests (default: until
// killed). Each request is a SERVER span whose parent is the caller's span, taken from the
// request's traceparent header with autospan::extract(); the pricing functions below it get their
// spans from the plugin (namespace backend_app).
#include "mini_http.h"

#include <autospan/autospan.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <stdexcept>
#include <string>

namespace backend_app {

double lookup_rate(const std::string& order_id) {
  // A stand-in for a database: the rate depends on the order id only.
  unsigned sum = 0;
  for (char c : order_id)
    sum = sum * 31u + static_cast<unsigned char>(c);
  return 1.0 + (sum % 50) / 100.0;
}

double price_quote(const std::string& order_id) {
  if (order_id.empty())
    throw std::invalid_argument("no order_id in the request's baggage");
  return 100.0 * lookup_rate(order_id);
}

mini_http::Response handle(const mini_http::Request& request) {
  mini_http::Response response;
  response.headers["content-type"] = "application/json";
  std::string order_id = autospan::baggage::get("order_id");
  try {
    double total = price_quote(order_id);
    char body[512];
    std::snprintf(body, sizeof body,
                  "{\"service\":\"cpp-backend\",\"trace_id\":\"%s\",\"span_id\":\"%s\","
                  "\"order_id\":\"%s\",\"total\":%.2f}\n",
                  autospan::trace_id_hex().c_str(), autospan::span_id_hex().c_str(),
                  order_id.c_str(), total);
    response.status = request.target == "/quote" ? 200 : 404;
    response.body = body;
  } catch (const std::invalid_argument& e) {
    response.status = 400;
    response.body = std::string("{\"error\":\"") + e.what() + "\"}\n";
  }
  return response;
}

} // namespace backend_app

namespace {

mini_http::Response serve(const mini_http::Request& request) {
  // Continue the caller's trace (and take over its baggage) for the rest of this request.
  autospan::ContextScope remote(autospan::extract(request.headers));
  std::string path = request.target.substr(0, request.target.find('?'));
  autospan::Span span(request.method + " " + path, autospan::span_kind::server);
  span.set_attribute("http.request.method", request.method);
  span.set_attribute("url.path", path);
  span.set_attribute("http.route", path);
  mini_http::Response response = backend_app::handle(request);
  span.set_attribute("http.response.status_code", response.status);
  if (response.status >= 500)
    span.set_status(autospan::status_code::error);
  return response;
}

} // namespace

int main(int argc, char** argv) {
  int port = 0;
  long requests = -1;
  for (int i = 1; i + 1 < argc; i += 2) {
    if (std::strcmp(argv[i], "--port") == 0)
      port = std::atoi(argv[i + 1]);
    else if (std::strcmp(argv[i], "--requests") == 0)
      requests = std::atol(argv[i + 1]);
  }
  try {
    mini_http::Server server(port);
    std::printf("listening http://127.0.0.1:%d\n", server.port());
    std::fflush(stdout);
    for (long served = 0; requests < 0 || served < requests; ++served)
      server.serve_one(serve);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "backend: %s\n", e.what());
    return 1;
  }
  return 0;
}
