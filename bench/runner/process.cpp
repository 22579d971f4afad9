#include "process.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>

extern char** environ;

namespace autospan_bench {
namespace {

std::vector<std::string> child_environment(const Env& env) {
  std::vector<std::string> out;
  for (char** e = environ; *e != nullptr; ++e) {
    if (std::strncmp(*e, "OTEL_", 5) == 0 || std::strncmp(*e, "AUTOSPAN_", 9) == 0)
      continue;
    const char* eq = std::strchr(*e, '=');
    if (eq != nullptr && env.count(std::string(*e, static_cast<std::size_t>(eq - *e))) != 0)
      continue;
    out.emplace_back(*e);
  }
  for (const auto& kv : env)
    out.push_back(kv.first + "=" + kv.second);
  return out;
}

std::vector<char*> pointers(std::vector<std::string>& strings) {
  std::vector<char*> p;
  for (auto& s : strings)
    p.push_back(s.data());
  p.push_back(nullptr);
  return p;
}

// fork + execve with the given pipe ends as the child's stdin/stdout/stderr (-1: inherit).
pid_t spawn(const std::vector<std::string>& argv, const Env& env, int in, int out, int err) {
  std::vector<std::string> args = argv;
  std::vector<std::string> envs = child_environment(env);
  std::vector<char*> argp = pointers(args);
  std::vector<char*> envp = pointers(envs);
  pid_t pid = fork();
  if (pid != 0)
    return pid;
  if (in >= 0)
    dup2(in, STDIN_FILENO);
  if (out >= 0)
    dup2(out, STDOUT_FILENO);
  if (err >= 0)
    dup2(err, STDERR_FILENO);
  execve(argp[0], argp.data(), envp.data());
  std::fprintf(stderr, "autospan_bench: cannot run %s: %s\n", argp[0], std::strerror(errno));
  _exit(127);
}

void make_pipe(int fds[2]) {
  if (pipe2(fds, O_CLOEXEC) != 0) {
    std::perror("autospan_bench: pipe");
    std::exit(1);
  }
}

bool read_some(int fd, std::string& into) {
  char buf[16384];
  for (;;) {
    ssize_t r = read(fd, buf, sizeof buf);
    if (r < 0 && errno == EINTR)
      continue;
    if (r <= 0)
      return false;
    into.append(buf, static_cast<std::size_t>(r));
    return true;
  }
}

} // namespace

ProcessResult run_process(const std::vector<std::string>& argv, const Env& env) {
  ProcessResult r;
  int out[2], err[2];
  make_pipe(out);
  make_pipe(err);
  pid_t pid = spawn(argv, env, -1, out[1], err[1]);
  close(out[1]);
  close(err[1]);
  if (pid < 0) {
    close(out[0]);
    close(err[0]);
    return r;
  }
  pollfd fds[2] = {{out[0], POLLIN, 0}, {err[0], POLLIN, 0}};
  int open = 2;
  while (open > 0) {
    if (poll(fds, 2, -1) < 0) {
      if (errno == EINTR)
        continue;
      break;
    }
    for (int i = 0; i < 2; ++i) {
      if (fds[i].fd >= 0 && fds[i].revents != 0 && !read_some(fds[i].fd, i == 0 ? r.out : r.err)) {
        close(fds[i].fd);
        fds[i].fd = -1;
        --open;
      }
    }
  }
  int status = 0;
  rusage ru{};
  while (wait4(pid, &status, 0, &ru) < 0 && errno == EINTR) {
  }
  r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  r.cpu_s = static_cast<double>(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) +
            static_cast<double>(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
  r.maxrss_kb = ru.ru_maxrss;
  return r;
}

LiveProcess::LiveProcess(const std::vector<std::string>& argv, const Env& env) {
  int in[2], out[2];
  make_pipe(in);
  make_pipe(out);
  pid_ = spawn(argv, env, in[0], out[1], -1);
  close(in[0]);
  close(out[1]);
  in_ = in[1];
  out_ = out[0];
}

LiveProcess::~LiveProcess() {
  if (pid_ > 0) {
    kill(pid_, SIGKILL);
    finish();
  }
}

std::string LiveProcess::read_line() {
  for (;;) {
    std::size_t nl = buffered_.find('\n');
    if (nl != std::string::npos) {
      std::string line = buffered_.substr(0, nl);
      buffered_.erase(0, nl + 1);
      return line;
    }
    if (out_ < 0 || !read_some(out_, buffered_)) {
      std::string rest;
      rest.swap(buffered_);
      return rest;
    }
  }
}

std::string LiveProcess::finish() {
  if (in_ >= 0) {
    close(in_);
    in_ = -1;
  }
  std::string rest;
  rest.swap(buffered_);
  if (out_ >= 0) {
    while (read_some(out_, rest)) {
    }
    close(out_);
    out_ = -1;
  }
  if (pid_ > 0) {
    int status;
    while (waitpid(pid_, &status, 0) < 0 && errno == EINTR) {
    }
    pid_ = -1;
  }
  return rest;
}

std::map<std::string, std::string> parse_key_values(const std::string& text) {
  std::map<std::string, std::string> kv;
  std::size_t i = 0;
  while (i < text.size()) {
    std::size_t end = text.find_first_of(" \n", i);
    if (end == std::string::npos)
      end = text.size();
    std::string token = text.substr(i, end - i);
    std::size_t eq = token.find('=');
    if (eq != std::string::npos && eq > 0)
      kv[token.substr(0, eq)] = token.substr(eq + 1);
    i = end + 1;
  }
  return kv;
}

double number(const std::map<std::string, std::string>& kv, const std::string& key,
              double fallback) {
  auto it = kv.find(key);
  if (it == kv.end() || it->second.empty())
    return fallback;
  char* end = nullptr;
  double v = std::strtod(it->second.c_str(), &end);
  return end != it->second.c_str() ? v : fallback;
}

} // namespace autospan_bench
