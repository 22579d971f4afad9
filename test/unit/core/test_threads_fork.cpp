// Threads hand over their buffers when they exit; full buffers drop and count; fork() gives the
// child its own export thread and no duplicated spans.
#include "capture.h"
#include "core/batch_worker.h"
#include "core/thread_state.h"
#include "export/json_reader.h"
#include "export/otlp_json.h"

#include <autospan/autospan.h>
#include <catch2/catch.hpp>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <pthread.h>
#include <set>
#include <sstream>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <thread>
#include <unistd.h>

using namespace autospan_test;

namespace app {
int work(int x) {
  AUTOSPAN_FUNCTION("app::work");
  return x * 3;
}
void thread_body(int n) {
  AUTOSPAN_FUNCTION("app::thread_body");
  for (int i = 0; i < n; ++i)
    work(i);
}
void child_process_work() {
  AUTOSPAN_FUNCTION("app::child_process_work");
  work(1);
}
} // namespace app

TEST_CASE("many short-lived threads lose nothing", "[threads]") {
  configure();
  constexpr int kThreads = 2000;
  constexpr int kCalls = 4;
  for (int batch = 0; batch < kThreads / 50; ++batch) {
    std::vector<std::thread> threads;
    for (int i = 0; i < 50; ++i)
      threads.emplace_back([] { app::thread_body(kCalls); });
    for (auto& t : threads)
      t.join();
  }
  auto spans = take_spans();
  CHECK(count_spans(spans, "app::thread_body") == kThreads);
  CHECK(count_spans(spans, "app::work") == kThreads * kCalls);
  CHECK(autospan::internal::worker()->drops().total() == 0);
}

TEST_CASE("thread.id and thread.name", "[threads]") {
  configure();
  long tid = 0;
  std::thread t([&tid] {
    pthread_setname_np(pthread_self(), "io-worker-3");
    tid = syscall(SYS_gettid);
    app::work(1);
  });
  t.join();
  app::work(2); // main thread: its name is the process name, so no thread.name
  auto spans = take_spans();
  REQUIRE(spans.size() == 2);
  const SpanData* named = nullptr;
  const SpanData* main_span = nullptr;
  for (const auto& s : spans)
    (std::get<std::int64_t>(*find_attr(s, "thread.id")) == tid ? named : main_span) = &s;
  REQUIRE((named && main_span));
  CHECK(str_attr(*named, "thread.name") == "io-worker-3");
  CHECK_FALSE(find_attr(*main_span, "thread.name"));
}

TEST_CASE("full buffers drop and count, nothing is lost silently", "[threads][drops]") {
  configure({{"OTEL_BSP_MAX_QUEUE_SIZE", "128"}, {"OTEL_BSP_MAX_EXPORT_BATCH_SIZE", "64"}});
  auto* w = autospan::internal::worker();
  auto before = w->drops().buffer_full;
  hold_exporter(); // the export thread blocks in its first export: buffers fill up
  constexpr int kCalls = 5000;
  std::thread producer([] {
    for (int i = 0; i < kCalls; ++i)
      app::work(i);
  });
  producer.join();
  release_exporter();
  auto spans = take_spans();
  auto dropped = w->drops().buffer_full - before;
  CHECK(dropped > 0);
  CHECK(spans.size() + dropped == static_cast<std::size_t>(kCalls));
}

TEST_CASE("a ring found full grows, up to its limit, and nothing is lost", "[threads][ring]") {
  // Rings of 64 records (the queue size), growing to kRingGrowth times that at most.
  configure({{"OTEL_BSP_MAX_QUEUE_SIZE", "64"}, {"OTEL_BSP_MAX_EXPORT_BATCH_SIZE", "64"}});
  auto* w = autospan::internal::worker();
  const auto before = w->drops().buffer_full;
  constexpr int kRounds = 6;
  constexpr int kCalls = 2000;
  std::vector<std::size_t> caps;
  std::thread producer([&] {
    for (int round = 0; round < kRounds; ++round) {
      hold_exporter(); // the export side stops: this round overflows the ring
      for (int i = 0; i < kCalls; ++i)
        app::work(i);
      release_exporter();
      autospan::flush();
      app::work(-1);
      caps.push_back(autospan::internal::current_ring_capacity());
    }
  });
  producer.join();
  auto spans = take_spans();
  const auto dropped = w->drops().buffer_full - before;
  CHECK(dropped > 0);
  CHECK(spans.size() + dropped == static_cast<std::size_t>(kRounds * (kCalls + 1)));
  REQUIRE(caps.size() == kRounds);
  // An overflowing round grows the ring (at three quarters full and when full, one step at a time,
  // each once the export thread has retired the previous ring); none goes past kRingGrowth times
  // the queue.
  CHECK(caps.front() >= 128);
  CHECK(std::is_sorted(caps.begin(), caps.end()));
  CHECK(caps.back() == 64 * autospan::internal::kRingGrowth);
  std::set<autospan::internal::SpanId> ids;
  for (const auto& s : spans)
    ids.insert(s.span_id);
  CHECK(ids.size() == spans.size());
}

TEST_CASE("rings that grow while the export thread drains lose and repeat nothing",
          "[threads][ring]") {
  configure({{"OTEL_BSP_MAX_QUEUE_SIZE", "64"}, {"OTEL_BSP_MAX_EXPORT_BATCH_SIZE", "64"}});
  auto* w = autospan::internal::worker();
  const auto before = w->drops().buffer_full;
  constexpr int kThreads = 2;
  constexpr int kCalls = 50000;
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t)
    threads.emplace_back([] {
      for (int i = 0; i < kCalls; ++i) {
        app::work(i);
        if (i % 5000 == 0)
          std::this_thread::sleep_for(std::chrono::milliseconds(2)); // let the rings drain
      }
    });
  for (auto& t : threads)
    t.join();
  auto spans = take_spans();
  const auto dropped = w->drops().buffer_full - before;
  CHECK(spans.size() + dropped == static_cast<std::size_t>(kThreads * kCalls));
  std::set<autospan::internal::SpanId> ids;
  for (const auto& s : spans)
    ids.insert(s.span_id);
  CHECK(ids.size() == spans.size());
}

#if defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define AUTOSPAN_TEST_UNDER_TSAN 1
#endif
#endif
// ThreadSanitizer cannot run a process that starts threads after a multi-threaded fork (the
// child's export thread); the ASan/UBSan and plain builds run this test.
#if !defined(AUTOSPAN_TEST_UNDER_TSAN)
namespace {
std::string read_file(const std::string& path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}
} // namespace

TEST_CASE("fork: the child exports its own spans, none twice", "[fork]") {
  char dir_template[] = "/tmp/autospan-fork-XXXXXX";
  REQUIRE(mkdtemp(dir_template));
  std::string file = std::string(dir_template) + "/child.jsonl";
  // The child builds its exporters from the configuration: the file exporter.
  configure({{"OTEL_TRACES_EXPORTER", "file"}, {"AUTOSPAN_FILE", file}});
  std::string parent_span_id;
  pid_t pid = 0;
  {
    autospan::Span around("around fork");
    parent_span_id = around.context().span_id_hex();
    app::work(1); // recorded before fork: the parent's
    pid = fork();
    if (pid == 0) {
      app::child_process_work();
      bool ok = autospan::flush(std::chrono::seconds(10));
      _exit(ok ? 0 : 3);
    }
  }
  REQUIRE(pid > 0);
  int status = 0;
  REQUIRE(waitpid(pid, &status, 0) == pid);
  REQUIRE(WIFEXITED(status));
  CHECK(WEXITSTATUS(status) == 0);

  auto parent = take_spans();
  CHECK(count_spans(parent, "around fork") == 1);
  CHECK(count_spans(parent, "app::work") == 1);
  CHECK(count_spans(parent, "app::child_process_work") == 0);

  std::string json = read_file(file);
  REQUIRE(!json.empty());
  autospan::internal::DecodedRequest req;
  std::string error;
  std::istringstream lines(json);
  std::string line;
  while (std::getline(lines, line))
    if (!line.empty())
      REQUIRE(autospan::internal::decode_otlp_json(line, req, error));
  CHECK(count_spans(req.spans, "around fork") == 0);
  CHECK(count_spans(req.spans, "app::work") == 1);
  const SpanData* cw = find_span(req.spans, "app::child_process_work");
  REQUIRE(cw);
  // The child's span continues the trace under the span that was open across fork().
  CHECK(autospan::internal::to_hex(cw->parent_span_id) == parent_span_id);
  // The child's resource names the child.
  bool pid_ok = false;
  for (const auto& a : req.resources.at(0).attributes)
    if (a.key == "process.pid")
      pid_ok = std::get<std::int64_t>(a.value) == pid;
  CHECK(pid_ok);
  std::remove(file.c_str());
  rmdir(dir_template);
}
#endif
