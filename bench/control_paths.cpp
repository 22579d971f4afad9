// autospan_bench_control: the cost of an instrumented call that run-time control turns off,
// against the disabled path, in one run (docs/performance.md, "Run-time control").
//
// Each case runs in a child process of its own (the configuration is read once at start), the
// cases alternate round after round, and each child reports the best of several timed loops in
// thread CPU time; the table shows the median over rounds. Cases:
//   plain          the same tiny function, not instrumented (the floor of the loop)
//   disabled       OTEL_SDK_DISABLED=true: the reference
//   filtered_off   AUTOSPAN_FILTER turns the function off (resolved once, cached in its site)
//   outside        AUTOSPAN_REQUIRE_PARENT=1, called outside any explicit trace
//   sampled_out    inside a trace the sampler dropped (OTEL_TRACES_SAMPLER=always_off, a Span)
//   short          recorded and dropped by AUTOSPAN_MIN_DURATION=1s (the cheapest traced call)
//   short_filter   the same with a filter active that leaves this function on
//
//   autospan_bench_control [--rounds N] [--calls N] [--smoke]
#include <autospan/autospan.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <spawn.h>
#include <string>
#include <sys/wait.h>
#include <unistd.h>
#include <vector>

extern char** environ;

namespace bench_control {

__attribute__((noinline)) int plain(int x) {
  asm volatile("");
  return x + 1;
}

__attribute__((noinline)) int off(int x) {
  AUTOSPAN_FUNCTION("bench_control::off");
  asm volatile("");
  return x + 1;
}

__attribute__((noinline)) int on(int x) {
  AUTOSPAN_FUNCTION("bench_control::on");
  asm volatile("");
  return x + 1;
}

} // namespace bench_control

namespace {

struct Case {
  const char* name;
  std::vector<const char*> env;
};

const std::vector<Case>& cases() {
  static const std::vector<Case> all = {
      {"plain", {"OTEL_SDK_DISABLED=true"}},
      {"disabled", {"OTEL_SDK_DISABLED=true"}},
      {"filtered_off", {"AUTOSPAN_FILTER=bench_control::off=off"}},
      {"outside", {"AUTOSPAN_REQUIRE_PARENT=1"}},
      {"sampled_out", {"OTEL_TRACES_SAMPLER=always_off"}},
      {"short", {"AUTOSPAN_MIN_DURATION=1s"}},
      {"short_filter", {"AUTOSPAN_MIN_DURATION=1s", "AUTOSPAN_FILTER=bench_control::off=off"}},
  };
  return all;
}

double thread_ns() {
  timespec ts;
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) * 1e9 + static_cast<double>(ts.tv_nsec);
}

template <typename F> double best_ns_per_call(F f, int calls, int reps) {
  int sink = 0;
  for (int i = 0; i < calls / 10 + 1; ++i) // warm up: resolve sites, fault in pages
    sink = f(sink);
  double best = 1e300;
  for (int r = 0; r < reps; ++r) {
    double t0 = thread_ns();
    for (int i = 0; i < calls; ++i)
      sink = f(sink);
    double t1 = thread_ns();
    best = std::min(best, (t1 - t0) / calls);
  }
  if (sink == 42) // keeps the loop's result alive
    std::puts("");
  return best;
}

int run_child(const std::string& name, int calls, int reps) {
  double ns = 0;
  if (name == "plain") {
    ns = best_ns_per_call(bench_control::plain, calls, reps);
  } else if (name == "disabled" || name == "filtered_off") {
    ns = best_ns_per_call(bench_control::off, calls, reps);
  } else if (name == "outside" || name == "short" || name == "short_filter") {
    ns = best_ns_per_call(bench_control::on, calls, reps);
  } else if (name == "sampled_out") {
    autospan::Span root("sampled out");
    if (root.is_recording())
      return 3;
    ns = best_ns_per_call(bench_control::on, calls, reps);
  } else {
    return 2;
  }
  std::printf("%.4f\n", ns);
  return 0;
}

// The parent's environment without autospan/OpenTelemetry settings, plus the case's.
std::vector<std::string> child_env(const Case& c) {
  std::vector<std::string> env;
  for (char** e = environ; *e != nullptr; ++e) {
    std::string v = *e;
    if (v.rfind("OTEL_", 0) == 0 || v.rfind("AUTOSPAN_", 0) == 0 ||
        v.rfind("TRACEPARENT=", 0) == 0 || v.rfind("BAGGAGE=", 0) == 0)
      continue;
    env.push_back(v);
  }
  env.emplace_back("OTEL_TRACES_EXPORTER=none");
  for (const char* e : c.env)
    env.emplace_back(e);
  return env;
}

bool run_case(const char* self, const Case& c, int calls, int reps, double& out) {
  std::vector<std::string> env = child_env(c);
  std::vector<char*> envp;
  for (auto& e : env)
    envp.push_back(e.data());
  envp.push_back(nullptr);
  std::string calls_s = std::to_string(calls), reps_s = std::to_string(reps);
  std::vector<char*> argv = {const_cast<char*>(self),
                             const_cast<char*>("--child"),
                             const_cast<char*>(c.name),
                             calls_s.data(),
                             reps_s.data(),
                             nullptr};
  int fds[2];
  if (pipe(fds) != 0)
    return false;
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, fds[1], STDOUT_FILENO);
  posix_spawn_file_actions_addclose(&actions, fds[0]);
  pid_t pid;
  int rc = posix_spawn(&pid, self, &actions, nullptr, argv.data(), envp.data());
  posix_spawn_file_actions_destroy(&actions);
  close(fds[1]);
  if (rc != 0) {
    close(fds[0]);
    return false;
  }
  std::string text;
  char buf[256];
  ssize_t n;
  while ((n = read(fds[0], buf, sizeof buf)) > 0 || (n < 0 && errno == EINTR))
    if (n > 0)
      text.append(buf, static_cast<std::size_t>(n));
  close(fds[0]);
  int status = 0;
  waitpid(pid, &status, 0);
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
    return false;
  out = std::strtod(text.c_str(), nullptr);
  return out > 0;
}

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v.size() % 2 ? v[v.size() / 2] : (v[v.size() / 2 - 1] + v[v.size() / 2]) / 2;
}

} // namespace

int main(int argc, char** argv) {
  if (argc == 5 && std::strcmp(argv[1], "--child") == 0)
    return run_child(argv[2], std::atoi(argv[3]), std::atoi(argv[4]));
  int rounds = 7, calls = 2000000, reps = 5;
  for (int i = 1; i < argc; ++i) {
    if (std::strcmp(argv[i], "--smoke") == 0) {
      rounds = 1;
      calls = 1000;
      reps = 1;
    } else if (std::strcmp(argv[i], "--rounds") == 0 && i + 1 < argc) {
      rounds = std::max(1, std::atoi(argv[++i]));
    } else if (std::strcmp(argv[i], "--calls") == 0 && i + 1 < argc) {
      calls = std::max(1, std::atoi(argv[++i]));
    } else {
      std::fprintf(stderr, "usage: %s [--rounds N] [--calls N] [--smoke]\n", argv[0]);
      return 2;
    }
  }
  const char* self = "/proc/self/exe";
  std::vector<std::vector<double>> results(cases().size());
  for (int r = 0; r < rounds; ++r)
    for (std::size_t c = 0; c < cases().size(); ++c) {
      double ns = 0;
      if (!run_case(self, cases()[c], calls, reps, ns)) {
        std::fprintf(stderr, "case %s failed\n", cases()[c].name);
        return 1;
      }
      results[c].push_back(ns);
    }
  std::printf("thread CPU time per call (entry + exit), median of %d rounds, %d calls x %d loops\n",
              rounds, calls, reps);
  std::printf("| case | ns/call | min | max | vs disabled |\n|---|---|---|---|---|\n");
  double disabled = median(results[1]);
  for (std::size_t c = 0; c < cases().size(); ++c) {
    double m = median(results[c]);
    std::printf("| %s | %.2f | %.2f | %.2f | %+.2f |\n", cases()[c].name, m,
                *std::min_element(results[c].begin(), results[c].end()),
                *std::max_element(results[c].begin(), results[c].end()), m - disabled);
  }
  return 0;
}
