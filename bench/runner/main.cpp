// autospan_bench: builds nothing, runs everything. Starts the variant binaries once per scenario
// with the scenario's environment, the OTLP sink, the compiler on a generated TU, and prints
// Markdown tables (docs/performance.md is a copy of a run) ending with the issue targets.
//
//   autospan_bench [--quick | --smoke] [--only=hot,callgrind,export,compile,compile-instructions]
//   [--verbose]
//
// --quick: fewer calls and repetitions (a few minutes). --smoke: tiny counts, checks that the
// harness works (processes succeed, outputs parse, no span lost silently); the exit status is 1
// on a harness failure, never because of a timing.
#include "bench_paths.h"
#include "suites.h"
#include "table.h"

#include <sys/utsname.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <fstream>
#include <regex>
#include <set>
#include <sstream>

namespace autospan_bench {

void Context::fail(const std::string& what) {
  failures.push_back(what);
  std::fprintf(stderr, "autospan_bench: FAILED: %s\n", what.c_str());
}

void Context::progress(const std::string& what) const {
  std::fprintf(stderr, "  .. %s\n", what.c_str());
}

void Context::section(const std::string& heading, const std::string& body) const {
  std::printf("\n### %s\n\n%s", heading.c_str(), body.c_str());
  std::fflush(stdout);
}

long dropped_from_stderr(const std::string& err) {
  static const std::regex re("dropped ([0-9]+) span");
  std::smatch m;
  long total = 0;
  for (auto it = err.cbegin(); std::regex_search(it, err.cend(), m, re); it = m.suffix().first)
    total += std::strtol(m[1].str().c_str(), nullptr, 10);
  return total;
}

ProcessResult run_checked(Context& ctx, const std::string& what,
                          const std::vector<std::string>& argv, const Env& env) {
  if (ctx.verbose) {
    std::string line;
    for (const auto& kv : env)
      line += kv.first + "=" + kv.second + " ";
    for (const auto& a : argv)
      line += a + " ";
    std::fprintf(stderr, "  $ %s\n", line.c_str());
  }
  ProcessResult r = run_process(argv, env);
  if (r.exit_code != 0) {
    // The last lines of its stderr say why; the whole of it can be long (valgrind).
    std::size_t cut = r.err.size();
    for (int lines = 0; cut > 0 && lines < 12; ++lines)
      cut = r.err.rfind('\n', cut - 1);
    ctx.fail(what + ": exit status " + std::to_string(r.exit_code) + "\n" +
             r.err.substr(cut == std::string::npos ? 0 : cut));
  } else if (ctx.verbose && !r.err.empty())
    std::fprintf(stderr, "%s", r.err.c_str());
  return r;
}

bool stripped_copy(Context& ctx, const std::string& from, const std::string& to) {
  return run_checked(ctx, "objcopy " + from, {kObjcopyPath, "--strip-debug", from, to}, {})
             .exit_code == 0;
}

double valgrind_total(const std::string& out_file) {
  double ir = -1;
  std::ifstream in(out_file);
  for (std::string line; std::getline(in, line);)
    if (line.rfind("totals:", 0) == 0 || line.rfind("summary:", 0) == 0)
      ir = std::strtod(line.c_str() + line.find(':') + 1, nullptr);
  in.close();
  std::remove(out_file.c_str());
  return ir;
}

double median(std::vector<double> v) {
  if (v.empty())
    return -1;
  std::sort(v.begin(), v.end());
  std::size_t m = v.size() / 2;
  return v.size() % 2 ? v[m] : (v[m - 1] + v[m]) / 2;
}

namespace {

std::string first_line_of(const std::string& path, const std::string& prefix) {
  std::ifstream in(path);
  for (std::string line; std::getline(in, line);)
    if (line.rfind(prefix, 0) == 0) {
      std::size_t v = line.find(':');
      v = v == std::string::npos ? line.size() : line.find_first_not_of(' ', v + 1);
      return v == std::string::npos ? "" : line.substr(v);
    }
  return "";
}

std::string read_all(const std::string& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  std::string s = ss.str();
  while (!s.empty() && s.back() == '\n')
    s.pop_back();
  return s;
}

void print_machine(const Context& ctx, const char* mode) {
  utsname u{};
  uname(&u);
  char date[64];
  std::time_t now = std::time(nullptr);
  std::strftime(date, sizeof date, "%Y-%m-%d %H:%M UTC", std::gmtime(&now));
  std::printf("## autospan benchmark (%s mode)\n\n", mode);
  std::printf("- date: %s\n", date);
  std::printf("- machine: %s, %ld CPUs online, kernel %s\n",
              first_line_of("/proc/cpuinfo", "model name").c_str(), sysconf(_SC_NPROCESSORS_ONLN),
              u.release);
  std::printf("- load average at start: %s\n", read_all("/proc/loadavg").c_str());
  std::printf("- compiler: %s\n", kCompilerPath[0] ? kCompilerPath : "(not Clang)");
  std::printf("- variants: ");
  bool first = true;
  for (const auto& v : ctx.variants) {
    std::printf("%s%s", first ? "" : ", ", v.first.c_str());
    first = false;
  }
  std::printf("\n");
  std::fflush(stdout);
}

[[noreturn]] void usage() {
  std::fprintf(stderr, "usage: autospan_bench [--quick | --smoke] "
                       "[--only=hot,callgrind,export,compile,compile-instructions] [--verbose]\n");
  std::exit(2);
}

} // namespace
} // namespace autospan_bench

int main(int argc, char** argv) {
  using namespace autospan_bench;
  Context ctx;
  std::string mode = "full";
  std::set<std::string> only;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if (a == "--quick" || a == "--smoke")
      mode = a.substr(2);
    else if (a == "--verbose")
      ctx.verbose = true;
    else if (a.rfind("--only=", 0) == 0) {
      std::stringstream ss(a.substr(7));
      for (std::string part; std::getline(ss, part, ',');)
        only.insert(part);
    } else
      usage();
  }
  //                 calls     kept    reps procs export_s flat     eprocs cg      tu    creps
  if (mode == "full")
    ctx.sizes = {2000000, 500000, 7, 3, 3.0, 5000000, 3, 100000, 2000, 3};
  else if (mode == "quick")
    ctx.sizes = {500000, 200000, 5, 1, 1.0, 2000000, 1, 20000, 2000, 1};
  else
    ctx.sizes = {20000, 5000, 1, 1, 0.02, 20000, 1, 2000, 20, 1};
  ctx.smoke = mode == "smoke";
  for (const auto& v : kVariantPaths)
    ctx.variants[v.name] = v.path;
  auto want = [&](const char* suite) { return only.empty() || only.count(suite) != 0; };

  print_machine(ctx, mode.c_str());
  if (want("hot")) {
    run_hot_suite(ctx);
    // Issue #9's own benchmark (bench/control_paths.cpp), when built: the same paths measured
    // by alternating rounds in one run.
    if (kControlBenchPath[0] != '\0' && !ctx.smoke) {
      ctx.progress("run-time control: autospan_bench_control");
      ProcessResult r = run_checked(ctx, "autospan_bench_control", {kControlBenchPath}, {});
      if (r.exit_code == 0)
        ctx.section("Run-time control paths (autospan_bench_control)", r.out);
    }
  }
  if (want("callgrind") && !ctx.smoke)
    run_callgrind_suite(ctx);
  if (want("export"))
    run_export_suite(ctx);
  if (want("compile"))
    run_compile_suite(ctx);
  // Opt-in (~25 min under valgrind): only when named.
  if (only.count("compile-instructions") != 0)
    run_compile_instructions_suite(ctx);

  Table t({"issue target", "target", "measured", "status"});
  for (const auto& r : ctx.targets)
    t.add({r.what, r.target, r.measured, r.status});
  ctx.section("Targets (issues #3, #5 and #9)", t.empty() ? "No target measured.\n" : t.render());
  std::printf("- load average at end: %s\n", read_all("/proc/loadavg").c_str());
  if (!ctx.failures.empty()) {
    std::printf("\n%zu harness failure(s):\n", ctx.failures.size());
    for (const auto& f : ctx.failures)
      std::printf("- %s\n", f.c_str());
    return 1;
  }
  return 0;
}
