// The conformance probe: one program, built with the autospan plugin (namespace probe_app), whose
// sub-commands each produce a known set of spans, so the interop tests can change one environment
// variable at a time and see its effect at the receiver.
//
//   probe tree                 run -> stage x2 -> leaf; a named worker thread; an exception
//   probe late-name            a thread that names itself inside its instrumented entry function
//   probe roots N [SLEEP_MS]   N root calls (N traces), then sleep before exit
//   probe burst N              N root calls as fast as possible (queue overflow)
//   probe durations            calls of 0, 40, 0, 0 ms (the min-duration worked example)
//   probe manual N LEN [E L]   a manual span with N string attributes of LEN chars, E events,
//                              L links, plus one attribute of every other OTLP value type
//   probe inject               under span "client" with baggage run_id/thread_id: prints the
//                              inject() carrier and child_environment(), one KEY=VALUE a line
//   probe extract TP TS BG     continues a remote parent given as header values ("-" = absent)
//   probe env                  prints the trace id of a root span (TRACEPARENT continuation)
//
// `// @span NAME` markers give each function's expected name and code.line.number.
#include <autospan/autospan.h>

#include <pthread.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <map>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

namespace probe_support { // not selected: never a span

void pause_ms(int ms) {
  if (ms > 0)
    std::this_thread::sleep_for(std::chrono::milliseconds(ms));
}

} // namespace probe_support

namespace probe_app {
int worker_task(int x);
}

namespace probe_support {

// The thread names itself before its first instrumented call.
void named_worker(int* result) {
  pthread_setname_np(pthread_self(), "probe-worker");
  *result = probe_app::worker_task(10);
}

} // namespace probe_support

namespace probe_app {

using probe_support::pause_ms;

int leaf(int x) { // @span probe_app::leaf
  pause_ms(1);
  return x * 2;
}

int stage(int x) { // @span probe_app::stage
  return leaf(x) + 1;
}

void fail_on_purpose(const char* why) { // @span probe_app::fail_on_purpose
  throw std::runtime_error(std::string("probe failure: ") + why);
}

int worker_task(int x) { // @span probe_app::worker_task
  return stage(x);
}

int run() { // @span probe_app::run
  int sum = stage(1) + stage(2);
  auto twice = [](int v) { return v * 2; };
  sum = twice(sum);
  try {
    fail_on_purpose("expected");
  } catch (const std::runtime_error& e) {
    std::printf("caught: %s\n", e.what());
  }
  int from_worker = 0;
  std::thread worker(probe_support::named_worker, &from_worker);
  worker.join();
  return sum + from_worker;
}

// The common pattern where the thread function itself is instrumented and names the thread as
// its first statement: its own span starts before the name exists.
void late_named_thread() { // @span probe_app::late_named_thread
  pthread_setname_np(pthread_self(), "late-named");
  stage(3);
}

int root_call(int i) { // @span probe_app::root_call
  return i + 1;
}

int timed_call(int ms) { // @span probe_app::timed_call
  pause_ms(ms);
  return ms;
}

std::string handle_remote() { // @span probe_app::handle_remote
  return autospan::trace_id_hex();
}

} // namespace probe_app

namespace {

int as_int(const char* text) {
  return static_cast<int>(std::strtol(text, nullptr, 10));
}

void print_context(const char* label) {
  std::printf("%s trace_id=%s span_id=%s\n", label, autospan::trace_id_hex().c_str(),
              autospan::span_id_hex().c_str());
}

int cmd_manual(int attributes, int length, int events, int links) {
  autospan::Span span("probe.manual", autospan::span_kind::client);
  for (int i = 0; i < attributes; ++i)
    span.set_attribute("str." + std::to_string(i), std::string(static_cast<std::size_t>(length),
                                                               static_cast<char>('a' + i % 26)));
  span.set_attribute("type.bool", true);
  span.set_attribute("type.int", std::int64_t{-42});
  span.set_attribute("type.double", 2.5);
  span.set_attribute("type.bool_array", {true, false});
  span.set_attribute("type.int_array", {1, 2, 3});
  span.set_attribute("type.double_array", {0.5, 1.5});
  span.set_attribute("type.string_array",
                     {"short", "a-long-string-value-that-a-length-limit-would-truncate"});
  for (int i = 0; i < events; ++i)
    span.add_event("event." + std::to_string(i),
                   {{"event.index", i}, {"event.text", "an event attribute value of some length"}});
  for (int i = 0; i < links; ++i) {
    autospan::Span other("probe.linked." + std::to_string(i), autospan::Context());
    span.add_link(other.context(), {{"link.index", i}});
  }
  span.set_status(autospan::status_code::ok);
  print_context("manual");
  return 0;
}

int cmd_inject() {
  autospan::Span client("client", autospan::span_kind::client);
  autospan::baggage::set("run_id", "run 42");
  autospan::baggage::set("thread_id", "t-7");
  std::map<std::string, std::string> headers;
  autospan::inject(headers);
  for (const auto& [k, v] : headers)
    std::printf("header %s=%s\n", k.c_str(), v.c_str());
  for (const auto& entry : autospan::child_environment())
    std::printf("env %s\n", entry.c_str());
  print_context("client");
  return 0;
}

int cmd_extract(const char* traceparent, const char* tracestate, const char* baggage) {
  std::map<std::string, std::string> headers;
  auto put = [&headers](const char* key, const char* value) {
    if (std::strcmp(value, "-") != 0)
      headers[key] = value;
  };
  put("traceparent", traceparent);
  put("tracestate", tracestate);
  put("baggage", baggage);
  autospan::Context remote = autospan::extract(headers);
  std::printf("extracted valid=%d sampled=%d remote=%d trace_id=%s span_id=%s run_id=%s\n",
              remote.is_valid(), remote.is_sampled(), remote.is_remote(),
              remote.trace_id_hex().c_str(), remote.span_id_hex().c_str(),
              remote.baggage("run_id").c_str());
  autospan::ContextScope scope(remote);
  autospan::Span server("server", autospan::span_kind::server);
  std::printf("server trace_id=%s\n", probe_app::handle_remote().c_str());
  return 0;
}

[[noreturn]] void usage() {
  std::fprintf(
      stderr,
      "usage: probe tree | late-name | roots N [SLEEP_MS] | burst N | durations | manual N LEN "
      "[EVENTS LINKS] | inject | extract TP TS BG | env\n");
  std::exit(2);
}

} // namespace

int main(int argc, char** argv) {
  if (argc < 2)
    usage();
  std::string cmd = argv[1];
  if (cmd == "tree") {
    std::printf("result %d\n", probe_app::run());
    return 0;
  }
  if (cmd == "late-name") {
    std::thread t(probe_app::late_named_thread);
    t.join();
    return 0;
  }
  if (cmd == "roots" && argc >= 3) {
    int n = as_int(argv[2]);
    long sum = 0;
    for (int i = 0; i < n; ++i)
      sum += probe_app::root_call(i);
    std::printf("roots %d sum %ld\n", n, sum);
    std::fflush(stdout);
    if (argc >= 4)
      probe_support::pause_ms(as_int(argv[3]));
    return 0;
  }
  if (cmd == "burst" && argc >= 3) {
    int n = as_int(argv[2]);
    long sum = 0;
    for (int i = 0; i < n; ++i)
      sum += probe_app::root_call(i);
    std::printf("burst %d sum %ld\n", n, sum);
    return 0;
  }
  if (cmd == "durations") {
    // The worked example of docs/configuration.md with AUTOSPAN_MIN_DURATION=20ms: short calls
    // do no work at all, so even a loaded machine keeps them far below the minimum.
    for (int ms : {0, 40, 0, 0})
      probe_app::timed_call(ms);
    std::printf("durations done\n");
    return 0;
  }
  if (cmd == "manual" && argc >= 4)
    return cmd_manual(as_int(argv[2]), as_int(argv[3]), argc >= 5 ? as_int(argv[4]) : 0,
                      argc >= 6 ? as_int(argv[5]) : 0);
  if (cmd == "inject")
    return cmd_inject();
  if (cmd == "extract" && argc >= 5)
    return cmd_extract(argv[2], argv[3], argv[4]);
  if (cmd == "env") {
    autospan::Span root("env.root");
    print_context("env");
    std::printf("env baggage run_id=%s\n", autospan::baggage::get("run_id").c_str());
    return 0;
  }
  usage();
}
