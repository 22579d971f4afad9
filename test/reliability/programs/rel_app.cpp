// The program behind the reliability tests (test/reliability/*.test.mjs), instrumented with the
// autospan plugin (namespace `rel`). argv[1] picks a scenario; each prints what the test needs
// to check on stdout, one `key value...` line at a time, unbuffered:
//   T_EXIT <ns>      CLOCK_MONOTONIC just before the program leaves main or calls exit(): the
//                    test measures how long the exit itself took (Node's hrtime is the same clock)
//   produced <n>     spans the scenario produced (the receiver must get exactly these)
//   progress <ms> <n> the producer's count over time (it must never stall during an outage)
#include <autospan/autospan.h>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <csetjmp>
#include <csignal>
#include <cstdarg>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <dirent.h>
#include <dlfcn.h>
#include <map>
#include <stdexcept>
#include <string>
#include <sys/time.h>
#include <sys/wait.h>
#include <thread>
#include <time.h>
#include <unistd.h>
#include <vector>

namespace support { // not instrumented

long long mono_ns() {
  timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<long long>(ts.tv_sec) * 1000000000LL + ts.tv_nsec;
}

// One line per call, written at once: the test reads stdout while the program runs.
__attribute__((format(printf, 1, 2))) void say(const char* fmt, ...) {
  char line[512];
  va_list ap;
  va_start(ap, fmt);
  int n = std::vsnprintf(line, sizeof line - 1, fmt, ap);
  va_end(ap);
  if (n < 0)
    return;
  if (n > static_cast<int>(sizeof line) - 2)
    n = sizeof line - 2;
  line[n++] = '\n';
  ssize_t ignored = write(STDOUT_FILENO, line, static_cast<std::size_t>(n));
  (void)ignored;
}

void say_exit() {
  say("T_EXIT %lld", mono_ns());
}

int count_dir(const char* path) {
  int n = 0;
  if (DIR* d = opendir(path)) {
    while (dirent* e = readdir(d))
      n += e->d_name[0] != '.';
    closedir(d);
  }
  return n;
}

long status_field(const char* key) {
  long value = -1;
  if (std::FILE* f = std::fopen("/proc/self/status", "re")) {
    char line[256];
    std::size_t len = std::strlen(key);
    while (std::fgets(line, sizeof line, f))
      if (std::strncmp(line, key, len) == 0 && line[len] == ':')
        value = std::strtol(line + len + 1, nullptr, 10);
    std::fclose(f);
  }
  return value;
}

bool has_thread_named(const char* name) {
  bool found = false;
  if (DIR* d = opendir("/proc/self/task")) {
    while (dirent* e = readdir(d)) {
      if (e->d_name[0] == '.')
        continue;
      char path[128];
      std::snprintf(path, sizeof path, "/proc/self/task/%s/comm", e->d_name);
      if (std::FILE* f = std::fopen(path, "re")) {
        char comm[64] = {};
        if (std::fgets(comm, sizeof comm, f) && std::strncmp(comm, name, std::strlen(name)) == 0)
          found = true;
        std::fclose(f);
      }
    }
    closedir(d);
  }
  return found;
}

bool mapped(const char* path_part) {
  bool found = false;
  if (std::FILE* f = std::fopen("/proc/self/maps", "re")) {
    char line[1024];
    while (std::fgets(line, sizeof line, f))
      found |= std::strstr(line, path_part) != nullptr;
    std::fclose(f);
  }
  return found;
}

int arg_int(int argc, char** argv, int i, int fallback) {
  return argc > i ? std::atoi(argv[i]) : fallback;
}

volatile std::sig_atomic_t g_signals_handled = 0;

} // namespace support

namespace rel {

using support::say;

// ---- plain batches: return from main, exit paths ----
int unit(int i) {
  return i * 7 + 1;
}

int spans(int n) {
  int sum = 0;
  for (int i = 0; i < n; ++i)
    sum += unit(i);
  return sum;
}

// ---- outages: a producer at a fixed rate that must never block ----
int tick(int i) {
  return i ^ 0x5a;
}

long produce(int rate, int seconds) {
  const long long start = support::mono_ns();
  const long long end = start + seconds * 1000000000LL;
  long long next_report = start;
  long produced = 0;
  for (;;) {
    long long now = support::mono_ns();
    if (now >= next_report) {
      say("progress %lld %ld", (now - start) / 1000000, produced);
      next_report += 100000000LL;
    }
    if (now >= end)
      break;
    long target = static_cast<long>((now - start) * rate / 1000000000LL);
    if (produced < target) {
      tick(static_cast<int>(produced));
      ++produced;
    } else {
      std::this_thread::sleep_for(std::chrono::microseconds(200));
    }
  }
  return produced;
}

// ---- exit() from deep inside, std::terminate ----
int leaf(int x) {
  return x + 1;
}

[[noreturn]] void inner_exit() {
  leaf(1);
  support::say_exit();
  std::exit(5);
}

void middle_exit() {
  leaf(2);
  inner_exit();
}

void outer_exit() {
  leaf(3);
  middle_exit();
}

[[noreturn]] void thrower() {
  leaf(4);
  support::say_exit();
  throw std::runtime_error("nobody catches this");
}

void middle_throw() {
  thrower();
}

void outer_throw() {
  leaf(5);
  middle_throw();
}

// ---- SIGINT / SIGTERM ----
int handle_request(int i) {
  return leaf(i);
}

int serve() {
  for (int i = 0;; ++i) {
    handle_request(i);
    if (i == 20)
      say("ready");
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
    if (i > 6000)
      return 9; // never killed: the test failed to signal
  }
}

// ---- fork ----
int child_work(int i) {
  return leaf(i);
}

int child_main(int n) {
  for (int i = 0; i < n; ++i)
    child_work(i);
  // The child's own export thread, not the parent's (which does not exist here).
  bool flushed = autospan::flush(std::chrono::seconds(10));
  say("child pid %d export-thread %s flushed %d", static_cast<int>(getpid()),
      support::has_thread_named("autospan-export") ? "yes" : "no", flushed ? 1 : 0);
  return 0;
}

int after_fork(int i) {
  return leaf(i);
}

int around_fork(int n) {
  leaf(0); // recorded before fork(): the parent's only
  std::fflush(stdout);
  pid_t pid = fork();
  if (pid == 0) {
    child_main(n);
    support::say_exit();
    std::exit(0); // the child's own final flush; the frames open across fork() are the parent's
  }
  int status = 0;
  waitpid(pid, &status, 0);
  say("child exited %d", WIFEXITED(status) ? WEXITSTATUS(status) : -1);
  for (int i = 0; i < n; ++i)
    after_fork(i);
  bool flushed = autospan::flush(std::chrono::seconds(10));
  say("parent pid %d flushed %d", static_cast<int>(getpid()), flushed ? 1 : 0);
  return 0;
}

// ---- 10k short-lived threads ----
int thread_step(int i) {
  return leaf(i);
}

void thread_main(int i) {
  thread_step(i);
  thread_step(i + 1);
}

void stats(const char* label) {
  autospan::flush(std::chrono::seconds(10)); // the export thread frees exited threads' buffers
  say("stats %s threads %ld fds %d rss_kb %ld", label, support::status_field("Threads"),
      support::count_dir("/proc/self/fd"), support::status_field("VmRSS"));
}

int many_threads(int total, int wave) {
  int started = 0;
  while (started < total) {
    std::vector<std::thread> threads;
    for (int i = 0; i < wave && started < total; ++i, ++started)
      threads.emplace_back(thread_main, started);
    for (auto& t : threads)
      t.join();
    if (started == 1000)
      stats("warm");
  }
  stats("end");
  return started;
}

// ---- dlopen / dlclose ----
using ModuleRun = int (*)(int);

int load_and_run(const char* path, int round) {
  void* handle = dlopen(path, RTLD_NOW | RTLD_LOCAL);
  if (handle == nullptr) {
    say("dlopen failed: %s", dlerror());
    return -1;
  }
  auto run = reinterpret_cast<ModuleRun>(dlsym(handle, "rel_module_run"));
  int result = run ? run(round) : -1;
  dlclose(handle);
  return result;
}

int dlopen_cycles(const char* path, int cycles) {
  const char* base = std::strrchr(path, '/');
  base = base ? base + 1 : path;
  int unloaded = 0;
  for (int round = 0; round < cycles; ++round) {
    load_and_run(path, round);
    unloaded += support::mapped(base) ? 0 : 1;
  }
  say("unloaded %d of %d", unloaded, cycles);
  return 0;
}

// ---- re-entry: user callbacks run by the runtime, signal handlers ----
int nested_inject(int depth);

struct Setter {
  int depth;
  int* calls;
  // The runtime calls this while it is busy: instrumented code here must neither recurse nor
  // deadlock (it re-enters the runtime through inject, current_context and flush).
  void operator()(const char* key, const char* value) const {
    ++*calls;
    leaf(static_cast<int>(std::strlen(key) + std::strlen(value)));
    if (depth < 3)
      nested_inject(depth + 1);
    (void)autospan::current_context();
    (void)autospan::flush(std::chrono::milliseconds(200));
  }
};

int nested_inject(int depth) {
  int calls = 0;
  autospan::inject(Setter{depth, &calls});
  return calls;
}

struct Getter {
  std::string operator()(const char* key) const {
    leaf(1);
    std::map<std::string, std::string> inner;
    autospan::inject(inner); // re-enters the runtime from inside extract()
    return std::strcmp(key, "traceparent") == 0 ? inner["traceparent"] : std::string();
  }
};

int propagate() {
  int calls = nested_inject(0);
  autospan::Context c = autospan::extract(Getter{});
  say("callbacks %d extracted %d", calls, c.is_valid() ? 1 : 0);
  return calls;
}

int on_signal(int n) {
  return leaf(n);
}

void handle_alarm(int) {
  int saved = errno;
  on_signal(static_cast<int>(support::g_signals_handled));
  support::g_signals_handled = support::g_signals_handled + 1;
  errno = saved;
}

// About 10 us of work per call: the main loop stays inside instrumented code (and its enter and
// exit) most of the time, at a span rate the export keeps up with.
int busy_work(int i) {
  const long long until = support::mono_ns() + 10000;
  unsigned x = static_cast<unsigned>(i); // wraps: no signed overflow under UBSan
  while (support::mono_ns() < until)
    x = x * 31 + 7;
  return static_cast<int>(x & 0x7fffffff);
}

int under_signals(int ms) {
  struct sigaction sa {};
  sa.sa_handler = handle_alarm;
  sigemptyset(&sa.sa_mask);
  sa.sa_flags = SA_RESTART;
  sigaction(SIGALRM, &sa, nullptr);
  itimerval timer{{0, 100}, {0, 100}}; // every 100 us: lands inside enter, exit and the runtime
  setitimer(ITIMER_REAL, &timer, nullptr);
  const long long end = support::mono_ns() + ms * 1000000LL;
  int iterations = 0;
  while (support::mono_ns() < end) {
    busy_work(iterations);
    if (iterations % 1000 == 0) {
      autospan::Span manual("rel.manual"); // the manual API's slow paths, under signals too
      manual.set_attribute("iteration", static_cast<std::int64_t>(iterations));
      if (iterations == 50000)
        (void)autospan::flush(std::chrono::seconds(5));
    }
    ++iterations;
  }
  itimerval off{};
  setitimer(ITIMER_REAL, &off, nullptr);
  say("iterations %d signals %d", iterations, static_cast<int>(support::g_signals_handled));
  return iterations;
}

// ---- longjmp (also out of a signal handler) ----
std::jmp_buf g_jump;
sigjmp_buf g_sigjump;

[[noreturn]] void jump_from_deep() {
  std::longjmp(g_jump, 1);
}

void deep_for_jump() {
  jump_from_deep();
}

int after_jump() {
  return leaf(1);
}

void jump_out_of_handler(int) {
  siglongjmp(g_sigjump, 1);
}

void raises_signal() {
  leaf(2);
  raise(SIGUSR1);
}

int jumps(int rounds) {
  int n = 0;
  for (int i = 0; i < rounds; ++i) {
    if (setjmp(g_jump) == 0)
      deep_for_jump();
    n += after_jump();
  }
  signal(SIGUSR1, jump_out_of_handler);
  if (sigsetjmp(g_sigjump, 1) == 0)
    raises_signal();
  n += after_jump();
  return n;
}

} // namespace rel

int main(int argc, char** argv) {
  using support::arg_int;
  const char* mode = argc > 1 ? argv[1] : "";
  if (std::strcmp(mode, "spans") == 0 || std::strcmp(mode, "flush") == 0) {
    int n = arg_int(argc, argv, 2, 10);
    rel::spans(n);
    support::say("produced %d", n + 1);
    if (std::strcmp(mode, "flush") == 0) {
      long long t0 = support::mono_ns();
      bool ok = autospan::flush(std::chrono::seconds(60));
      support::say("flush ok %d ms %lld", ok ? 1 : 0, (support::mono_ns() - t0) / 1000000);
    }
    support::say_exit();
    return 0;
  }
  if (std::strcmp(mode, "produce") == 0) {
    long n = rel::produce(arg_int(argc, argv, 2, 1000), arg_int(argc, argv, 3, 1));
    support::say("produced %ld", n);
    support::say_exit();
    return 0;
  }
  if (std::strcmp(mode, "exit-deep") == 0)
    rel::outer_exit();
  if (std::strcmp(mode, "terminate") == 0)
    rel::outer_throw();
  if (std::strcmp(mode, "signal") == 0)
    return rel::serve();
  if (std::strcmp(mode, "fork") == 0)
    return rel::around_fork(arg_int(argc, argv, 2, 50));
  if (std::strcmp(mode, "threads") == 0) {
    rel::many_threads(arg_int(argc, argv, 2, 10000), arg_int(argc, argv, 3, 50));
    return 0;
  }
  if (std::strcmp(mode, "dlopen") == 0 && argc > 2)
    return rel::dlopen_cycles(argv[2], arg_int(argc, argv, 3, 3));
  if (std::strcmp(mode, "reentry-callback") == 0) {
    rel::propagate();
    return 0;
  }
  if (std::strcmp(mode, "reentry-signal") == 0) {
    rel::under_signals(arg_int(argc, argv, 2, 1000));
    return 0;
  }
  if (std::strcmp(mode, "longjmp") == 0) {
    support::say("result %d", rel::jumps(arg_int(argc, argv, 2, 3)));
    return 0;
  }
  std::fprintf(stderr, "usage: %s MODE [ARGS]\n", argv[0]);
  return 2;
}
