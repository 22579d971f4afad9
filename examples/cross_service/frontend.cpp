// The calling service: checks out an order by asking the pricing service (cross_service_backend,
// or any HTTP service that speaks W3C trace context) for a quote.
//
//   cross_service_frontend [--order ID] http://127.0.0.1:PORT/quote
//
// The functions in namespace frontend_app get spans from the autospan plugin. The one thing the
// plugin cannot know is that a call leaves the process: fetch_quote() opens a CLIENT span by hand
// and injects its context (traceparent, and the order id as baggage) into the request headers,
// so the server's spans join this trace.
#include "mini_http.h"

#include <autospan/autospan.h>

#include <cstdio>
#include <cstring>
#include <stdexcept>
#include <string>

namespace frontend_app {

std::string fetch_quote(const mini_http::Url& url) {
  autospan::Span client("GET", autospan::span_kind::client);
  std::string full = "http://" + url.host + ":" + std::to_string(url.port) + url.path;
  client.set_attribute("http.request.method", "GET");
  client.set_attribute("url.full", full);
  client.set_attribute("server.address", url.host);
  client.set_attribute("server.port", url.port);

  mini_http::Headers headers;
  autospan::inject(headers); // the client span is current: it becomes the server's parent
  mini_http::Response response = mini_http::get(url, headers);
  client.set_attribute("http.response.status_code", response.status);
  if (response.status >= 400) {
    client.set_attribute("error.type", std::to_string(response.status));
    client.set_status(autospan::status_code::error, "HTTP " + std::to_string(response.status));
    throw std::runtime_error("pricing service answered HTTP " + std::to_string(response.status));
  }
  return response.body;
}

std::string checkout(const std::string& order_id, const mini_http::Url& pricing) {
  // Baggage travels with every request made below, so the pricing service knows the order
  // without an extra parameter (and AUTOSPAN_BAGGAGE_ATTRIBUTES can put it on every span).
  autospan::baggage::set("order_id", order_id);
  std::string quote = fetch_quote(pricing);
  std::printf("order %s: trace_id=%s\n", order_id.c_str(), autospan::trace_id_hex().c_str());
  return quote;
}

} // namespace frontend_app

int main(int argc, char** argv) {
  std::string order = "A-1001";
  const char* target = nullptr;
  for (int i = 1; i < argc; ++i) {
    if (std::strcmp(argv[i], "--order") == 0 && i + 1 < argc)
      order = argv[++i];
    else
      target = argv[i];
  }
  mini_http::Url url;
  if (target == nullptr || !mini_http::parse_url(target, url)) {
    std::fprintf(stderr, "usage: %s [--order ID] http://127.0.0.1:PORT/quote\n", argv[0]);
    return 2;
  }
  try {
    std::string quote = frontend_app::checkout(order, url);
    std::printf("quote: %s\n", quote.c_str());
  } catch (const std::exception& e) {
    std::fprintf(stderr, "checkout failed: %s\n", e.what());
    return 1;
  }
  return 0;
}
