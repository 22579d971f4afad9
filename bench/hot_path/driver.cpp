// One process of the hot-path benchmark. The same driver is linked into every variant (it is
// never instrumented itself); autospan_bench starts it once per scenario, with the scenario's
// environment, and reads the key=value lines it prints.
//
//   autospan_bench_hot_<variant> --mode=calls|busy|threads|export [--n=N] [--burst=B]
//       [--sleep-us=S] [--reps=R] [--threads=T] [--rate=SPANS_PER_S] [--xray=off|empty|record]
//       [--fn=tiny|relay]
//
// calls    ns per call of benchapp::tiny (entry + exit), plus the floor references measured in
//          the same process. Calls run in bursts of B (one benchapp::run_tiny call each); with
//          --sleep-us only the bursts are timed and the thread sleeps between them, so that a
//          tracer's export thread can drain (a kept span is then measured, not a dropped one).
//          --fn=relay times benchapp::relay instead (a tiny function that calls another one),
//          still printed as tiny_ns.
// busy     ns per call of benchapp::busy (fixed work).
// threads  `calls` on T threads at once: per-thread cost.
// export   N calls at a paced rate (0: as fast as possible), then autospan::flush(): process CPU
//          (all threads) and wall time.
// Every timing is thread or process CPU time, the median of R repetitions.
#include "floor.h"
#include "tracers.h"
#include "workload.h"

#if defined(BENCH_HAVE_AUTOSPAN)
#include <autospan/autospan.h>
#endif

#include <sys/resource.h>
#include <time.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <thread>
#include <vector>

#ifndef BENCH_VARIANT
#error "BENCH_VARIANT must name the build variant"
#endif

namespace {

struct Args {
  std::string mode = "calls";
  long n = 2000000;
  int burst = 1000;
  long sleep_us = 0;
  int reps = 7;
  int threads = 2;
  long rate = 0;
  std::string xray = "off";
  std::string fn = "tiny";
};

[[noreturn]] void usage(const char* why) {
  std::fprintf(stderr, "%s: %s\n", BENCH_VARIANT, why);
  std::exit(2);
}

Args parse(int argc, char** argv) {
  Args a;
  for (int i = 1; i < argc; ++i) {
    const char* arg = argv[i];
    const char* eq = std::strchr(arg, '=');
    if (std::strncmp(arg, "--", 2) != 0 || eq == nullptr)
      usage("arguments are --key=value");
    std::string key(arg + 2, eq);
    const char* v = eq + 1;
    if (key == "mode")
      a.mode = v;
    else if (key == "n")
      a.n = std::atol(v);
    else if (key == "burst")
      a.burst = std::atoi(v);
    else if (key == "sleep-us")
      a.sleep_us = std::atol(v);
    else if (key == "reps")
      a.reps = std::atoi(v);
    else if (key == "threads")
      a.threads = std::atoi(v);
    else if (key == "rate")
      a.rate = std::atol(v);
    else if (key == "xray")
      a.xray = v;
    else if (key == "fn")
      a.fn = v;
    else
      usage(("unknown option --" + key).c_str());
  }
  if (a.n <= 0 || a.burst <= 0 || a.reps <= 0 || a.threads <= 0 || a.sleep_us < 0 || a.rate < 0)
    usage("counts must be positive");
  if (a.fn != "tiny" && a.fn != "relay")
    usage("--fn must be tiny or relay");
  return a;
}

double clock_ns(clockid_t id) {
  timespec ts;
  clock_gettime(id, &ts);
  return static_cast<double>(ts.tv_sec) * 1e9 + static_cast<double>(ts.tv_nsec);
}
double thread_cpu_ns() {
  return clock_ns(CLOCK_THREAD_CPUTIME_ID);
}

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  std::size_t m = v.size() / 2;
  return v.size() % 2 ? v[m] : (v[m - 1] + v[m]) / 2;
}

void sleep_us(long us) {
  timespec ts{us / 1000000, (us % 1000000) * 1000};
  nanosleep(&ts, nullptr);
}

// Keeps results observable so no loop is optimised away.
std::atomic<long> g_sink{0};
// Calls of benchapp::tiny made through run_tiny (callgrind divides by it).
std::atomic<long> g_tiny_calls{0};

// ns per inner call of `run(burst)`, over n calls.
template <class Run> double per_call(const Args& a, Run run) {
  long bursts = std::max(1L, a.n / a.burst);
  long acc = 0;
  double cpu = 0;
  if (a.sleep_us == 0) {
    double start = thread_cpu_ns();
    for (long b = 0; b < bursts; ++b)
      acc += run(a.burst);
    cpu = thread_cpu_ns() - start;
  } else {
    for (long b = 0; b < bursts; ++b) {
      double start = thread_cpu_ns();
      acc += run(a.burst);
      cpu += thread_cpu_ns() - start;
      sleep_us(a.sleep_us);
    }
  }
  g_sink += acc;
  return cpu / static_cast<double>(bursts * a.burst);
}

void print_series(const char* key, const std::vector<double>& v) {
  std::printf("%s=%.3f\n", key, median(v));
  std::printf("%s_min=%.3f\n", key, *std::min_element(v.begin(), v.end()));
  std::printf("%s_all=", key);
  for (std::size_t i = 0; i < v.size(); ++i)
    std::printf("%s%.3f", i ? "," : "", v[i]);
  std::printf("\n");
}

int run_tiny(int n) {
  g_tiny_calls.fetch_add(n, std::memory_order_relaxed);
  return benchapp::run_tiny(n);
}
int run_relay(int n) {
  return benchapp::run_relay(n);
}
int run_busy(int n) {
  return static_cast<int>(benchapp::run_busy(n));
}

void mode_calls(const Args& a) {
  int (*const run)(int) = a.fn == "relay" ? run_relay : run_tiny;
  Args warm = a;
  warm.n = std::max(1L, a.n / 10);
  per_call(warm, run);
  per_call(warm, benchfloor::run_plain);
  std::vector<double> tiny, plain, rdtsc2;
  // Interleaved, so that the references see the same machine conditions as the measurement.
  Args ref = a;
  ref.sleep_us = 0;
  for (int r = 0; r < a.reps; ++r) {
    tiny.push_back(per_call(a, run));
    plain.push_back(per_call(ref, benchfloor::run_plain));
    rdtsc2.push_back(per_call(ref, benchfloor::run_two_rdtsc));
  }
  print_series("tiny_ns", tiny);
  print_series("floor_plain_ns", plain);
  print_series("floor_rdtsc2_ns", rdtsc2);
}

void mode_busy(const Args& a) {
  Args warm = a;
  warm.n = std::max(1L, a.n / 10);
  per_call(warm, run_busy);
  std::vector<double> busy;
  for (int r = 0; r < a.reps; ++r)
    busy.push_back(per_call(a, run_busy));
  print_series("busy_ns", busy);
}

void mode_threads(const Args& a) {
  std::vector<std::vector<double>> results(static_cast<std::size_t>(a.threads));
  std::atomic<int> ready{0};
  std::vector<std::thread> pool;
  for (int t = 0; t < a.threads; ++t) {
    pool.emplace_back([&, t] {
      Args warm = a;
      warm.n = std::max(1L, a.n / 10);
      per_call(warm, run_tiny);
      // Start together, so that the threads really run side by side.
      ready.fetch_add(1);
      while (ready.load() < a.threads)
        std::this_thread::yield();
      for (int r = 0; r < a.reps; ++r)
        results[static_cast<std::size_t>(t)].push_back(per_call(a, run_tiny));
    });
  }
  for (auto& th : pool)
    th.join();
  std::vector<double> all;
  for (std::size_t t = 0; t < results.size(); ++t) {
    std::printf("thread%zu_ns=%.3f\n", t, median(results[t]));
    all.insert(all.end(), results[t].begin(), results[t].end());
  }
  print_series("tiny_ns", all);
}

void flush_tracer() {
#if defined(BENCH_HAVE_AUTOSPAN)
  std::printf("flush_ok=%d\n", autospan::flush() ? 1 : 0);
#endif
}

void mode_export(const Args& a) {
  // Bursts of a millisecond's worth of calls, each followed by a sleep to the next millisecond.
  int burst = a.rate > 0 ? static_cast<int>(std::max(1L, a.rate / 1000)) : a.burst;
  long bursts = std::max(1L, a.n / burst);
  // Warm-up: thread state, ring, connection.
  g_sink += benchapp::run_tiny(burst);
#if defined(BENCH_HAVE_AUTOSPAN)
  autospan::flush();
#endif
  double wall0 = clock_ns(CLOCK_MONOTONIC);
  double proc0 = clock_ns(CLOCK_PROCESS_CPUTIME_ID);
  double thread0 = thread_cpu_ns();
  timespec next;
  clock_gettime(CLOCK_MONOTONIC, &next);
  long acc = 0;
  for (long b = 0; b < bursts; ++b) {
    acc += benchapp::run_tiny(burst);
    if (a.rate > 0) {
      next.tv_nsec += 1000000;
      if (next.tv_nsec >= 1000000000) {
        next.tv_nsec -= 1000000000;
        ++next.tv_sec;
      }
      clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &next, nullptr);
    }
  }
  g_sink += acc;
  double thread1 = thread_cpu_ns();
  double wall1 = clock_ns(CLOCK_MONOTONIC);
  flush_tracer();
  double wall2 = clock_ns(CLOCK_MONOTONIC);
  double proc2 = clock_ns(CLOCK_PROCESS_CPUTIME_ID);
  // Each burst is one run_tiny span plus `burst` tiny spans.
  std::printf("spans=%ld\n", bursts * (burst + 1L));
  std::printf("warmup_spans=%d\n", burst + 1);
  std::printf("calls=%ld\n", bursts * static_cast<long>(burst));
  std::printf("produce_s=%.6f\n", (wall1 - wall0) / 1e9);
  std::printf("total_s=%.6f\n", (wall2 - wall0) / 1e9);
  std::printf("process_cpu_ns=%.0f\n", proc2 - proc0);
  std::printf("thread_cpu_ns=%.0f\n", thread1 - thread0);
}

void setup_xray(const Args& a) {
#if defined(BENCH_XRAY)
  if (a.xray == "off")
    return;
  if (a.xray == "empty")
    __xray_set_handler(benchtracer::xray_empty);
  else if (a.xray == "record")
    __xray_set_handler(benchtracer::xray_record);
  else
    usage("--xray is off, empty or record");
  if (__xray_patch() != XRayPatchingStatus::SUCCESS)
    usage("__xray_patch failed");
#else
  if (a.xray != "off")
    usage("--xray needs the xray variant");
#endif
}

} // namespace

int main(int argc, char** argv) {
  Args a = parse(argc, argv);
  setup_xray(a);
  std::printf("variant=%s\nmode=%s\n", BENCH_VARIANT, a.mode.c_str());
  if (a.mode == "calls")
    mode_calls(a);
  else if (a.mode == "busy")
    mode_busy(a);
  else if (a.mode == "threads")
    mode_threads(a);
  else if (a.mode == "export")
    mode_export(a);
  else
    usage("--mode is calls, busy, threads or export");
  rusage ru{};
  getrusage(RUSAGE_SELF, &ru);
  std::printf("maxrss_kb=%ld\n", ru.ru_maxrss);
  std::printf("tiny_calls=%ld\n", g_tiny_calls.load());
  std::fflush(stdout);
  return 0;
}
