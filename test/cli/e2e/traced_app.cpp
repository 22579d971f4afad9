// A small program traced through autospan's real runtime (manual API and AUTOSPAN_SCOPE), run
// with OTEL_TRACES_EXPORTER=file so that the `autospan` tool is tested on what the runtime's
// file exporter really writes. Known shape, per order (3 orders, the second one fails):
//   shop::handle_order            (Span, server kind, attribute order.id)
//     shop::parse                 (AUTOSPAN_SCOPE)
//     shop::lookup                (Span; order 2: exception std::out_of_range -> ERROR)
//       shop::db_query            (Span, attribute db.rows)
//     shop::render                (on a worker thread, parent passed with ContextScope)
//     shop::process_item x 30     (AUTOSPAN_SCOPE in a loop: the tree collapses them)
#include <autospan/autospan.h>

#include <chrono>
#include <stdexcept>
#include <thread>

namespace {

void busy(std::chrono::microseconds d) {
  auto until = std::chrono::steady_clock::now() + d;
  while (std::chrono::steady_clock::now() < until) {
  }
}

void db_query(int order) {
  autospan::Span span("shop::db_query", autospan::span_kind::client);
  span.set_attribute("db.rows", static_cast<std::int64_t>(order * 3));
  busy(std::chrono::microseconds(300));
}

void lookup(int order) {
  autospan::Span span("shop::lookup");
  db_query(order);
  try {
    if (order == 2)
      throw std::out_of_range("no such order");
  } catch (const std::exception& e) {
    span.record_exception(e);
  }
}

void handle(int order) {
  autospan::Span span("shop::handle_order", autospan::span_kind::server);
  span.set_attribute("order.id", static_cast<std::int64_t>(order));
  {
    AUTOSPAN_SCOPE("shop::parse");
    busy(std::chrono::microseconds(100));
  }
  lookup(order);
  autospan::Context parent = autospan::current_context();
  std::thread worker([parent] {
    autospan::ContextScope scope(parent);
    AUTOSPAN_SCOPE("shop::render");
    busy(std::chrono::microseconds(200));
  });
  worker.join();
  for (int i = 0; i < 30; ++i) {
    AUTOSPAN_SCOPE("shop::process_item");
    busy(std::chrono::microseconds(20));
  }
}

} // namespace

int main() {
  for (int order = 1; order <= 3; ++order)
    handle(order);
  autospan::shutdown();
  return 0;
}
