// The benchmark runner's shared state and its suites.
#pragma once

#include "process.h"

#include <map>
#include <string>
#include <vector>

namespace autospan_bench {

struct Sizes {
  long calls;            // tiny calls per repetition (calls, threads, busy modes)
  long kept_calls;       // the same for kept-span scenarios (they sleep between bursts)
  int reps;              // repetitions inside one process (median)
  int processes;         // processes per scenario (median of their medians)
  double export_seconds; // duration of each paced export run
  long flat_calls;       // calls of the unpaced export run
  int export_processes;  // processes per export scenario
  long callgrind_calls;  // calls under callgrind
  int tu_functions;      // functions in the generated TU
  int compile_reps;      // compilations per configuration (median)
};

// One line of the "targets" table.
struct TargetRow {
  std::string what;
  std::string target;
  std::string measured;
  std::string status; // "met", "NOT met", "n/a"
};

struct Context {
  Sizes sizes{};
  bool smoke = false;
  bool verbose = false;
  std::map<std::string, std::string> variants; // name -> executable
  std::vector<std::string> failures;           // harness failures (not timings)
  std::vector<TargetRow> targets;
  std::map<std::string, double> results; // figures shared between suites

  bool has(const std::string& variant) const { return variants.count(variant) != 0; }
  void fail(const std::string& what);
  void progress(const std::string& what) const;
  // Prints a section (heading, table, notes) to stdout as soon as it is complete.
  void section(const std::string& heading, const std::string& body) const;
};

// The dropped-span count the runtime reports on stderr at exit (0 when it reports none).
long dropped_from_stderr(const std::string& err);
// Runs a benchmark process; records a failure (with its stderr) when it does not exit 0.
ProcessResult run_checked(Context& ctx, const std::string& what,
                          const std::vector<std::string>& argv, const Env& env);
double median(std::vector<double> v);
// Valgrind 3.19 cannot read Clang 19's DWARF 5: valgrind runs copies of our binaries without debug
// info (the symbol table stays). objcopy --strip-debug FROM TO; false (a failure recorded) if not.
bool stripped_copy(Context& ctx, const std::string& from, const std::string& to);
// The instruction total in a callgrind or cachegrind output file, which is then removed; -1 if
// none.
double valgrind_total(const std::string& out_file);

void run_hot_suite(Context& ctx);
void run_callgrind_suite(Context& ctx);
void run_export_suite(Context& ctx);
void run_compile_suite(Context& ctx);
void run_compile_instructions_suite(Context& ctx);

} // namespace autospan_bench
