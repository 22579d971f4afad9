// Compile-time cost of the plugin on a large generated TU: each phase (front end only, IR
// generation, -O0, -O2) compiled uninstrumented, with the plugin selecting nothing (its AST
// traversal alone) and with the plugin selecting every function. CPU time of the compiler
// process (user + system), median of the repetitions, configurations interleaved.
//
// Then the same on real code: Catch2 v2's implementation (the single header the `catch2` package
// installs, ~18 000 lines, compiled with CATCH_CONFIG_MAIN), namespace Catch selected. The
// header marks itself a system header, which the plugin never instruments: the copy compiled
// here has that pragma removed, nothing else.
#include "bench_paths.h"
#include "suites.h"
#include "table.h"

#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <map>
#include <sstream>

namespace autospan_bench {
namespace {

struct Config {
  std::string label;
  std::vector<std::string> flags;
};

struct Phase {
  std::string label;
  std::vector<std::string> flags;
  bool object; // writes an object file whose size is reported
};

// -ftime-report: {section, timer} -> user + system seconds. Sections are headed by a name line
// between two "===---" rules; timer lines end with the timer's name after four columns.
using TimeReport = std::map<std::pair<std::string, std::string>, double>;

TimeReport parse_time_report(const std::string& text) {
  TimeReport out;
  std::istringstream in(text);
  std::string line, section;
  bool after_rule = false;
  while (std::getline(in, line)) {
    bool rule = line.rfind("===-", 0) == 0;
    if (!rule && after_rule && line.find("Total Execution Time") == std::string::npos) {
      std::size_t b = line.find_first_not_of(' ');
      if (b != std::string::npos)
        section = line.substr(b);
    }
    after_rule = rule;
    // "  12.6016 ( 98.2%)   1.0663 ( 98.5%)  13.6679 ( 98.2%)  99.0283 ( 99.2%)  Name"
    std::istringstream cols(line);
    double user, sys, both, wall;
    auto read_col = [&](double& v) {
      if (!(cols >> v))
        return false;
      std::string tok;
      // "( 98.2%)" may be split into "(" and "98.2%)".
      while (cols >> tok && tok.back() != ')') {
      }
      return static_cast<bool>(cols);
    };
    if (section.empty() || !read_col(user) || !read_col(sys) || !read_col(both) || !read_col(wall))
      continue;
    std::string name;
    std::getline(cols, name);
    std::size_t b = name.find_first_not_of(' ');
    if (b == std::string::npos)
      continue;
    out[{section, name.substr(b)}] += both;
  }
  return out;
}

double timer(const TimeReport& r, const std::string& section, const std::string& name) {
  auto it = r.find({section, name});
  return it == r.end() ? -1 : it->second;
}

long file_size(const std::string& path) {
  struct stat st {};
  return stat(path.c_str(), &st) == 0 ? static_cast<long>(st.st_size) : -1;
}

// Compiles `tu` in every phase and configuration (configurations interleaved, compile_reps
// times each), adds a row per phase to `t` (the first configuration is the baseline; the third is
// the plugin selecting `selection`), and for -O0 and -O2 a target row named after `subject`.
void measure_phases(Context& ctx, const std::string& subject, const std::string& selection,
                    const std::vector<std::string>& extra, const std::string& tu,
                    const std::string& obj, const std::vector<Config>& configs,
                    const std::vector<Phase>& phases, Table& t) {
  for (const Phase& ph : phases) {
    std::vector<std::vector<double>> times(configs.size());
    std::vector<long> sizes(configs.size(), -1);
    for (int rep = 0; rep < ctx.sizes.compile_reps; ++rep) {
      for (std::size_t c = 0; c < configs.size(); ++c) {
        ctx.progress("compile " + subject + ": " + ph.label + ", " + configs[c].label);
        std::vector<std::string> argv = {kCompilerPath, "-std=c++17"};
        argv.insert(argv.end(), extra.begin(), extra.end());
        argv.insert(argv.end(), configs[c].flags.begin(), configs[c].flags.end());
        argv.insert(argv.end(), ph.flags.begin(), ph.flags.end());
        argv.push_back(tu);
        ProcessResult r = run_checked(
            ctx, "compile " + subject + " " + ph.label + " " + configs[c].label, argv, {});
        if (r.exit_code != 0)
          continue;
        times[c].push_back(r.cpu_s);
        if (ph.object)
          sizes[c] = file_size(obj);
      }
    }
    std::vector<double> med(configs.size(), -1);
    for (std::size_t c = 0; c < configs.size(); ++c)
      if (!times[c].empty())
        med[c] = median(times[c]);
    auto ratio = [&](std::size_t c) { return med[0] > 0 && med[c] > 0 ? med[c] / med[0] : -1.0; };
    t.add({ph.label, fmt(med[0], 2), fmt(med[1], 2), fmt_ratio(ratio(1)), fmt(med[2], 2),
           fmt_ratio(ratio(2)),
           ph.object && sizes[0] > 0 && sizes[2] > 0
               ? fmt_ratio(static_cast<double>(sizes[2]) / static_cast<double>(sizes[0]))
               : ""});
    if ((ph.label == "-O0 -c" || ph.label == "-O2 -c") && ratio(2) > 0)
      ctx.targets.push_back(
          {"compile time, " + subject + " at " + ph.label.substr(0, 3) + ", plugin selecting " +
               selection,
           "<= 1.05x",
           fmt_ratio(ratio(2)) + " (" + fmt(med[0], 2) + " s -> " + fmt(med[2], 2) + " s)",
           ratio(2) <= 1.05 ? "met" : "NOT met"});
  }
}

constexpr const char* kCatchHeader = "/usr/include/catch2/catch.hpp";

// A copy of Catch2's single header without its system_header pragma, and a TU compiling its
// implementation, in a temporary directory.
struct CatchTu {
  std::string dir, sub, header, tu, obj;
  long lines = 0;
};

// Writes the copy; false (with the section or failure recorded) when it cannot.
bool write_catch_tu(Context& ctx, const std::string& title, CatchTu& c) {
  FILE* in = std::fopen(kCatchHeader, "r");
  if (in == nullptr) {
    ctx.section(title, std::string("Needs ") + kCatchHeader + " (Debian: catch2): skipped.\n");
    return false;
  }
  char dir_template[] = "/tmp/autospan-bench-catch-XXXXXX";
  const char* dir = mkdtemp(dir_template);
  if (dir == nullptr) {
    std::fclose(in);
    ctx.fail("compile: cannot create a temporary directory");
    return false;
  }
  c.dir = dir;
  c.sub = c.dir + "/catch2";
  c.header = c.sub + "/catch.hpp";
  c.tu = c.dir + "/catch_main.cpp";
  c.obj = c.dir + "/catch_main.o";
  mkdir(c.sub.c_str(), 0700);
  FILE* out = std::fopen(c.header.c_str(), "w");
  char line[4096];
  while (out != nullptr && std::fgets(line, sizeof line, in) != nullptr) {
    ++c.lines;
    if (std::strstr(line, "pragma clang system_header") == nullptr &&
        std::strstr(line, "pragma GCC system_header") == nullptr)
      std::fputs(line, out);
  }
  std::fclose(in);
  FILE* main_file = std::fopen(c.tu.c_str(), "w");
  if (out == nullptr || main_file == nullptr) {
    if (out)
      std::fclose(out);
    if (main_file)
      std::fclose(main_file);
    ctx.fail("compile: cannot write the Catch2 copy");
    return false;
  }
  std::fclose(out);
  std::fputs("#define CATCH_CONFIG_MAIN\n#include \"catch2/catch.hpp\"\n", main_file);
  std::fclose(main_file);
  return true;
}

void remove_catch_tu(const CatchTu& c) {
  std::remove(c.header.c_str());
  std::remove(c.tu.c_str());
  std::remove(c.obj.c_str());
  rmdir(c.sub.c_str());
  rmdir(c.dir.c_str());
}

// Catch2's implementation TU, with and without the plugin selecting Catch::**.
void run_real_code(Context& ctx) {
  const std::string title = "Compile time: real code (Catch2 v2's implementation)";
  CatchTu c;
  if (!write_catch_tu(ctx, title, c))
    return;
  const std::string& dir = c.dir;
  const std::string& tu = c.tu;
  const std::string& obj = c.obj;
  const long lines = c.lines;
  std::string plugin = std::string("-fplugin=") + kPluginPath;
  std::vector<Config> configs = {
      {"uninstrumented", {}},
      {"plugin, selects nothing", {plugin, "-fplugin-arg-autospan-namespace=nothing_here"}},
      {"plugin, selects Catch::**", {plugin, "-fplugin-arg-autospan-namespace=Catch::**"}}};
  std::vector<Phase> phases = {{"-O0 -c", {"-O0", "-c", "-o", obj}, true},
                               {"-O2 -c", {"-O2", "-c", "-o", obj}, true}};
  if (ctx.smoke)
    phases.pop_back(); // the harness check: ~10 s instead of ~40 s
  Table t({"phase", "uninstrumented s", "plugin, selects nothing s", "ratio",
           "plugin, selects Catch::** s", "ratio", "object size ratio"});
  measure_phases(ctx, "real large TU (Catch2)", "Catch::**", {"-I", dir}, tu, obj, configs, phases,
                 t);
  remove_catch_tu(c);
  ctx.section(title, t.render() +
                         "\nCPU time (user + system) of one clang++ -std=c++17 process, "
                         "median of " +
                         std::to_string(ctx.sizes.compile_reps) +
                         " run(s), configurations interleaved. The TU: " + kCatchHeader + " (" +
                         std::to_string(lines) +
                         " lines, its system_header pragma removed) with CATCH_CONFIG_MAIN.\n");
}

// Instructions the compiler executes (cachegrind's Ir total; clang++ runs its cc1 in process),
// -1 on failure.
double compile_instructions(Context& ctx, const std::string& what,
                            const std::vector<std::string>& compile, const std::string& out) {
  std::vector<std::string> argv = {kValgrindPath, "--tool=cachegrind", "--cache-sim=no",
                                   "--cachegrind-out-file=" + out};
  argv.insert(argv.end(), compile.begin(), compile.end());
  ProcessResult r = run_checked(ctx, "cachegrind " + what, argv, {});
  const double ir = valgrind_total(out);
  return r.exit_code == 0 ? ir : -1;
}

} // namespace

// The compile-time ratios counted in instructions: deterministic where CPU time on a shared host
// varies by several percent from one compilation to the next. Catch2's implementation (the real
// large TU of run_compile_suite) at -O0 and -O2; --smoke: the generated TU at -O0 (a harness
// check). One compilation per configuration under valgrind's cachegrind: ~2 min at -O0 and ~6
// min at -O2 each.
void run_compile_instructions_suite(Context& ctx) {
  const std::string title = "Compile time in instructions (cachegrind)";
  if (kCompilerPath[0] == '\0' || kPluginPath[0] == '\0' || kValgrindPath[0] == '\0' ||
      kObjcopyPath[0] == '\0') {
    ctx.section(title, "Needs Clang, the plugin, valgrind and objcopy: skipped.\n");
    return;
  }
  CatchTu c;
  std::string subject = "real large TU (Catch2)", selection = "Catch::**";
  std::vector<std::string> extra;
  if (ctx.smoke) {
    char dir_template[] = "/tmp/autospan-bench-tu-XXXXXX";
    const char* dir = mkdtemp(dir_template);
    if (dir == nullptr) {
      ctx.fail("compile: cannot create a temporary directory");
      return;
    }
    c.dir = dir;
    c.tu = c.dir + "/large.cpp";
    c.obj = c.dir + "/large.o";
    run_checked(ctx, "autospan_bench_gen_tu",
                {kGenTuPath, std::to_string(ctx.sizes.tu_functions), c.tu}, {});
    subject = "generated TU";
    selection = "big";
  } else {
    if (!write_catch_tu(ctx, title, c))
      return;
    extra = {"-I", c.dir};
  }
  // The plugin is loaded from a copy without debug info (stripped_copy).
  const std::string plugin_copy = c.dir + "/autospan-plugin.so";
  if (!stripped_copy(ctx, kPluginPath, plugin_copy)) {
    remove_catch_tu(c);
    return;
  }
  const std::string plugin = "-fplugin=" + plugin_copy;
  std::vector<Config> configs = {
      {"uninstrumented", {}},
      {"plugin, selects nothing", {plugin, "-fplugin-arg-autospan-namespace=nothing_here"}},
      {"plugin, selects " + selection, {plugin, "-fplugin-arg-autospan-namespace=" + selection}},
      // The opt-in that trades compile time for refused calls without a call (not a target).
      {"the same, inline-checks",
       {plugin, "-fplugin-arg-autospan-namespace=" + selection,
        "-fplugin-arg-autospan-inline-checks"}}};
  std::vector<std::string> levels = {"-O0", "-O2"};
  if (ctx.smoke) {
    levels.pop_back();
    configs.pop_back();
  }
  Table t({"phase", "uninstrumented Ginstr", "plugin, selects nothing Ginstr", "ratio",
           "plugin, selects " + selection + " Ginstr", "ratio", "the same, inline-checks Ginstr",
           "ratio"});
  for (const std::string& level : levels) {
    std::vector<double> ir;
    for (const Config& cfg : configs) {
      ctx.progress("cachegrind " + subject + ": " + level + ", " + cfg.label);
      std::vector<std::string> argv = {kCompilerPath, "-std=c++17"};
      argv.insert(argv.end(), extra.begin(), extra.end());
      argv.insert(argv.end(), cfg.flags.begin(), cfg.flags.end());
      argv.insert(argv.end(), {level, "-c", "-o", c.obj, c.tu});
      ir.push_back(
          compile_instructions(ctx, level + " " + cfg.label, argv, c.dir + "/cachegrind.out"));
    }
    auto ratio = [&](std::size_t i) { return ir[0] > 0 && ir[i] > 0 ? ir[i] / ir[0] : -1.0; };
    const bool inl = ir.size() > 3;
    t.add({level + " -c", fmt(ir[0] / 1e9, 3), fmt(ir[1] / 1e9, 3), fmt_ratio(ratio(1), 3),
           fmt(ir[2] / 1e9, 3), fmt_ratio(ratio(2), 3), inl ? fmt(ir[3] / 1e9, 3) : "",
           inl ? fmt_ratio(ratio(3), 3) : ""});
    if (ratio(2) > 0 && !ctx.smoke)
      ctx.targets.push_back(
          {"compile instructions, " + subject + " at " + level + ", plugin selecting " + selection,
           "<= 1.05x",
           fmt_ratio(ratio(2), 3) + " (" + fmt(ir[0] / 1e9, 2) + " -> " + fmt(ir[2] / 1e9, 2) +
               " G instructions)",
           ratio(2) <= 1.05 ? "met" : "NOT met"});
  }
  std::remove(plugin_copy.c_str());
  remove_catch_tu(c);
  ctx.section(title, t.render() +
                         "\nInstructions executed by one clang++ -std=c++17 process (the driver "
                         "and its in-process cc1), counted by valgrind --tool=cachegrind "
                         "--cache-sim=no; one compilation each, deterministic to within a few "
                         "parts per million. A proxy for CPU time: it does not see cache misses, "
                         "so CPU time can grow a little more than this.\n");
}

void run_compile_suite(Context& ctx) {
  if (kCompilerPath[0] == '\0' || kPluginPath[0] == '\0') {
    ctx.section("Compile time", "Needs Clang and the plugin: skipped.\n");
    return;
  }
  char dir_template[] = "/tmp/autospan-bench-tu-XXXXXX";
  const char* dir = mkdtemp(dir_template);
  if (dir == nullptr) {
    ctx.fail("compile: cannot create a temporary directory");
    return;
  }
  std::string tu = std::string(dir) + "/large.cpp";
  std::string obj = std::string(dir) + "/large.o";
  run_checked(ctx, "autospan_bench_gen_tu",
              {kGenTuPath, std::to_string(ctx.sizes.tu_functions), tu}, {});

  std::string plugin = std::string("-fplugin=") + kPluginPath;
  std::vector<Config> configs = {
      {"uninstrumented", {}},
      {"plugin, selects nothing", {plugin, "-fplugin-arg-autospan-namespace=nothing_here"}},
      {"plugin, selects all", {plugin, "-fplugin-arg-autospan-namespace=big"}}};
  std::vector<Phase> phases = {
      {"front end only (-fsyntax-only)", {"-fsyntax-only"}, false},
      {"-O2 IR generation, no LLVM passes",
       {"-O2", "-c", "-emit-llvm", "-Xclang", "-disable-llvm-passes", "-o", obj},
       false},
      {"-O0 -c", {"-O0", "-c", "-o", obj}, true},
      {"-O2 -c", {"-O2", "-c", "-o", obj}, true}};

  Table t({"phase (" + std::to_string(ctx.sizes.tu_functions) + " functions)", "uninstrumented s",
           "plugin, selects nothing s", "ratio", "plugin, selects all s", "ratio",
           "object size ratio"});
  measure_phases(ctx, "generated worst-case TU", "all", {}, tu, obj, configs, phases, t);
  // Where the added time goes: clang's own timers, uninstrumented vs all selected, at -O2.
  std::vector<TimeReport> reports;
  for (std::size_t c : {std::size_t{0}, std::size_t{2}}) {
    ctx.progress("compile: -O2 -ftime-report, " + configs[c].label);
    std::vector<std::string> argv = {kCompilerPath,   "-std=c++17", "-O2", "-c",
                                     "-ftime-report", "-o",         obj};
    argv.insert(argv.end(), configs[c].flags.begin(), configs[c].flags.end());
    argv.push_back(tu);
    ProcessResult r = run_checked(ctx, "compile -ftime-report " + configs[c].label, argv, {});
    reports.push_back(parse_time_report(r.err));
  }
  const char* kPasses = "Pass execution timing report";
  struct Line {
    const char* label;
    const char* section;
    const char* name;
  };
  const Line lines[] = {
      {"whole compilation", "Clang front-end time report", "Clang front-end timer"},
      {"LLVM IR generation", "Miscellaneous Ungrouped Timers", "LLVM IR Generation Time"},
      {"code generation (optimiser + back end)", "Miscellaneous Ungrouped Timers",
       "Code Generation Time"},
      {"LLVM passes (optimiser + back-end passes)", kPasses, "Total"},
      {"instruction selection and scheduling", "Instruction Selection and Scheduling", "Total"}};
  Table w({"-ftime-report at -O2", "uninstrumented s", "plugin, selects all s", "added s"});
  for (const Line& l : lines) {
    double a = timer(reports[0], l.section, l.name), b = timer(reports[1], l.section, l.name);
    w.add({l.label, fmt(a, 2), fmt(b, 2), a >= 0 && b >= 0 ? fmt_signed(b - a, 2) : "n/a"});
  }
  // The passes that grew most.
  std::vector<std::pair<double, std::string>> grown;
  for (const auto& kv : reports[1])
    if (kv.first.first == kPasses && kv.first.second != "Total")
      grown.emplace_back(kv.second - std::max(0.0, timer(reports[0], kPasses, kv.first.second)),
                         kv.first.second);
  std::sort(grown.rbegin(), grown.rend());
  std::string top;
  for (std::size_t i = 0; i < grown.size() && i < 6; ++i)
    top += (i ? ", " : "") + grown[i].second + " " + fmt_signed(grown[i].first, 2) + " s";

  std::remove(tu.c_str());
  std::remove(obj.c_str());
  rmdir(dir);
  ctx.section("Compile time: a large generated TU",
              t.render() +
                  "\nCPU time (user + system) of one clang++ -std=c++17 process, median "
                  "of " +
                  std::to_string(ctx.sizes.compile_reps) +
                  " run(s), configurations interleaved. The TU: autospan_bench_gen_tu " +
                  std::to_string(ctx.sizes.tu_functions) +
                  ". \"selects nothing\" loads the plugin with a namespace that matches no "
                  "function: the cost of its traversal alone.\n\n" +
                  w.render() + "\nOne run each. The passes whose time grew most: " + top + ".\n");
  run_real_code(ctx);
}

} // namespace autospan_bench
