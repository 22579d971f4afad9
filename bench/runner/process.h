// Child processes for the benchmark runner: run to completion with captured output and the
// child's own resource usage (wait4), or keep one running (the sink) and talk to it over pipes.
#pragma once

#include <map>
#include <string>
#include <sys/types.h>
#include <vector>

namespace autospan_bench {

// Environment changes for a child: the runner's environment minus every OTEL_* and AUTOSPAN_*
// variable (so that the caller's settings cannot skew a scenario), plus these.
using Env = std::map<std::string, std::string>;

struct ProcessResult {
  int exit_code = -1; // -1: killed by a signal or not started
  std::string out;
  std::string err;
  double cpu_s = 0;   // user + system time of the child (all its threads)
  long maxrss_kb = 0; // the child's peak resident set
};

ProcessResult run_process(const std::vector<std::string>& argv, const Env& env);

// A child whose stdin and stdout stay connected to us until finish().
class LiveProcess {
public:
  LiveProcess(const std::vector<std::string>& argv, const Env& env);
  ~LiveProcess();
  LiveProcess(const LiveProcess&) = delete;
  LiveProcess& operator=(const LiveProcess&) = delete;

  bool running() const { return pid_ > 0; }
  // The next line of its stdout ("" at EOF).
  std::string read_line();
  // Closes its stdin, reads the rest of its stdout, waits for it.
  std::string finish();

private:
  pid_t pid_ = -1;
  int in_ = -1;
  int out_ = -1;
  std::string buffered_;
};

// "k=v" pairs separated by newlines or spaces.
std::map<std::string, std::string> parse_key_values(const std::string& text);
double number(const std::map<std::string, std::string>& kv, const std::string& key,
              double fallback = -1);

} // namespace autospan_bench
