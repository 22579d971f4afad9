// libautospan.so as users link it: configured from the environment (see CMakeLists.txt:
// OTEL_TRACES_EXPORTER=file, AUTOSPAN_PIPELINE_ID=pipe-42), exceptions named through the
// __cxa_throw interposition (also those thrown inside libstdc++), spans read back from the real
// file exporter's OTLP/JSON.
#include "export/otlp_json.h"

#include <autospan/autospan.h>
#include <catch2/catch.hpp>

#include <csignal>
#include <cstdio>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <sys/wait.h>
#include <unistd.h>
#include <vector>

using autospan::internal::DecodedRequest;
using autospan::internal::SpanData;

namespace app {
int at_out_of_range() {
  AUTOSPAN_FUNCTION("app::at_out_of_range");
  std::vector<int> v{1, 2};
  return v.at(5); // std::out_of_range thrown from inside libstdc++.so
}
void run() {
  AUTOSPAN_FUNCTION("app::run");
  try {
    at_out_of_range();
  } catch (const std::out_of_range&) {
  }
}
} // namespace app

namespace {
DecodedRequest read_back() {
  REQUIRE(autospan::flush(std::chrono::seconds(10)));
  std::string path = "autospan-" + std::to_string(getpid()) + ".jsonl";
  std::ifstream in(path);
  REQUIRE(in.good());
  DecodedRequest req;
  std::string line, error;
  while (std::getline(in, line))
    if (!line.empty())
      REQUIRE(autospan::internal::decode_otlp_json(line, req, error));
  std::remove(path.c_str());
  return req;
}

const SpanData* find(const DecodedRequest& r, const std::string& name) {
  for (const auto& s : r.spans)
    if (s.name == name)
      return &s;
  return nullptr;
}

std::string attr(const SpanData& s, const std::string& key) {
  for (const auto& a : s.attributes)
    if (a.key == key)
      if (const auto* v = std::get_if<std::string>(&a.value))
        return *v;
  return "<missing>";
}
} // namespace

TEST_CASE("exceptions thrown inside libstdc++ are named", "[shared]") {
  app::run();
  DecodedRequest req = read_back();
  const SpanData* thrower = find(req, "app::at_out_of_range");
  const SpanData* root = find(req, "app::run");
  REQUIRE((thrower && root));
  CHECK(thrower->status == autospan::internal::StatusCode::Error);
  REQUIRE(thrower->events.size() == 1);
  CHECK(thrower->events[0].name == "exception");
  CHECK(std::get<std::string>(thrower->events[0].attributes[0].value) == "std::out_of_range");
  CHECK(std::get<std::string>(thrower->events[0].attributes[1].value).find("vector") !=
        std::string::npos);
  CHECK(root->status == autospan::internal::StatusCode::Unset);
  CHECK(thrower->parent_span_id == root->span_id);
  // From the environment: the pipeline id on the root only, the service name.
  CHECK(attr(*root, "pipeline.id") == "pipe-42");
  CHECK(attr(*thrower, "pipeline.id") == "<missing>");
  bool service = false;
  for (const auto& a : req.resources.at(0).attributes)
    if (a.key == "service.name")
      service = std::get<std::string>(a.value) == "core-shared-tests";
  CHECK(service);
}

TEST_CASE("the manual API works through the shared library", "[shared]") {
  {
    autospan::Span s("manual");
    s.set_attribute("k", "v");
    app::run();
  }
  DecodedRequest req = read_back();
  const SpanData* manual = find(req, "manual");
  const SpanData* run = find(req, "app::run");
  REQUIRE((manual && run));
  CHECK(run->parent_span_id == manual->span_id);
  CHECK(attr(*manual, "k") == "v");
  CHECK(attr(*manual, "pipeline.id") == "pipe-42");
}

namespace {
// Runs the helper with the file exporter; returns its wait status and the decoded spans.
int run_helper(const char* how, DecodedRequest& out, const char* extra_env = nullptr) {
  char dir[] = "/tmp/autospan-helper-XXXXXX";
  REQUIRE(mkdtemp(dir));
  std::string file = std::string(dir) + "/spans.jsonl";
  pid_t pid = fork();
  if (pid == 0) {
    setenv("OTEL_TRACES_EXPORTER", "file", 1);
    setenv("AUTOSPAN_FILE", file.c_str(), 1);
    if (extra_env != nullptr)
      putenv(const_cast<char*>(extra_env));
    execl(AUTOSPAN_SIGNAL_HELPER, AUTOSPAN_SIGNAL_HELPER, how, static_cast<char*>(nullptr));
    _exit(127);
  }
  int status = 0;
  waitpid(pid, &status, 0);
  std::ifstream in(file);
  std::string line, error;
  while (std::getline(in, line))
    if (!line.empty())
      REQUIRE(autospan::internal::decode_otlp_json(line, out, error));
  std::remove(file.c_str());
  rmdir(dir);
  return status;
}
} // namespace

TEST_CASE("SIGTERM flushes, then terminates by the signal", "[shared][signals]") {
  DecodedRequest req;
  int status = run_helper("sigterm", req);
  REQUIRE(WIFSIGNALED(status));
  CHECK(WTERMSIG(status) == SIGTERM);
  CHECK(req.spans.size() == 3);
  CHECK(find(req, "app::run"));
}

TEST_CASE("exit() from deep inside instrumented code ends the open spans", "[shared][exit]") {
  DecodedRequest req;
  int status = run_helper("exit", req);
  REQUIRE(WIFEXITED(status));
  CHECK(WEXITSTATUS(status) == 7);
  REQUIRE(req.spans.size() == 4);
  const SpanData* deep = find(req, "app::exits_deep");
  const SpanData* run = find(req, "app::run");
  REQUIRE((deep && run));
  CHECK(deep->parent_span_id == run->span_id);
  for (const SpanData* s : {deep, run}) {
    bool unfinished = false;
    for (const auto& a : s->attributes)
      unfinished |= a.key == "autospan.unfinished";
    CHECK(unfinished);
  }
}

TEST_CASE("OTEL_SDK_DISABLED=true records nothing and changes nothing", "[shared][disabled]") {
  DecodedRequest req;
  int status = run_helper("return", req, "OTEL_SDK_DISABLED=true");
  REQUIRE(WIFEXITED(status));
  CHECK(WEXITSTATUS(status) == 0);
  CHECK(req.spans.empty());
  DecodedRequest enabled;
  status = run_helper("return", enabled);
  REQUIRE(WIFEXITED(status));
  CHECK(enabled.spans.size() == 3);
}
