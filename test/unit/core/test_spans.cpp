// Automatic spans through the real hot path: the span stack and parentage, the min-duration
// filter (never orphaning a kept child), unbalanced exits, exceptions, the pipeline id.
#include "capture.h"
#include "core/clock.h"
#include "core/runtime.h"
#include "core/thread_state.h"

#include <autospan/autospan.h>
#include <catch2/catch.hpp>

#include <algorithm>
#include <chrono>
#include <stdexcept>
#include <thread>
#include <unistd.h>

using namespace autospan_test;

namespace app {

void busy_for(std::chrono::microseconds d) {
  auto until = std::chrono::steady_clock::now() + d;
  while (std::chrono::steady_clock::now() < until) {
  }
}

int leaf(int x) {
  AUTOSPAN_FUNCTION("app::leaf");
  return x + 1;
}
void slow_leaf() {
  AUTOSPAN_FUNCTION("app::slow_leaf");
  busy_for(std::chrono::microseconds(3000));
}
int recurse(int n) {
  AUTOSPAN_FUNCTION("app::recurse");
  return n == 0 ? 0 : 1 + recurse(n - 1);
}
int mid(int n) {
  AUTOSPAN_FUNCTION("app::mid");
  int s = 0;
  for (int i = 0; i < n; ++i)
    s += leaf(i);
  return s;
}
void root() {
  AUTOSPAN_FUNCTION("app::root");
  mid(3);
}
void parent_of_slow() {
  AUTOSPAN_FUNCTION("app::parent_of_slow");
  leaf(1);
  slow_leaf();
  leaf(2);
}
void short_parent_of_scope() {
  AUTOSPAN_FUNCTION("app::short_parent_of_scope");
  AUTOSPAN_SCOPE("manual scope");
}
[[noreturn]] void thrower() {
  AUTOSPAN_FUNCTION("app::thrower");
  throw std::runtime_error("boom");
}
void passes_through() {
  AUTOSPAN_FUNCTION("app::passes_through");
  thrower();
}
void catches() {
  AUTOSPAN_FUNCTION("app::catches");
  try {
    passes_through();
  } catch (const std::exception&) {
  }
  leaf(7); // after the catch: a normal return
}
struct CleanupCallsTraced {
  ~CleanupCallsTraced() { leaf(99); }
};
void unwinds_with_cleanup() {
  AUTOSPAN_FUNCTION("app::unwinds_with_cleanup");
  CleanupCallsTraced c;
  throw std::logic_error("logic");
}
struct NotAnException {
  int code;
};
void throws_int_struct() {
  AUTOSPAN_FUNCTION("app::throws_int_struct");
  throw NotAnException{3};
}
void rethrows() {
  AUTOSPAN_FUNCTION("app::rethrows");
  try {
    thrower();
  } catch (...) {
    throw;
  }
}
void libstdcxx_throws() {
  AUTOSPAN_FUNCTION("app::libstdcxx_throws");
  std::string s("abc");
  (void)s.at(10); // std::out_of_range, thrown inside libstdc++
}

// Runs `handler` the way a signal handler landing in the fast enter's window runs: the depth is
// already published for the next frame, whose slot still holds its previous occupant (here a
// kept leaf) and is marked unborn (runtime/core/hot_path.cpp, enter_push).
void caller_with_enter_in_progress(void (*handler)()) {
  AUTOSPAN_FUNCTION("app::caller");
  leaf(1);
  namespace ai = autospan::internal;
  const std::uint32_t d = ai::t_tls.depth;
  ai::t_tls.stack[d].flags = ai::kFrameUnborn;
  ai::t_tls.depth = d + 1;
  handler();
  ai::t_tls.depth = d;
}

} // namespace app

TEST_CASE("code a signal handler runs while a call is being entered nests under the caller",
          "[spans][signals]") {
  configure();
  app::caller_with_enter_in_progress([] { app::mid(2); });
  auto spans = take_spans();
  REQUIRE(spans.size() == 5); // caller, leaf(1), mid, 2 x leaf
  const SpanData* caller = find_span(spans, "app::caller");
  const SpanData* mid = find_span(spans, "app::mid");
  REQUIRE(caller);
  REQUIRE(mid);
  // Not under the slot's previous occupant, nor under ids given to a frame about to be refilled.
  CHECK(mid->parent_span_id == caller->span_id);
  CHECK(mid->trace_id == caller->trace_id);
  int leaves_under_mid = 0;
  for (const auto& s : spans)
    leaves_under_mid += s.name == "app::leaf" && s.parent_span_id == mid->span_id;
  CHECK(leaves_under_mid == 2);
}

TEST_CASE("nested calls form one trace with the right parents", "[spans]") {
  configure();
  app::root();
  auto spans = take_spans();
  REQUIRE(spans.size() == 5);
  const SpanData* root = find_span(spans, "app::root");
  const SpanData* mid = find_span(spans, "app::mid");
  REQUIRE(root);
  REQUIRE(mid);
  CHECK(is_root(*root));
  CHECK(mid->parent_span_id == root->span_id);
  CHECK(count_spans(spans, "app::leaf") == 3);
  for (const auto& s : spans) {
    CHECK(s.trace_id == root->trace_id);
    CHECK(s.start_unix_nano <= s.end_unix_nano);
    CHECK(s.kind == autospan::internal::SpanKind::Internal);
    if (s.name == "app::leaf") {
      CHECK(s.parent_span_id == mid->span_id);
      CHECK(s.start_unix_nano >= mid->start_unix_nano);
      CHECK(s.end_unix_nano <= mid->end_unix_nano);
    }
  }
  // Span ids are unique.
  for (std::size_t i = 0; i < spans.size(); ++i)
    for (std::size_t j = i + 1; j < spans.size(); ++j)
      CHECK(spans[i].span_id != spans[j].span_id);
  CHECK(str_attr(*root, "code.function.name") == "app::root");
  CHECK(str_attr(*root, "code.file.path").find("test_spans.cpp") != std::string::npos);
  REQUIRE(find_attr(*root, "code.line.number"));
  CHECK(std::get<std::int64_t>(*find_attr(*root, "code.line.number")) > 0);
  REQUIRE(find_attr(*root, "thread.id"));
}

TEST_CASE("ids the kept exit leaves raw are mixed by the export thread with that thread's key",
          "[spans][ids]") {
  namespace ai = autospan::internal;
  configure();
  app::root();
  // The thread's id counter after the run. Ids were drawn in this order: the root's trace id (two
  // values) and span id, mid's, the first leaf's (all given when the first leaf was kept, by the
  // general path), then the second and third leaf's, left raw by the fast path.
  ai::ThreadState* t = ai::t_tls.state;
  REQUIRE(t);
  const std::uint64_t c = t->rng.counter;
  const std::uint64_t key = t->rng.key;
  auto spans = take_spans();
  REQUIRE(spans.size() == 5);
  std::vector<const SpanData*> leaves;
  for (const auto& s : spans)
    if (s.name == "app::leaf")
      leaves.push_back(&s);
  REQUIRE(leaves.size() == 3);
  std::sort(leaves.begin(), leaves.end(), [](const SpanData* a, const SpanData* b) {
    return a->start_unix_nano < b->start_unix_nano;
  });
  const SpanData* mid = find_span(spans, "app::mid");
  REQUIRE(mid);
  CHECK(ai::word_from_span_id(mid->span_id) == ai::IdRng::mix(c - 4, key));
  CHECK(ai::word_from_span_id(leaves[0]->span_id) == ai::IdRng::mix(c - 3, key));
  CHECK(ai::word_from_span_id(leaves[1]->span_id) == ai::IdRng::mix(c - 2, key));
  CHECK(ai::word_from_span_id(leaves[2]->span_id) == ai::IdRng::mix(c - 1, key));
  for (const SpanData* leaf : leaves)
    CHECK(leaf->parent_span_id == mid->span_id);
}

TEST_CASE("the id counter starts more than 2^63 ids before the value whose id is zero", "[ids]") {
  namespace ai = autospan::internal;
  // The math the guarantee rests on: that counter value does give zero.
  for (std::uint64_t key : {0ull, 1ull, 0x0123456789abcdefull, ~0ull})
    CHECK(ai::IdRng::mix(ai::IdRng::zero_preimage(key), key) == 0);
  ai::IdRng rng{};
  std::uint64_t starts_or = 0, starts_and = ~0ull;
  for (int i = 0; i < 2000; ++i) {
    rng.seed();
    const std::uint64_t ahead = ai::IdRng::zero_preimage(rng.key) - rng.counter;
    REQUIRE(ahead >= (3ull << 62) - 1);
    // The next id is what mixing the raw value later gives.
    ai::IdRng copy = rng;
    CHECK(ai::IdRng::mix(copy.raw_span_id(), copy.key) == rng.next());
    starts_or |= rng.counter - ai::IdRng::zero_preimage(rng.key);
    starts_and &= rng.counter - ai::IdRng::zero_preimage(rng.key);
  }
  // The start's offset is random (its low 62 bits vary), not a fixed distance.
  CHECK((starts_or ^ starts_and) >> 40 != 0);
}

namespace autospan_test {
bool clock_forced_monotonic(); // clock_override.cpp
}

TEST_CASE("the hot path reads the clock this run asked for", "[clock]") {
  configure();
  app::leaf(1); // initialises the runtime, and with it the clock
  if (clock_forced_monotonic())
    CHECK_FALSE(autospan::internal::g_clock_uses_tsc);
  CHECK(take_spans().size() == 1);
}

TEST_CASE("timestamps are close to the wall clock", "[spans]") {
  configure();
  auto before = std::chrono::system_clock::now();
  app::root(); // a root (the general enter) and children (the fast enter and exit)
  auto after = std::chrono::system_clock::now();
  auto spans = take_spans();
  REQUIRE(spans.size() == 5);
  auto ns = [](std::chrono::system_clock::time_point t) {
    return static_cast<std::uint64_t>(
        std::chrono::duration_cast<std::chrono::nanoseconds>(t.time_since_epoch()).count());
  };
  for (const auto& s : spans) {
    INFO(s.name);
    // Generous bounds: TSC calibration error over a short run.
    CHECK(s.start_unix_nano + 2000000 >= ns(before));
    CHECK(s.start_unix_nano <= s.end_unix_nano);
    CHECK(s.end_unix_nano <= ns(after) + 2000000);
  }
}

TEST_CASE("min duration drops short calls but never orphans a kept child", "[spans][min]") {
  configure({{"AUTOSPAN_MIN_DURATION", "1ms"}});
  app::parent_of_slow();
  app::leaf(0); // a short root: dropped entirely
  auto spans = take_spans();
  const SpanData* parent = find_span(spans, "app::parent_of_slow");
  const SpanData* slow = find_span(spans, "app::slow_leaf");
  REQUIRE(parent);
  REQUIRE(slow);
  CHECK(slow->parent_span_id == parent->span_id);
  CHECK(slow->trace_id == parent->trace_id);
  CHECK(count_spans(spans, "app::leaf") == 0);
  CHECK(spans.size() == 2);
}

TEST_CASE("a manual scope is kept under a short auto parent, and so is the parent",
          "[spans][min]") {
  configure({{"AUTOSPAN_MIN_DURATION", "1s"}});
  app::short_parent_of_scope();
  auto spans = take_spans();
  REQUIRE(spans.size() == 2);
  const SpanData* parent = find_span(spans, "app::short_parent_of_scope");
  const SpanData* scope = find_span(spans, "manual scope");
  REQUIRE(parent);
  REQUIRE(scope);
  CHECK(scope->parent_span_id == parent->span_id);
}

TEST_CASE("latch mode traces a function from the call after its first slow call", "[spans][min]") {
  configure({{"AUTOSPAN_MIN_DURATION", "1ms"}, {"AUTOSPAN_MIN_DURATION_MODE", "latch"}});
  app::slow_leaf(); // first slow call: flips the latch, not exported
  app::slow_leaf(); // traced
  app::leaf(1);     // never slow: never traced
  auto spans = take_spans();
  CHECK(count_spans(spans, "app::slow_leaf") == 1);
  CHECK(count_spans(spans, "app::leaf") == 0);
}

TEST_CASE("exits skipped by longjmp or exit() resynchronise on the token", "[spans][unbalanced]") {
  configure();
  static autospan_site outer = {"outer", "outer", "x.c", 1, AUTOSPAN_SITE_AUTO, 0, 0};
  static autospan_site skipped1 = {"skipped1", "skipped1", "x.c", 2, AUTOSPAN_SITE_AUTO, 0, 0};
  static autospan_site skipped2 = {"skipped2", "skipped2", "x.c", 3, AUTOSPAN_SITE_AUTO, 0, 0};
  static autospan_site after = {"after", "after", "x.c", 4, AUTOSPAN_SITE_AUTO, 0, 0};
  void* t_outer = autospan_enter_v1(&outer);
  void* t1 = autospan_enter_v1(&skipped1);
  void* t2 = autospan_enter_v1(&skipped2);
  (void)t1;
  (void)t2;
  // As after a longjmp back into `outer`: the two exits above never come.
  autospan_exit_v1(&t_outer);
  void* t_after = autospan_enter_v1(&after);
  autospan_exit_v1(&t_after);
  auto spans = take_spans();
  REQUIRE(spans.size() == 4);
  const SpanData* o = find_span(spans, "outer");
  const SpanData* s1 = find_span(spans, "skipped1");
  const SpanData* s2 = find_span(spans, "skipped2");
  const SpanData* a = find_span(spans, "after");
  REQUIRE((o && s1 && s2 && a));
  CHECK(s1->parent_span_id == o->span_id);
  CHECK(s2->parent_span_id == s1->span_id);
  CHECK(find_attr(*s1, "autospan.unfinished"));
  CHECK(find_attr(*s2, "autospan.unfinished"));
  CHECK_FALSE(find_attr(*o, "autospan.unfinished"));
  // `after` is a new root, not a child of a stale frame.
  CHECK(is_root(*a));
  CHECK(is_root(*o));
  // A late exit of an already-resynchronised frame is ignored.
  autospan_exit_v1(&t2);
  CHECK(take_spans().empty());
}

TEST_CASE("a null token (nothing entered) exits as a no-op", "[spans][unbalanced]") {
  configure();
  void* token = nullptr;
  autospan_exit_v1(&token);
  CHECK(take_spans().empty());
}

TEST_CASE("calls nested deeper than the shadow stack are not recorded, and the stack stays "
          "balanced",
          "[spans][unbalanced]") {
  // Every span is kept (no minimum); the ring holds them all.
  configure({{"OTEL_BSP_MAX_QUEUE_SIZE", "8192"}});
  constexpr int kCapacity = static_cast<int>(autospan::internal::kStackCapacity);
  constexpr int kDepth = kCapacity + 100;
  CHECK(app::recurse(kDepth - 1) == kDepth - 1);
  app::leaf(1); // back at depth 0: a root of its own
  auto spans = take_spans();
  // The outermost frames, up to the capacity, are recorded; the 100 beyond it are not.
  CHECK(count_spans(spans, "app::recurse") == static_cast<std::size_t>(kCapacity));
  const SpanData* leaf = find_span(spans, "app::leaf");
  REQUIRE(leaf);
  CHECK(is_root(*leaf));
  std::size_t roots = 0;
  for (const auto& s : spans)
    if (s.name == "app::recurse") {
      if (is_root(s))
        ++roots;
      else
        CHECK(s.trace_id != leaf->trace_id);
    }
  CHECK(roots == 1);
}

TEST_CASE("an exception leaving a function: status ERROR and an exception event",
          "[spans][exceptions]") {
  configure();
  app::catches();
  auto spans = take_spans();
  const SpanData* thrower = find_span(spans, "app::thrower");
  const SpanData* through = find_span(spans, "app::passes_through");
  const SpanData* catcher = find_span(spans, "app::catches");
  const SpanData* leaf = find_span(spans, "app::leaf");
  REQUIRE((thrower && through && catcher && leaf));
  for (const SpanData* s : {thrower, through}) {
    CHECK(s->status == autospan::internal::StatusCode::Error);
    REQUIRE(s->events.size() == 1);
    const auto& ev = s->events[0];
    CHECK(ev.name == "exception");
    REQUIRE(ev.attributes.size() == 2);
    CHECK(ev.attributes[0].key == "exception.type");
    CHECK(std::get<std::string>(ev.attributes[0].value) == "std::runtime_error");
    CHECK(ev.attributes[1].key == "exception.message");
    CHECK(std::get<std::string>(ev.attributes[1].value) == "boom");
  }
  CHECK(catcher->status == autospan::internal::StatusCode::Unset);
  CHECK(catcher->events.empty());
  CHECK(leaf->status == autospan::internal::StatusCode::Unset);
}

TEST_CASE("the exception continues unchanged", "[spans][exceptions]") {
  configure();
  CHECK_THROWS_WITH(app::thrower(), "boom");
  CHECK_THROWS_AS(app::throws_int_struct(), app::NotAnException);
  auto spans = take_spans();
  const SpanData* s = find_span(spans, "app::throws_int_struct");
  REQUIRE(s);
  CHECK(s->status == autospan::internal::StatusCode::Error);
  REQUIRE(s->events.size() == 1);
  // Not a std::exception: a type, no message.
  CHECK(std::get<std::string>(s->events[0].attributes[0].value) == "app::NotAnException");
  CHECK(s->events[0].attributes.size() == 1);
}

TEST_CASE("functions called by destructors during unwinding return normally",
          "[spans][exceptions]") {
  configure();
  CHECK_THROWS_AS(app::unwinds_with_cleanup(), std::logic_error);
  auto spans = take_spans();
  const SpanData* unwound = find_span(spans, "app::unwinds_with_cleanup");
  const SpanData* cleanup = find_span(spans, "app::leaf");
  REQUIRE((unwound && cleanup));
  CHECK(unwound->status == autospan::internal::StatusCode::Error);
  CHECK(cleanup->status == autospan::internal::StatusCode::Unset);
  CHECK(cleanup->parent_span_id == unwound->span_id);
}

TEST_CASE("a rethrown exception marks the rethrowing function too", "[spans][exceptions]") {
  configure();
  CHECK_THROWS_AS(app::rethrows(), std::runtime_error);
  auto spans = take_spans();
  const SpanData* r = find_span(spans, "app::rethrows");
  REQUIRE(r);
  CHECK(r->status == autospan::internal::StatusCode::Error);
  REQUIRE(r->events.size() == 1);
  CHECK(std::get<std::string>(r->events[0].attributes[0].value) == "std::runtime_error");
}

TEST_CASE("the pipeline id goes on the root span only", "[spans][pipeline]") {
  configure({{"AUTOSPAN_PIPELINE_ID", "run-7"}});
  app::root();
  app::leaf(3); // a second trace: its root gets it too
  auto spans = take_spans();
  REQUIRE(spans.size() == 6);
  int with_id = 0;
  for (const auto& s : spans) {
    if (find_attr(s, "pipeline.id")) {
      ++with_id;
      CHECK(is_root(s));
      CHECK(str_attr(s, "pipeline.id") == "run-7");
    } else {
      CHECK_FALSE(is_root(s));
    }
  }
  CHECK(with_id == 2);
}

TEST_CASE("the pipeline id attribute key is configurable", "[spans][pipeline]") {
  configure({{"AUTOSPAN_PIPELINE_ID", "g-1"},
             {"AUTOSPAN_PIPELINE_ID_ATTRIBUTE", "gentrace.pipeline_id"}});
  app::leaf(1);
  auto spans = take_spans();
  REQUIRE(spans.size() == 1);
  CHECK(str_attr(spans[0], "gentrace.pipeline_id") == "g-1");
  CHECK_FALSE(find_attr(spans[0], "pipeline.id"));
}

TEST_CASE("a process started with TRACEPARENT continues that trace", "[spans][propagation]") {
  configure({{"TRACEPARENT", "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"},
             {"TRACESTATE", "congo=t61rcWkgMzE"},
             {"AUTOSPAN_PIPELINE_ID", "p"}});
  app::root();
  auto spans = take_spans();
  REQUIRE(spans.size() == 5);
  const SpanData* root = find_span(spans, "app::root");
  REQUIRE(root);
  CHECK(autospan::internal::to_hex(root->trace_id) == "0af7651916cd43dd8448eb211c80319c");
  CHECK(autospan::internal::to_hex(root->parent_span_id) == "b7ad6b7169203331");
  CHECK(root->parent_is_remote);
  CHECK(root->trace_state == "congo=t61rcWkgMzE");
  // The local root has a (remote) parent: it is not the trace's root, no pipeline id.
  CHECK_FALSE(find_attr(*root, "pipeline.id"));
  for (const auto& s : spans)
    CHECK(autospan::internal::to_hex(s.trace_id) == "0af7651916cd43dd8448eb211c80319c");
}

TEST_CASE("an unsampled TRACEPARENT with the parent-based sampler records nothing",
          "[spans][sampler]") {
  configure({{"TRACEPARENT", "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-00"}});
  app::root();
  autospan::Span manual("manual in unsampled trace");
  manual.end();
  CHECK(take_spans().empty());
  configure();
  app::root();
  CHECK(take_spans().size() == 5);
}

TEST_CASE("samplers", "[spans][sampler]") {
  SECTION("always_off records nothing") {
    configure({{"OTEL_TRACES_SAMPLER", "always_off"}});
    for (int i = 0; i < 10; ++i)
      app::root();
    CHECK(take_spans().empty());
  }
  SECTION("traceidratio keeps whole traces, about the ratio of them") {
    configure({{"OTEL_TRACES_SAMPLER", "traceidratio"}, {"OTEL_TRACES_SAMPLER_ARG", "0.25"}});
    std::vector<SpanData> spans;
    for (int chunk = 0; chunk < 20; ++chunk) { // chunks stay well below the buffer size
      for (int i = 0; i < 100; ++i)
        app::root();
      auto part = take_spans();
      spans.insert(spans.end(), part.begin(), part.end());
    }
    REQUIRE(spans.size() % 5 == 0); // never a partial trace
    std::size_t traces = spans.size() / 5;
    CHECK(traces > 400);
    CHECK(traces < 600);
  }
  SECTION("parentbased_always_off follows a sampled remote parent") {
    configure({{"OTEL_TRACES_SAMPLER", "parentbased_always_off"},
               {"TRACEPARENT", "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"}});
    app::root();
    CHECK(take_spans().size() == 5);
  }
  SECTION("parentbased_always_off drops new traces") {
    configure({{"OTEL_TRACES_SAMPLER", "parentbased_always_off"}});
    app::root();
    CHECK(take_spans().empty());
  }
}

TEST_CASE("resource attributes", "[spans][resource]") {
  configure();
  app::leaf(1);
  take_spans();
  auto r = captured_resource();
  auto get = [&](const std::string& k) -> const autospan::internal::AttributeValue* {
    for (const auto& a : r.attributes)
      if (a.key == k)
        return &a.value;
    return nullptr;
  };
  REQUIRE(get("service.name"));
  CHECK(std::get<std::string>(*get("service.name")).rfind("unknown_service:", 0) == 0);
  CHECK(std::get<std::string>(*get("telemetry.sdk.name")) == "autospan");
  CHECK(std::get<std::string>(*get("telemetry.sdk.language")) == "cpp");
  CHECK(std::get<std::string>(*get("telemetry.sdk.version")) == AUTOSPAN_VERSION_STRING);
  CHECK(std::get<std::int64_t>(*get("process.pid")) == static_cast<std::int64_t>(getpid()));
  CHECK(get("host.name"));
}

TEST_CASE("attribute limits apply to automatic spans", "[spans][limits]") {
  configure({{"OTEL_SPAN_ATTRIBUTE_COUNT_LIMIT", "2"}});
  app::leaf(1);
  auto spans = take_spans();
  REQUIRE(spans.size() == 1);
  CHECK(spans[0].attributes.size() == 2);
  CHECK(spans[0].dropped_attributes_count >= 2);
}

#include "core/batch_worker.h"
#include "core/summary.h"

namespace {
// The summary's counters for the function named `name` (zero when it never ran).
autospan::internal::SiteStats stats_of(const std::string& name) {
  for (auto& [id, s] : autospan::internal::worker()->site_stats()) {
    const auto* site = autospan::internal::site_info(id);
    if (site && site->name == name)
      return s;
  }
  return autospan::internal::SiteStats{};
}
} // namespace

TEST_CASE("AUTOSPAN_SUMMARY counts every call, filtered ones included", "[spans][summary]") {
  configure({{"AUTOSPAN_SUMMARY", "1"}, {"AUTOSPAN_MIN_DURATION", "1s"}});
  auto* w = autospan::internal::worker();
  auto leaf_before = stats_of("app::leaf");
  auto mid_before = stats_of("app::mid");
  app::root();
  app::root();
  CHECK(take_spans().empty()); // everything is shorter than 1s
  auto leaf = stats_of("app::leaf");
  auto mid = stats_of("app::mid");
  CHECK(leaf.calls - leaf_before.calls == 6);
  CHECK(leaf.filtered - leaf_before.filtered == 6);
  CHECK(mid.calls - mid_before.calls == 2);
  // Self time excludes the instrumented callees.
  CHECK(mid.self_ns - mid_before.self_ns <= mid.total_ns - mid_before.total_ns);
  char* buf = nullptr;
  std::size_t len = 0;
  std::FILE* out = open_memstream(&buf, &len);
  autospan::internal::print_summary(out, *w);
  std::fclose(out);
  std::string table(buf, len);
  std::free(buf);
  CHECK(table.find("app::leaf") != std::string::npos);
  CHECK(table.find("filtered") != std::string::npos);
  configure();
}

namespace app {
void waits_on_child() {
  AUTOSPAN_FUNCTION("app::waits_on_child");
  slow_leaf();
}
void works_alone() {
  AUTOSPAN_FUNCTION("app::works_alone");
  busy_for(std::chrono::microseconds(1000));
}
void siblings() {
  AUTOSPAN_FUNCTION("app::siblings");
  waits_on_child();
  works_alone(); // the same stack slot as waits_on_child, just vacated
}
} // namespace app

TEST_CASE("AUTOSPAN_SUMMARY self time does not inherit the previous call's children",
          "[spans][summary]") {
  // The time spent in children is summed in the frame; a frame entered through the fast path
  // reuses the slot of the sibling that just returned, whose 3 ms of children must not count
  // against this call's own 1 ms.
  configure({{"AUTOSPAN_SUMMARY", "1"}, {"AUTOSPAN_MIN_DURATION", "1s"}});
  app::siblings();
  app::siblings();
  CHECK(take_spans().empty());
  const auto alone = stats_of("app::works_alone");
  const auto waits = stats_of("app::waits_on_child");
  REQUIRE(alone.calls == 2);
  INFO("works_alone self " << alone.self_ns << " of " << alone.total_ns << " ns");
  CHECK(alone.self_ns * 10 >= alone.total_ns * 9);
  INFO("waits_on_child self " << waits.self_ns << " of " << waits.total_ns << " ns");
  CHECK(waits.self_ns * 2 < waits.total_ns);
  configure();
}

// Functions as the Clang plugin (17+) leaves them: no exit on the unwinding path
// (AUTOSPAN_SITE_RUNTIME_UNWINDS), autospan_enter_v2 called directly from the function.
namespace runtime_unwinds {
constexpr unsigned kFlags = AUTOSPAN_SITE_AUTO | AUTOSPAN_SITE_RUNTIME_UNWINDS;
autospan_site s_catcher = {"ru::catcher", "ru::catcher", "ru.cpp", 1, kFlags, 0, 0};
autospan_site s_middle = {"ru::middle", "ru::middle", "ru.cpp", 2, kFlags, 0, 0};
autospan_site s_thrower = {"ru::thrower", "ru::thrower", "ru.cpp", 3, kFlags, 0, 0};
autospan_site s_after = {"ru::after", "ru::after", "ru.cpp", 4, kFlags, 0, 0};
autospan_site s_macro = {"ru::macro", "ru::macro", "ru.cpp", 5, AUTOSPAN_SITE_AUTO, 0, 0};

[[gnu::noinline]] int thrower(int v) {
  void* token = autospan_enter_v2(&s_thrower);
  if (v < 0)
    throw std::runtime_error("deep");
  autospan_exit_v2(token);
  return v;
}
[[gnu::noinline]] int middle(int v) {
  void* token = autospan_enter_v2(&s_middle);
  int r = thrower(v) + 1;
  autospan_exit_v2(token);
  return r;
}
[[gnu::noinline]] void after() {
  autospan_exit_v2(autospan_enter_v2(&s_after));
}
// Caught here: the __cxa_begin_catch hook ends the frames below this function's.
[[gnu::noinline]] int catcher(int v) {
  void* token = autospan_enter_v2(&s_catcher);
  int r;
  try {
    r = middle(v);
  } catch (const std::runtime_error&) {
    r = -1;
  }
  after();
  autospan_exit_v2(token);
  return r;
}
} // namespace runtime_unwinds

TEST_CASE("frames an exception left without exits end at the catch, with the exception",
          "[spans][exceptions][unwinding]") {
  configure();
  namespace ru = runtime_unwinds;
  CHECK(ru::catcher(-1) == -1);
  auto spans = take_spans();
  REQUIRE(spans.size() == 4);
  const SpanData* catcher = find_span(spans, "ru::catcher");
  const SpanData* middle = find_span(spans, "ru::middle");
  const SpanData* thrower = find_span(spans, "ru::thrower");
  const SpanData* after = find_span(spans, "ru::after");
  REQUIRE((catcher && middle && thrower && after));
  for (const SpanData* s : {middle, thrower}) {
    CHECK(s->status == autospan::internal::StatusCode::Error);
    REQUIRE(s->events.size() == 1);
    CHECK(std::get<std::string>(s->events[0].attributes[1].value) == "deep");
    CHECK_FALSE(find_attr(*s, "autospan.unfinished"));
  }
  CHECK(middle->parent_span_id == catcher->span_id);
  CHECK(thrower->parent_span_id == middle->span_id);
  // The call after the catch is the catcher's child, not a child of a frame already left.
  CHECK(after->parent_span_id == catcher->span_id);
  CHECK(catcher->status == autospan::internal::StatusCode::Unset);
  CHECK(is_root(*catcher));
}

TEST_CASE("landing pads end the frames above a token, since a mark, below their function",
          "[spans][exceptions][unwinding]") {
  configure();
  namespace ru = runtime_unwinds;
  // autospan_unwound_v2(token): every frame above the token's.
  void* outer = autospan_enter_v2(&ru::s_catcher);
  (void)autospan_enter_v2(&ru::s_middle);
  (void)autospan_enter_v2(&ru::s_thrower);
  autospan_unwound_v2(outer);
  void* next = autospan_enter_v2(&ru::s_after);
  autospan_exit_v2(next);
  autospan_exit_v2(outer);
  auto spans = take_spans();
  REQUIRE(spans.size() == 4);
  const SpanData* o = find_span(spans, "ru::catcher");
  const SpanData* a = find_span(spans, "ru::after");
  REQUIRE((o && a));
  CHECK(a->parent_span_id == o->span_id);

  // autospan_unwind_to_v2(mark): every frame entered since the mark; a frame that ends itself
  // (no AUTOSPAN_SITE_RUNTIME_UNWINDS: alive if still there) stops it.
  void* macro = autospan_enter_v2(&ru::s_macro);
  void* mark = autospan_unwind_mark_v2();
  (void)autospan_enter_v2(&ru::s_middle);
  (void)autospan_enter_v2(&ru::s_thrower);
  autospan_unwind_to_v2(mark);
  void* inner = autospan_enter_v2(&ru::s_after);
  autospan_exit_v2(inner);
  void* self_ending = autospan_enter_v2(&ru::s_macro);
  (void)autospan_enter_v2(&ru::s_thrower);
  autospan_unwind_to_v2(mark); // ends the frame above self_ending, stops at self_ending
  spans = take_spans();
  CHECK(spans.size() == 4); // middle, thrower, after, and the thrower above self_ending
  autospan_exit_v2(self_ending);
  autospan_exit_v2(macro);
  for (auto& s : take_spans())
    spans.push_back(std::move(s));
  REQUIRE(spans.size() == 6);
  const SpanData* m = nullptr;
  const SpanData* self = nullptr;
  for (const auto& s : spans)
    if (s.name == "ru::macro")
      (is_root(s) ? m : self) = &s;
  REQUIRE((m && self));
  CHECK(self->parent_span_id == m->span_id);
  a = find_span(spans, "ru::after");
  REQUIRE(a);
  CHECK(a->parent_span_id == m->span_id);
  int under_self = 0;
  for (const auto& s : spans) {
    CHECK_FALSE(find_attr(s, "autospan.unfinished"));
    under_self += s.name == "ru::thrower" && s.parent_span_id == self->span_id;
  }
  CHECK(under_self == 1);

  // autospan_unwound_below_v2(): nothing is in flight, so nothing is ended.
  void* kept = autospan_enter_v2(&ru::s_middle);
  autospan_unwound_below_v2();
  autospan_exit_v2(kept);
  spans = take_spans();
  REQUIRE(spans.size() == 1);
  CHECK_FALSE(find_attr(spans[0], "autospan.unfinished"));
}
