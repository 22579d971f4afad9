#include "support.h"

#include "core/log_control.h"

#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>

namespace autospan::test {

TraceId trace_id(std::uint8_t seed) {
  // Leading zero byte: `protoc --decode_raw` then never mistakes an id for a nested message.
  TraceId id{};
  for (std::size_t i = 1; i < id.size(); ++i)
    id[i] = static_cast<std::uint8_t>(seed + i * 17);
  return id;
}

SpanId span_id(std::uint8_t seed) {
  SpanId id{};
  for (std::size_t i = 1; i < id.size(); ++i)
    id[i] = static_cast<std::uint8_t>(seed * 3 + i);
  return id;
}

Batch full_batch() {
  Batch b;
  b.resource.attributes = {{"service.name", std::string("svc")},
                           {"process.pid", std::int64_t{4242}}};
  b.scope = {"autospan", "0.1.0"};

  SpanData child;
  child.trace_id = trace_id(1);
  child.span_id = span_id(2);
  child.parent_span_id = span_id(1);
  child.name = "work::item"; // not parseable as a message: decode_raw prints it as a string
  child.kind = SpanKind::Internal;
  child.start_unix_nano = 1700000000000000100ull;
  child.end_unix_nano = 1700000000000500100ull;
  child.attributes = {
      {"str", std::string("text")},
      {"empty", std::string()},
      {"bool.false", false},
      {"bool.true", true},
      {"int.zero", std::int64_t{0}},
      {"int.neg", std::int64_t{-1}},
      {"int.big", std::int64_t{9007199254740993}},
      {"dbl", 1.5},
      {"arr.bool", std::vector<bool>{true, false}},
      {"arr.int", std::vector<std::int64_t>{1, -2}},
      {"arr.dbl", std::vector<double>{0.25}},
      {"arr.str", std::vector<std::string>{"a", "b"}},
  };
  child.dropped_attributes_count = 3;
  child.events = {Event{"exception",
                        1700000000000400000ull,
                        {{"exception.type", std::string("std::runtime_error")},
                         {"exception.message", std::string("boom")}}}};
  child.dropped_events_count = 4;
  child.links = {Link{trace_id(9), span_id(9), "k=v", {{"link.attr", std::int64_t{7}}}}};
  child.dropped_links_count = 5;
  child.status = StatusCode::Error;
  child.status_message = "boom";
  child.trace_state = "vendor=x";

  SpanData root;
  root.trace_id = trace_id(1);
  root.span_id = span_id(1);
  root.parent_span_id = span_id(7);
  root.parent_is_remote = true;
  root.trace_flags = 1;
  root.name = "root";
  root.kind = SpanKind::Server;
  root.start_unix_nano = 1700000000000000000ull;
  root.end_unix_nano = 1700000000001000000ull;
  root.attributes = {{"pipeline.id", std::string("p-1")}};
  root.status = StatusCode::Ok;

  b.spans = {child, root};
  return b;
}

Batch typical_batch(std::size_t n) {
  Batch b;
  b.resource.attributes = {{"service.name", std::string("bench")},
                           {"telemetry.sdk.name", std::string("autospan")},
                           {"telemetry.sdk.language", std::string("cpp")}};
  b.scope = {"autospan", "0.1.0"};
  b.spans.resize(n);
  for (std::size_t i = 0; i < n; ++i) {
    SpanData& s = b.spans[i];
    s.trace_id = trace_id(static_cast<std::uint8_t>(i / 100));
    s.span_id = span_id(static_cast<std::uint8_t>(i));
    s.span_id[7] = static_cast<std::uint8_t>(i >> 8);
    s.parent_span_id = span_id(static_cast<std::uint8_t>(i + 1));
    s.name = "app::pipeline::process_record";
    s.start_unix_nano = 1700000000000000000ull + i * 1000;
    s.end_unix_nano = s.start_unix_nano + 750;
    s.attributes = {{"code.function.name", std::string("app::pipeline::process_record")},
                    {"code.file.path", std::string("/src/app/pipeline.cpp")},
                    {"code.line.number", std::int64_t{42}},
                    {"thread.id", std::int64_t{12345}}};
  }
  return b;
}

namespace {

// One directory per test process, removed when that process exits (a forked child that calls
// exit() leaves it to its parent).
class TempDir {
public:
  TempDir() : owner_(getpid()) {
    char tmpl[] = "/tmp/autospan-export-test-XXXXXX";
    if (mkdtemp(tmpl) == nullptr)
      throw std::runtime_error("mkdtemp failed");
    path_ = tmpl;
  }
  ~TempDir() {
    if (getpid() != owner_)
      return;
    std::error_code ignored;
    std::filesystem::remove_all(path_, ignored);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::string& path() const { return path_; }

private:
  pid_t owner_;
  std::string path_;
};

} // namespace

std::string temp_path(const std::string& name) {
  static const TempDir dir;
  static int counter = 0;
  return dir.path() + "/" + std::to_string(++counter) + "-" + name;
}

void write_file(const std::string& path, const std::string& data) {
  std::ofstream f(path, std::ios::binary);
  f.write(data.data(), static_cast<std::streamsize>(data.size()));
}

std::string read_file(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  std::stringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

int run(const std::string& command, std::string& output) {
  output.clear();
  FILE* p = popen(command.c_str(), "r");
  if (p == nullptr)
    return -1;
  char buf[4096];
  std::size_t n;
  while ((n = std::fread(buf, 1, sizeof buf, p)) > 0)
    output.append(buf, n);
  int status = pclose(p);
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

StderrCapture::StderrCapture() : path_(temp_path("stderr.txt")) {
  std::fflush(stderr);
  saved_ = dup(2);
  int fd = open(path_.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  dup2(fd, 2);
  close(fd);
}

StderrCapture::~StderrCapture() {
  text();
}

std::string StderrCapture::text() {
  if (!done_) {
    std::fflush(stderr);
    dup2(saved_, 2);
    close(saved_);
    done_ = true;
  }
  return read_file(path_);
}

void enable_debug_log() {
  set_log_level(LogLevel::Debug);
}

} // namespace autospan::test
