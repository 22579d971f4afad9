// The hot path: ns per call of a tiny function (entry + exit) in every build variant and runtime
// scenario, the clock floor measured in the same processes, the busy function, two producer
// threads, and instruction counts under callgrind.
#include "bench_paths.h"
#include "suites.h"
#include "table.h"

#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <map>
#include <sstream>
#include <utility>

namespace autospan_bench {
namespace {

// The runtime's kept-span path needs its export thread to drain between bursts: those scenarios
// time only the bursts and sleep in between (the uninstrumented reference is measured the same
// way).
constexpr int kBurst = 1000;
constexpr long kDrainSleepUs = 2000;

// Issue #9's runtime controls (rows added when the runtime knows the variables).
const char* const kFilterOffLabel = "plugin: off by AUTOSPAN_FILTER=benchapp=off";
const char* const kNoParentLabel = "plugin: outside a trace (AUTOSPAN_REQUIRE_PARENT=1)";
// The tiny function that is not a leaf (driver --fn=relay).
const char* const kRelayBaseLabel = "uninstrumented, tiny function that calls another";
const char* const kRelayLabel = "plugin, tiny function that calls another";

struct Scenario {
  std::string variant;
  std::string label;
  Env env;
  std::vector<std::string> args; // extra driver arguments
  bool drain = false;            // time bursts only, sleep between them
  bool autospan = false;         // reads the runtime's drop report
};

struct Measured {
  double ns = -1;  // median over processes of the per-process medians
  double min = -1; // fastest repetition seen
  long maxrss_kb = 0;
  long dropped = 0;
  std::vector<double> floor_overheads; // two rdtsc - plain, per process
  std::vector<double> per_thread;      // threads mode: per-thread medians
};

Env autospan_env(Env extra) {
  extra.emplace("OTEL_SERVICE_NAME", "autospan-bench");
  extra.emplace("OTEL_TRACES_EXPORTER", "none");
  return extra;
}

std::vector<Scenario> scenarios_for(const Context& ctx, const std::string& variant,
                                    const std::string& name) {
  std::vector<Scenario> s;
  if (!ctx.has(variant))
    return s;
  s.push_back({variant,
               name + ": disabled (OTEL_SDK_DISABLED=true)",
               autospan_env({{"OTEL_SDK_DISABLED", "true"}}),
               {},
               false,
               true});
  s.push_back({variant,
               name + ": sampled out (always_off)",
               autospan_env({{"OTEL_TRACES_SAMPLER", "always_off"}}),
               {},
               false,
               true});
  s.push_back({variant,
               name + ": filtered (AUTOSPAN_MIN_DURATION=1ms)",
               autospan_env({{"AUTOSPAN_MIN_DURATION", "1ms"}}),
               {},
               false,
               true});
  s.push_back({variant,
               name + ": kept span, exporter none (app thread)",
               autospan_env({}),
               {},
               true,
               true});
  return s;
}

// Whether the runtime library knows an environment variable (the issue #9 controls may not be
// implemented yet): its name appears in the binary's option table.
bool runtime_knows(const std::string& variable) {
  std::ifstream in(kRuntimePath, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str().find(variable) != std::string::npos;
}

// One process of a scenario, added to what earlier processes of the same scenario measured.
struct Accumulated {
  Measured m;
  std::vector<double> medians; // per process
};

void measure_process(Context& ctx, const Scenario& s, const std::string& mode, long calls,
                     Accumulated& a) {
  Measured& m = a.m;
  std::vector<std::string> argv = {
      ctx.variants.at(s.variant), "--mode=" + mode, "--n=" + std::to_string(calls),
      "--reps=" + std::to_string(ctx.sizes.reps), "--burst=" + std::to_string(kBurst)};
  if (s.drain)
    argv.push_back("--sleep-us=" + std::to_string(kDrainSleepUs));
  argv.insert(argv.end(), s.args.begin(), s.args.end());
  ProcessResult r = run_checked(ctx, s.label, argv, s.env);
  auto kv = parse_key_values(r.out);
  const char* key = mode == "busy" ? "busy_ns" : "tiny_ns";
  double v = number(kv, key);
  if (r.exit_code != 0 || v < 0) {
    if (r.exit_code == 0)
      ctx.fail(s.label + ": no " + key + " in the output");
    return;
  }
  a.medians.push_back(v);
  double mn = number(kv, std::string(key) + "_min");
  if (m.min < 0 || mn < m.min)
    m.min = mn;
  double plain = number(kv, "floor_plain_ns"), two = number(kv, "floor_rdtsc2_ns");
  if (plain > 0 && two > 0)
    m.floor_overheads.push_back(two - plain);
  for (int t = 0; kv.count("thread" + std::to_string(t) + "_ns"); ++t)
    m.per_thread.push_back(number(kv, "thread" + std::to_string(t) + "_ns"));
  m.maxrss_kb = std::max(m.maxrss_kb, static_cast<long>(number(kv, "maxrss_kb", 0)));
  m.dropped += dropped_from_stderr(r.err);
}

Measured finish(Accumulated& a) {
  if (!a.medians.empty())
    a.m.ns = median(a.medians);
  return a.m;
}

Measured measure(Context& ctx, const Scenario& s, const std::string& mode, long calls) {
  Accumulated a;
  for (int p = 0; p < ctx.sizes.processes; ++p)
    measure_process(ctx, s, mode, calls, a);
  return finish(a);
}

std::string dropped_cell(const Scenario& s, const Measured& m) {
  return s.autospan ? fmt_count(static_cast<double>(m.dropped)) : "";
}

} // namespace

void run_hot_suite(Context& ctx) {
  const Sizes& z = ctx.sizes;
  std::vector<double> floors;

  // --- tiny function, one thread ---------------------------------------------------------------
  std::vector<Scenario> rows;
  rows.push_back({"none", "uninstrumented", {}, {}, false, false});
  rows.push_back({"none", "uninstrumented, bursts timed with sleeps between", {}, {}, true, false});
  for (const auto& s : scenarios_for(ctx, "plugin", "plugin"))
    rows.push_back(s);
  // The same with rings 32x larger (4 MB per thread): the kept path without the drop path when
  // the export thread gets little CPU. Larger rings cost more (cache and TLB footprint).
  const std::string kept_no_drops =
      "plugin: kept span, exporter none, OTEL_BSP_MAX_QUEUE_SIZE=65536";
  if (ctx.has("plugin"))
    rows.push_back({"plugin",
                    kept_no_drops,
                    autospan_env({{"OTEL_BSP_MAX_QUEUE_SIZE", "65536"}}),
                    {},
                    true,
                    true});
  if (ctx.has("plugin") && runtime_knows("AUTOSPAN_FILTER"))
    rows.push_back({"plugin",
                    kFilterOffLabel,
                    autospan_env({{"AUTOSPAN_FILTER", "benchapp=off"}}),
                    {},
                    false,
                    true});
  // A tiny function that calls another one: not a small leaf, so it keeps the entry helper's
  // call (clang-plugin/exit_test_pass.h); compared with the same function uninstrumented.
  const std::vector<std::string> relay = {"--fn=relay"};
  if (ctx.has("plugin")) {
    rows.push_back({"none", kRelayBaseLabel, {}, relay, false, false});
    for (auto s : scenarios_for(ctx, "plugin", kRelayLabel)) {
      if (s.drain || s.env.count("AUTOSPAN_MIN_DURATION") != 0)
        continue; // the refused rows only
      s.args = relay;
      rows.push_back(s);
    }
  }
  if (ctx.has("plugin") && runtime_knows("AUTOSPAN_REQUIRE_PARENT"))
    rows.push_back({"plugin",
                    kNoParentLabel,
                    autospan_env({{"AUTOSPAN_REQUIRE_PARENT", "1"}}),
                    {},
                    false,
                    true});
  for (const auto& s : scenarios_for(ctx, "plugin_noplt", "plugin, -fno-plt"))
    rows.push_back(s);
  for (const auto& s : scenarios_for(ctx, "plugin_inline", "plugin, inline-checks"))
    rows.push_back(s);
  for (const auto& s : scenarios_for(ctx, "plugin_static", "plugin, static runtime"))
    rows.push_back(s);
  for (const auto& s : scenarios_for(ctx, "macro", "AUTOSPAN_FUNCTION() macro"))
    rows.push_back(s);
  for (const auto& s : scenarios_for(ctx, "abi_v1", "ABI v1 code shape (before)"))
    rows.push_back(s);
  if (ctx.has("cyg_empty"))
    rows.push_back({"cyg_empty", "-finstrument-functions, empty hooks", {}, {}, false, false});
  if (ctx.has("cyg_record"))
    rows.push_back(
        {"cyg_record", "-finstrument-functions, rdtsc tracer hooks", {}, {}, false, false});
  if (ctx.has("xray")) {
    rows.push_back({"xray", "XRay, unpatched sleds", {}, {"--xray=off"}, false, false});
    rows.push_back({"xray", "XRay, patched, empty handler", {}, {"--xray=empty"}, false, false});
    rows.push_back(
        {"xray", "XRay, patched, rdtsc tracer handler", {}, {"--xray=record"}, false, false});
  }

  // Processes go round the rows (row 1 process 1, row 2 process 1, ..., row 1 process 2, ...),
  // after one unmeasured warm-up process: what the machine does for a minute then weighs on every
  // row alike, not on whichever row ran in it (the first rows used to pay for a machine still
  // busy from the build).
  if (!rows.empty()) {
    Accumulated warm_up;
    ctx.progress("hot path: warm-up");
    measure_process(ctx, rows[0], "calls", z.calls, warm_up);
  }
  std::vector<Accumulated> accumulated(rows.size());
  for (int p = 0; p < z.processes; ++p) {
    for (std::size_t i = 0; i < rows.size(); ++i) {
      const Scenario& s = rows[i];
      ctx.progress("hot path: " + s.label + " (process " + std::to_string(p + 1) + " of " +
                   std::to_string(z.processes) + ")");
      measure_process(ctx, s, "calls", s.drain ? z.kept_calls : z.calls, accumulated[i]);
    }
  }
  std::vector<Measured> results;
  for (auto& a : accumulated) {
    results.push_back(finish(a));
    floors.insert(floors.end(), results.back().floor_overheads.begin(),
                  results.back().floor_overheads.end());
  }
  double base = results[0].ns, base_drain = results[1].ns;
  double floor = floors.empty() ? -1 : median(floors);
  ctx.results["floor"] = floor;
  ctx.results["base"] = base;

  Table t({"build / scenario", "ns per call", "over uninstrumented", "÷ clock floor", "dropped"});
  t.add({"clock floor: two rdtsc (same processes)", fmt(floor, 2), fmt(floor, 2), "1.00x", ""});
  for (std::size_t i = 0; i < rows.size(); ++i) {
    const Scenario& s = rows[i];
    const Measured& m = results[i];
    // The uninstrumented row timed the same way, on the same function.
    double ref = s.drain ? base_drain : base;
    for (std::size_t j = 0; j < rows.size(); ++j)
      if (rows[j].variant == "none" && rows[j].args == s.args && rows[j].drain == s.drain) {
        ref = results[j].ns;
        break;
      }
    double over = m.ns >= 0 && ref >= 0 ? m.ns - ref : -1e300;
    bool is_base = s.variant == "none";
    t.add({s.label, fmt(m.ns, 2), is_base ? "" : (over > -1e299 ? fmt_signed(over, 2) : "n/a"),
           is_base || floor <= 0 || over < -1e299 ? "" : fmt_ratio(over / floor),
           dropped_cell(s, m)});
    if (over > -1e299)
      ctx.results["over:" + s.label] = over;
  }
  ctx.section("Hot path: one call of a tiny function (entry + exit), one thread",
              t.render() + "\nThread CPU time per call, median of " + std::to_string(z.reps) +
                  " repetitions x " + std::to_string(z.processes) +
                  " process(es) (one process of each row in turn, after an unmeasured warm-up), " +
                  std::to_string(z.calls) + " calls each (" + std::to_string(z.kept_calls) +
                  " for the rows timed in bursts). \"÷ clock floor\" is the overhead divided by "
                  "the cost of two rdtsc reads added to the same tiny function. Kept-span rows "
                  "are compared with the uninstrumented build timed the same way (bursts of " +
                  std::to_string(kBurst) + " calls, " + std::to_string(kDrainSleepUs) +
                  " us sleep between bursts so the export thread drains).\n");

  auto over_of = [&](const std::string& label) {
    auto it = ctx.results.find("over:" + label);
    return it == ctx.results.end() ? -1e300 : it->second;
  };
  auto status = [](bool ok) { return std::string(ok ? "met" : "NOT met"); };
  double disabled = over_of("plugin: disabled (OTEL_SDK_DISABLED=true)");
  double sampled = over_of("plugin: sampled out (always_off)");
  double filtered = over_of("plugin: filtered (AUTOSPAN_MIN_DURATION=1ms)");
  double kept = over_of("plugin: kept span, exporter none (app thread)");
  double kept_big = over_of(kept_no_drops);
  double filter_off = over_of(kFilterOffLabel);
  double no_parent = over_of(kNoParentLabel);
  if (disabled > -1e299)
    ctx.targets.push_back({"disabled, over uninstrumented", "<= 2 ns",
                           fmt_signed(disabled, 2) + " ns", status(disabled <= 2)});
  if (sampled > -1e299)
    ctx.targets.push_back({"sampled out, over uninstrumented", "<= 2 ns",
                           fmt_signed(sampled, 2) + " ns", status(sampled <= 2)});
  // The same two for a tiny function that is not a leaf (the helper call), and with the
  // plugin's inline-checks (an opt-in that costs compile time).
  const std::pair<std::string, std::string> refused_rows[] = {
      {kRelayLabel, "not a leaf"}, {"plugin, inline-checks", "inline-checks"}};
  for (const auto& [row, name] : refused_rows)
    for (const char* what : {"disabled (OTEL_SDK_DISABLED=true)", "sampled out (always_off)"}) {
      const double v = over_of(row + ": " + what);
      if (v > -1e299)
        ctx.targets.push_back({name + ": " + what + ", over uninstrumented", "<= 2 ns",
                               fmt_signed(v, 2) + " ns", status(v <= 2)});
    }
  if (filtered > -1e299 && floor > 0)
    ctx.targets.push_back(
        {"filtered, overhead / two-clock-read floor", "<= 1.3x",
         fmt(filtered, 2) + " / " + fmt(floor, 2) + " ns = " + fmt_ratio(filtered / floor),
         status(filtered / floor <= 1.3)});
  if (filter_off > -1e299 && disabled > -1e299)
    ctx.targets.push_back({"off by AUTOSPAN_FILTER, vs disabled (issue #9)", "within 1 ns",
                           fmt_signed(filter_off - disabled, 2) + " ns",
                           status(filter_off - disabled <= 1)});
  if (no_parent > -1e299 && disabled > -1e299)
    ctx.targets.push_back({"outside a trace with AUTOSPAN_REQUIRE_PARENT, vs disabled (issue #9)",
                           "within 1 ns", fmt_signed(no_parent - disabled, 2) + " ns",
                           status(no_parent - disabled <= 1)});
  if (kept > -1e299)
    ctx.targets.push_back({"kept span, application thread (default sizes)", "<= 30 ns",
                           fmt(kept, 2) + " ns", status(kept <= 30)});
  if (kept_big > -1e299)
    ctx.targets.push_back({"kept span, application thread (65536-record rings)", "<= 30 ns",
                           fmt(kept_big, 2) + " ns", status(kept_big <= 30)});

  // --- the busy function ---------------------------------------------------------------------
  std::vector<Scenario> busy_rows = {{"none", "uninstrumented", {}, {}, false, false}};
  if (ctx.has("plugin")) {
    busy_rows.push_back({"plugin",
                         "plugin: filtered (AUTOSPAN_MIN_DURATION=1ms)",
                         autospan_env({{"AUTOSPAN_MIN_DURATION", "1ms"}}),
                         {},
                         false,
                         true});
    busy_rows.push_back({"plugin",
                         kept_no_drops,
                         autospan_env({{"OTEL_BSP_MAX_QUEUE_SIZE", "65536"}}),
                         {},
                         true,
                         true});
  }
  if (ctx.has("cyg_record"))
    busy_rows.push_back(
        {"cyg_record", "-finstrument-functions, rdtsc tracer hooks", {}, {}, false, false});
  if (ctx.has("xray"))
    busy_rows.push_back(
        {"xray", "XRay, patched, rdtsc tracer handler", {}, {"--xray=record"}, false, false});
  Table b({"build / scenario", "ns per call", "overhead ns", "overhead %", "dropped"});
  double busy_base = -1;
  long busy_calls = std::max(1000L, z.kept_calls / 10);
  for (const auto& s : busy_rows) {
    ctx.progress("busy function: " + s.label);
    Measured m = measure(ctx, s, "busy", busy_calls);
    if (busy_base < 0) {
      busy_base = m.ns;
      b.add({s.label, fmt(m.ns, 1), "", "", ""});
      continue;
    }
    double over = m.ns - busy_base;
    b.add({s.label, fmt(m.ns, 1), fmt_signed(over, 1),
           busy_base > 0 ? fmt_signed(100 * over / busy_base, 1) + " %" : "n/a",
           dropped_cell(s, m)});
  }
  ctx.section(
      "Relative cost on a function doing ~70 ns of work",
      b.render() +
          "\nbenchapp::busy: a 64-step dependent multiply-add chain. The kept "
          "row times bursts with sleeps between them, with larger rings (the uninstrumented "
          "reference does not sleep, so cache effects of sleeping count "
          "against autospan there).\n");

  // --- two producer threads --------------------------------------------------------------------
  struct ThreadRow {
    Scenario s;
    std::string one_thread_label; // the one-thread row above
  };
  std::vector<ThreadRow> trows = {
      {{"none", "uninstrumented", {}, {"--threads=2"}, false, false}, "uninstrumented"}};
  trows.push_back({{"none", "uninstrumented, bursts timed", {}, {"--threads=2"}, true, false},
                   "uninstrumented, bursts timed with sleeps between"});
  if (ctx.has("plugin")) {
    trows.push_back({{"plugin",
                      "plugin: filtered",
                      autospan_env({{"AUTOSPAN_MIN_DURATION", "1ms"}}),
                      {"--threads=2"},
                      false,
                      true},
                     "plugin: filtered (AUTOSPAN_MIN_DURATION=1ms)"});
    trows.push_back({{"plugin",
                      "plugin: kept span, exporter none",
                      autospan_env({}),
                      {"--threads=2"},
                      true,
                      true},
                     "plugin: kept span, exporter none (app thread)"});
  }
  Table th({"scenario", "1 thread: ns per call", "2 threads: ns per call per thread",
            "overhead 1 thread", "overhead 2 threads", "2 / 1"});
  double base2 = -1, base2_drain = -1;
  for (std::size_t i = 0; i < trows.size(); ++i) {
    const ThreadRow& r = trows[i];
    ctx.progress("two threads: " + r.s.label);
    Measured m = measure(ctx, r.s, "threads", r.s.drain ? z.kept_calls : z.calls);
    std::size_t one = 0;
    while (one < rows.size() && rows[one].label != r.one_thread_label)
      ++one;
    double ns1 = one < rows.size() ? results[one].ns : -1;
    if (i == 0)
      base2 = m.ns;
    if (i == 1)
      base2_drain = m.ns;
    if (i < 2) {
      th.add({r.s.label, fmt(ns1, 2), fmt(m.ns, 2), "", "", ""});
      continue;
    }
    double o1 = ns1 - (r.s.drain ? base_drain : base);
    double o2 = m.ns - (r.s.drain ? base2_drain : base2);
    th.add({r.s.label, fmt(ns1, 2), fmt(m.ns, 2), fmt_signed(o1, 2), fmt_signed(o2, 2),
            o1 > 0 ? fmt_ratio(o2 / o1) : "n/a"});
    if (r.s.drain && o1 > 0)
      ctx.targets.push_back({"two producers: kept-span cost per thread vs one",
                             "unchanged (<= 1.15x)",
                             fmt(o2, 2) + " vs " + fmt(o1, 2) + " ns = " + fmt_ratio(o2 / o1),
                             status(o2 / o1 <= 1.15)});
  }
  ctx.section("Two producer threads at once",
              th.render() + "\nEach thread runs the same loop; per-thread CPU time. With 2 "
                            "cores shared with the export thread (and other load), the threads "
                            "do not always run side by side.\n");
}

// --- callgrind ------------------------------------------------------------------------------
namespace {

// Callgrind runs copies without debug info (stripped_copy); the runtime's copy is found first
// through LD_LIBRARY_PATH (the binaries use RUNPATH).

// Instructions collected inside benchapp::run_tiny, and the tiny calls made; -1 on failure.
std::pair<double, double> callgrind_once(Context& ctx, const Scenario& s, const std::string& exe,
                                         const std::string& libdir, long calls,
                                         const std::string& out) {
  std::vector<std::string> argv = {kValgrindPath,
                                   "--tool=callgrind",
                                   "--callgrind-out-file=" + out,
                                   "--toggle-collect=benchapp::run_tiny*",
                                   "--smc-check=all",
                                   exe,
                                   "--mode=calls",
                                   "--n=" + std::to_string(calls),
                                   "--reps=1",
                                   "--burst=" + std::to_string(kBurst)};
  argv.insert(argv.end(), s.args.begin(), s.args.end());
  Env env = s.env;
  env["LD_LIBRARY_PATH"] = libdir;
  // Under valgrind the export thread is far slower than the producer: a ring that holds every
  // span of the run keeps the kept-span rows on the kept path (not the drop path).
  if (s.drain)
    env["OTEL_BSP_MAX_QUEUE_SIZE"] = "262144";
  ProcessResult r = run_checked(ctx, "callgrind " + s.label, argv, env);
  const double ir = valgrind_total(out);
  if (r.exit_code != 0)
    return {-1, -1};
  return {ir, number(parse_key_values(r.out), "tiny_calls")};
}

} // namespace

void run_callgrind_suite(Context& ctx) {
  if (kValgrindPath[0] == '\0' || kObjcopyPath[0] == '\0') {
    ctx.section("Instructions per call (callgrind)", "valgrind or objcopy not found: skipped.\n");
    return;
  }
  std::vector<Scenario> rows = {{"none", "uninstrumented", {}, {}, false, false}};
  for (const auto& s : scenarios_for(ctx, "plugin", "plugin"))
    rows.push_back(s);
  for (const auto& s : scenarios_for(ctx, "plugin_static", "plugin, static runtime"))
    rows.push_back(s);
  for (const auto& s : scenarios_for(ctx, "abi_v1", "ABI v1 code shape (before)"))
    rows.push_back(s);
  if (ctx.has("cyg_empty"))
    rows.push_back({"cyg_empty", "-finstrument-functions, empty hooks", {}, {}, false, false});
  if (ctx.has("cyg_record"))
    rows.push_back(
        {"cyg_record", "-finstrument-functions, rdtsc tracer hooks", {}, {}, false, false});
  if (ctx.has("xray")) {
    rows.push_back({"xray", "XRay, unpatched sleds", {}, {"--xray=off"}, false, false});
    rows.push_back({"xray", "XRay, patched, empty handler", {}, {"--xray=empty"}, false, false});
    rows.push_back(
        {"xray", "XRay, patched, rdtsc tracer handler", {}, {"--xray=record"}, false, false});
  }
  char dir_template[] = "/tmp/autospan-bench-cg-XXXXXX";
  const char* dir_c = mkdtemp(dir_template);
  if (dir_c == nullptr) {
    ctx.fail("callgrind: cannot create a temporary directory");
    return;
  }
  const std::string dir = dir_c;
  std::string runtime_name = kRuntimePath;
  runtime_name = runtime_name.substr(runtime_name.rfind('/') + 1);
  // The binaries ask for the SONAME (libautospan.so.0); the file is libautospan.so.0.x.y.
  std::string soname = runtime_name.substr(0, runtime_name.find(".so.") + 5);
  std::vector<std::string> cleanup = {dir + "/" + soname};
  bool ok = stripped_copy(ctx, kRuntimePath, cleanup.back());
  std::map<std::string, std::string> copies;
  for (const auto& v : ctx.variants) {
    std::string to = dir + "/" + v.first;
    if (ok && stripped_copy(ctx, v.second, to)) {
      copies[v.first] = to;
      cleanup.push_back(to);
    }
  }

  Table t({"build / scenario", "instructions per call", "over uninstrumented"});
  double base = -1;
  long n = ctx.sizes.callgrind_calls;
  for (std::size_t i = 0; i < rows.size(); ++i) {
    const Scenario& s = rows[i];
    if (!copies.count(s.variant))
      continue;
    ctx.progress("callgrind: " + s.label);
    // Two runs, n and 2n calls: the difference excludes one-time work (initialisation, the
    // first call of each site, ring allocation).
    std::string out = dir + "/callgrind.out";
    auto one = callgrind_once(ctx, s, copies[s.variant], dir, n, out);
    auto two = callgrind_once(ctx, s, copies[s.variant], dir, 2 * n, out);
    if (one.first < 0 || two.first < 0 || two.second <= one.second) {
      ctx.fail("callgrind " + s.label + ": no instruction total");
      t.add({s.label, "n/a", ""});
      continue;
    }
    double per = (two.first - one.first) / (two.second - one.second);
    if (i == 0)
      base = per;
    t.add({s.label, fmt(per, 1), i == 0 ? "" : fmt_signed(per - base, 1)});
  }
  for (const auto& f : cleanup)
    std::remove(f.c_str());
  rmdir(dir.c_str());
  ctx.section(
      "Instructions per call (callgrind)",
      t.render() +
          "\nInstructions executed inside benchapp::run_tiny (its loop, tiny, "
          "and everything they call) per tiny call: the difference between runs "
          "of " +
          std::to_string(n) + " and " + std::to_string(2 * n) +
          " calls, so one-time work is excluded. Kept-span rows run with "
          "OTEL_BSP_MAX_QUEUE_SIZE=262144 so that no span is dropped. Deterministic, unlike "
          "the timings; no cache or branch effects.\n");
}

} // namespace autospan_bench
