// Runtime-level reliability cases that need no receiver: longjmp resynchronisation through the
// static library's --wrap hooks, batches kept while the collector is unavailable, and the ring's
// reservation protocol against a writer nested by a signal handler. The end-to-end cases (real
// receiver, real plugin) live in test/reliability/.
#include "capture.h"
#include "core/batch_worker.h"
#include "core/thread_state.h"

#include <autospan/autospan.h>
#include <catch2/catch.hpp>

#include <sys/mman.h>

#include <algorithm>
#include <chrono>
#include <csetjmp>
#include <csignal>
#include <thread>
#include <vector>

#include <sys/time.h>

using namespace autospan_test;
namespace ai = autospan::internal;

namespace app {
std::jmp_buf g_env;
int leaf_call(int x) {
  AUTOSPAN_FUNCTION("app::leaf_call");
  return x + 1;
}
[[noreturn]] void jumps() {
  AUTOSPAN_FUNCTION("app::jumps");
  std::longjmp(g_env, 1);
}
void skipped() {
  AUTOSPAN_FUNCTION("app::skipped");
  jumps();
}
int sets_jump() {
  AUTOSPAN_FUNCTION("app::sets_jump");
  int n = 0;
  for (int i = 0; i < 2; ++i) {
    if (setjmp(g_env) == 0)
      skipped();
    n += leaf_call(i); // must be a child of sets_jump, not of the skipped frames
  }
  return n;
}
} // namespace app

namespace {
const SpanData* by_id(const std::vector<SpanData>& spans, const ai::SpanId& id) {
  for (const auto& s : spans)
    if (s.span_id == id)
      return &s;
  return nullptr;
}
bool unfinished(const SpanData& s) {
  return find_attr(s, "autospan.unfinished") != nullptr;
}
} // namespace

TEST_CASE("longjmp ends the frames it skips, at the jump", "[longjmp]") {
  configure();
  CHECK(app::sets_jump() == 3);
  auto spans = take_spans();
  REQUIRE(spans.size() == 7);
  const SpanData* root = find_span(spans, "app::sets_jump");
  REQUIRE(root);
  CHECK_FALSE(unfinished(*root));
  for (const auto& s : spans) {
    if (s.name == "app::leaf_call" || s.name == "app::skipped") {
      CHECK(s.parent_span_id == root->span_id);
      CHECK(unfinished(s) == (s.name == "app::skipped"));
    }
    if (s.name == "app::jumps") {
      const SpanData* parent = by_id(spans, s.parent_span_id);
      REQUIRE(parent);
      CHECK(parent->name == "app::skipped");
      CHECK(unfinished(s));
    }
  }
  CHECK(count_spans(spans, "app::leaf_call") == 2);
}

TEST_CASE("batches stay queued while the collector is unavailable", "[export]") {
  configure({{"OTEL_BSP_SCHEDULE_DELAY", "20"}});
  auto* w = ai::worker();
  auto before = w->drops().total();
  make_collector_unavailable(3);
  for (int i = 0; i < 100; ++i)
    app::leaf_call(i);
  std::vector<SpanData> spans;
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (spans.size() < 100 && std::chrono::steady_clock::now() < deadline) {
    auto more = take_spans();
    spans.insert(spans.end(), more.begin(), more.end());
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  CHECK(spans.size() == 100);
  CHECK(export_calls() >= 4); // three refused, then the same batch again
  CHECK(w->drops().total() == before);
}

TEST_CASE("the ring's limits follow the consumer's index as last read", "[ring]") {
  ai::ThreadState t;
  // No ring yet: the kept exit's fast path finds it full and leaves it to the general path.
  CHECK(ai::ring_reserve_is_slow(&t));
  CHECK_FALSE(ai::ring_needs_check(&t, 0));
  alignas(64) ai::Record slots[64] = {};
  t.ring = slots;
  t.ring_mask = 63;
  ai::ring_set_cached_tail(&t, 100);
  t.head_local = 163;
  CHECK_FALSE(ai::ring_reserve_is_slow(&t)); // 63 records in use: room for one more
  t.head_local = 164;
  CHECK(ai::ring_reserve_is_slow(&t));
  // A publication re-reads the consumer's index from half a ring on; an interrupted write's
  // (end 0) never does.
  CHECK_FALSE(ai::ring_needs_check(&t, 131));
  CHECK(ai::ring_needs_check(&t, 132));
  CHECK_FALSE(ai::ring_needs_check(&t, 0));
  ai::ring_set_cached_tail(&t, 164);
  CHECK_FALSE(ai::ring_reserve_is_slow(&t));
  CHECK_FALSE(ai::ring_needs_check(&t, 195));
  CHECK(ai::ring_needs_check(&t, 196));
  t.ring = nullptr;
}

TEST_CASE("rings may grow eight times their starting size, and to 16384 records at most",
          "[ring]") {
  // The sender polls a ring that can still grow at half full, one that cannot at a quarter.
  configure({{"OTEL_BSP_MAX_QUEUE_SIZE", "2048"}});
  CHECK(ai::ring_can_grow(2048));
  CHECK(ai::ring_can_grow(8192));
  CHECK_FALSE(ai::ring_can_grow(16384));
  configure({{"OTEL_BSP_MAX_QUEUE_SIZE", "64"}});
  CHECK(ai::ring_can_grow(256));
  CHECK_FALSE(ai::ring_can_grow(512));
  configure({{"OTEL_BSP_MAX_QUEUE_SIZE", "65536"}});
  CHECK_FALSE(ai::ring_can_grow(65536));
  configure();
  CHECK(ai::ring_can_grow(2048));
}

TEST_CASE("a writer nested by a signal handler never overwrites or half-publishes", "[ring]") {
  // The protocol of ring_reserve/ring_publish, with the nesting written out: the outer writer
  // reserves a slot, a "handler" records two spans before the outer writes its own, then the
  // outer finishes. Nothing may be published before the outer slot is written; then all three.
  ai::ThreadState t;
  alignas(64) ai::Record slots[64] = {};
  t.ring = slots;
  t.ring_mask = 63;
  ai::ring_set_cached_tail(&t, 0);
  // A growth still being retired (see below): until that is done this ring cannot grow.
  alignas(64) ai::Record retiring_dummy[1] = {};
  t.retiring.store(retiring_dummy);
  auto record = [](std::uint64_t id) {
    ai::Record r{};
    r.type = ai::RecordType::Span;
    r.span_id = id;
    return r;
  };
  const std::uint64_t outer = ai::ring_reserve(&t);
  REQUIRE(outer == 0);
  for (std::uint64_t id : {11, 12}) {
    std::uint64_t h = ai::ring_reserve(&t);
    slots[h & t.ring_mask] = record(id);
    ai::ring_publish(&t, h);
    CHECK(t.head.load() == 0); // the outer slot is not written yet: nothing visible
  }
  slots[outer] = record(10);
  ai::ring_publish(&t, outer);
  CHECK(t.head.load() == 3);
  CHECK(slots[0].span_id == 10);
  CHECK(slots[1].span_id == 11);
  CHECK(slots[2].span_id == 12);

  // Full ring: the reservation is given back, nothing is overwritten.
  t.tail.store(0);
  ai::ring_set_cached_tail(&t, 0);
  for (int i = 3; i < 64; ++i) {
    std::uint64_t h = ai::ring_reserve(&t);
    REQUIRE(h != ai::kRingFull);
    slots[h & t.ring_mask] = record(static_cast<std::uint64_t>(100 + i));
    ai::ring_publish(&t, h);
  }
  CHECK(ai::ring_reserve(&t) == ai::kRingFull);
  CHECK(t.head.load() == 64);
  CHECK(slots[0].span_id == 10);

  // Once it may grow, a full ring switches to one twice as large from the next position on;
  // the export thread's view finds the positions below it in the old ring.
  t.retiring.store(nullptr);
  const std::uint64_t h = ai::ring_reserve(&t);
  REQUIRE(h == 64);
  REQUIRE(t.ring != slots);
  CHECK(t.ring_mask == 127);
  CHECK(t.retiring.load() == slots);
  CHECK(t.switch_pos == 64);
  t.ring[h & t.ring_mask] = record(200);
  ai::ring_publish(&t, h);
  CHECK(t.head.load() == 65);
  const ai::RingView view = ai::ring_view(&t);
  CHECK(view.at(0).span_id == 10);
  CHECK(view.at(63).span_id == 163);
  CHECK(view.at(64).span_id == 200);
  // Retired only once the export thread's tail has passed the switch position (not here: the
  // old ring is this test's array).
  ai::ring_retire(&t, view, 63);
  CHECK(t.retiring.load() == slots);
  munmap(t.ring, 128 * sizeof(ai::Record));
  t.ring = nullptr;
  t.retiring.store(nullptr);
}

namespace {
ai::IdRng g_signal_rng;
std::uint64_t g_handler_ids[1 << 16];
volatile std::size_t g_handler_count = 0;
void make_id_in_handler(int) {
  if (g_handler_count < (1u << 16)) {
    g_handler_ids[g_handler_count] = g_signal_rng.nonzero();
    g_handler_count = g_handler_count + 1;
  }
}
} // namespace

TEST_CASE("ids made by a signal handler that interrupts id making are never repeated", "[ids]") {
  // A timer signal every 20 us lands inside next() on this thread thousands of times; with a
  // multi-word PRNG state the handler's draw is undone by the interrupted store and the ids after
  // it repeat the handler's (measured: 12 % of signals gave a duplicate with xoshiro256**).
  g_signal_rng.seed();
  g_handler_count = 0;
  struct sigaction sa {};
  struct sigaction old {};
  sa.sa_handler = make_id_in_handler;
  sigemptyset(&sa.sa_mask);
  REQUIRE(sigaction(SIGALRM, &sa, &old) == 0);
  itimerval every{{0, 20}, {0, 20}};
  REQUIRE(setitimer(ITIMER_REAL, &every, nullptr) == 0);
  std::vector<std::uint64_t> ids;
  ids.reserve(20000000);
  const auto until = std::chrono::steady_clock::now() + std::chrono::milliseconds(300);
  while (std::chrono::steady_clock::now() < until)
    for (int i = 0; i < 10000; ++i)
      ids.push_back(g_signal_rng.nonzero());
  itimerval off{};
  setitimer(ITIMER_REAL, &off, nullptr);
  sigaction(SIGALRM, &old, nullptr);
  const std::size_t handled = g_handler_count;
  INFO(ids.size() << " ids on the thread, " << handled << " in the handler");
  REQUIRE(handled > 20); // thousands normally; TSan defers signals to its own safe points
  ids.insert(ids.end(), g_handler_ids, g_handler_ids + handled);
  std::sort(ids.begin(), ids.end());
  CHECK(std::adjacent_find(ids.begin(), ids.end()) == ids.end());
}

TEST_CASE("the shutdown budget is min(OTEL_BSP_EXPORT_TIMEOUT, the OTLP timeout)", "[exit]") {
  using std::chrono::milliseconds;
  configure({{"OTEL_TRACES_EXPORTER", "otlp"}, {"OTEL_EXPORTER_OTLP_TIMEOUT", "1500"}});
  CHECK(ai::config().shutdown_timeout == milliseconds(1500));
  configure({{"OTEL_TRACES_EXPORTER", "otlp"},
             {"OTEL_EXPORTER_OTLP_TIMEOUT", "1500"},
             {"OTEL_EXPORTER_OTLP_TRACES_TIMEOUT", "700"}});
  CHECK(ai::config().shutdown_timeout == milliseconds(700));
  configure({{"OTEL_TRACES_EXPORTER", "otlp"}, {"OTEL_BSP_EXPORT_TIMEOUT", "400"}});
  CHECK(ai::config().shutdown_timeout == milliseconds(400));
  configure({{"OTEL_TRACES_EXPORTER", "otlp"}});
  CHECK(ai::config().shutdown_timeout == milliseconds(10000)); // the defaults: 30 s and 10 s
  // Without an otlp exporter the OTLP timeout does not apply.
  configure({{"OTEL_TRACES_EXPORTER", "file"}, {"OTEL_EXPORTER_OTLP_TIMEOUT", "1500"}});
  CHECK(ai::config().shutdown_timeout == milliseconds(30000));
  configure();
}
