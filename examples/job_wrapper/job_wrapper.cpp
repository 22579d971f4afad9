// Traces a batch job from the outside: one span for the whole run of a command, with its
// outcome, and the trace handed to the job through the environment (TRACEPARENT, TRACESTATE,
// BAGGAGE from autospan::child_environment()), so a job instrumented with autospan (or with any
// OpenTelemetry SDK that reads them) continues the trace.
//
//   job_wrapper [--name NAME] [--timeout SECONDS] -- COMMAND [ARG...]
//
// Exits with the command's exit status (128 + N when a signal N ended it), so it can replace the
// command in a cron line or a CI step unchanged.
#include <autospan/autospan.h>

#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <thread>
#include <vector>

extern char** environ;

namespace {

bool is_trace_carrier(const char* entry) {
  for (const char* name : {"TRACEPARENT=", "TRACESTATE=", "BAGGAGE="})
    if (std::strncmp(entry, name, std::strlen(name)) == 0)
      return true;
  return false;
}

// The job's environment: ours, with the trace carriers replaced by the current span's.
std::vector<std::string> job_environment() {
  std::vector<std::string> env;
  for (char** e = environ; *e != nullptr; ++e)
    if (!is_trace_carrier(*e))
      env.emplace_back(*e);
  for (auto& entry : autospan::child_environment())
    env.push_back(std::move(entry));
  return env;
}

std::vector<char*> c_strings(std::vector<std::string>& strings) {
  std::vector<char*> out;
  for (auto& s : strings)
    out.push_back(s.data());
  out.push_back(nullptr);
  return out;
}

// waitpid with a deadline; after it, SIGTERM, then SIGKILL 2 s later.
int wait_bounded(pid_t pid, int timeout_s, bool& timed_out) {
  using clock = std::chrono::steady_clock;
  auto deadline = clock::now() + std::chrono::seconds(timeout_s);
  bool terminated = false;
  for (;;) {
    int status = 0;
    pid_t r = waitpid(pid, &status, timeout_s > 0 ? WNOHANG : 0);
    if (r == pid)
      return status;
    if (r < 0 && errno != EINTR)
      return -1;
    if (timeout_s > 0 && clock::now() >= deadline) {
      timed_out = true;
      kill(pid, terminated ? SIGKILL : SIGTERM);
      terminated = true;
      deadline = clock::now() + std::chrono::seconds(2);
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
}

int run_job(const std::string& name, int timeout_s, char** command) {
  autospan::Span span("job " + name);
  span.set_attribute("job.name", name);
  std::vector<std::string> args;
  for (char** a = command; *a != nullptr; ++a)
    args.emplace_back(*a);
  span.set_attribute("process.executable.name", args.front());
  span.set_attribute("process.command_args", args);

  std::vector<std::string> env = job_environment();
  std::vector<char*> envp = c_strings(env);
  pid_t pid = 0;
  int err = posix_spawnp(&pid, command[0], nullptr, nullptr, command, envp.data());
  if (err != 0) {
    span.set_status(autospan::status_code::error,
                    std::string("cannot start: ") + std::strerror(err));
    span.set_attribute("error.type", "spawn_failed");
    std::fprintf(stderr, "job_wrapper: cannot start %s: %s\n", command[0], std::strerror(err));
    return 127;
  }
  span.set_attribute("job.pid", static_cast<std::int64_t>(pid));

  bool timed_out = false;
  int status = wait_bounded(pid, timeout_s, timed_out);
  int exit_code = 1;
  if (timed_out) {
    span.set_attribute("job.timed_out", true);
  }
  if (status >= 0 && WIFEXITED(status)) {
    exit_code = WEXITSTATUS(status);
    span.set_attribute("process.exit.code", exit_code);
  } else if (status >= 0 && WIFSIGNALED(status)) {
    exit_code = 128 + WTERMSIG(status);
    span.set_attribute("job.signal", sigabbrev_np(WTERMSIG(status))
                                         ? std::string("SIG") + sigabbrev_np(WTERMSIG(status))
                                         : std::to_string(WTERMSIG(status)));
  }
  if (timed_out) {
    span.set_attribute("error.type", "timeout");
    span.set_status(autospan::status_code::error,
                    "timed out after " + std::to_string(timeout_s) + " s");
  } else if (status >= 0 && WIFSIGNALED(status)) {
    span.set_attribute("error.type", "signal");
    span.set_status(autospan::status_code::error,
                    std::string("killed by signal ") + strsignal(WTERMSIG(status)));
  } else if (exit_code != 0) {
    span.set_attribute("error.type", "exit_code");
    span.set_status(autospan::status_code::error, "exit code " + std::to_string(exit_code));
  }
  return exit_code;
}

[[noreturn]] void usage() {
  std::fprintf(stderr,
               "usage: job_wrapper [--name NAME] [--timeout SECONDS] -- COMMAND [ARG...]\n");
  std::exit(2);
}

} // namespace

int main(int argc, char** argv) {
  std::string name;
  int timeout_s = 0;
  int i = 1;
  for (; i < argc && std::strcmp(argv[i], "--") != 0; ++i) {
    if (std::strcmp(argv[i], "--name") == 0 && i + 1 < argc)
      name = argv[++i];
    else if (std::strcmp(argv[i], "--timeout") == 0 && i + 1 < argc)
      timeout_s = std::atoi(argv[++i]);
    else
      usage();
  }
  if (i + 1 >= argc)
    usage();
  char** command = argv + i + 1;
  if (name.empty())
    name = command[0];
  return run_job(name, timeout_s, command);
}
