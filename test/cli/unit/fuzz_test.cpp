// Mutates valid OTLP JSON lines at random (byte flips, truncation, duplication, splicing) and
// feeds every variant through the whole reading path: it must either load or fail with a
// diagnostic, never crash or hang. Seeded, so a failure reproduces.
#include "otlp_json.h"

#include <catch2/catch.hpp>

#include <cstdio>
#include <fstream>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#ifndef AUTOSPAN_CLI_GOLDEN_DIR
#error "AUTOSPAN_CLI_GOLDEN_DIR must point at test/cli/golden"
#endif

using namespace autospan::cli;

namespace {

std::vector<std::string> read_lines(const std::string& path) {
  std::ifstream in(path);
  std::vector<std::string> lines;
  for (std::string line; std::getline(in, line);)
    lines.push_back(line);
  return lines;
}

std::string mutate(std::string s, std::mt19937& rng) {
  static const char kInteresting[] = "{}[]\",:\\0-9eE.tfn u\x80\xff";
  std::uniform_int_distribution<int> op(0, 5);
  int rounds = 1 + static_cast<int>(rng() % 4);
  for (int r = 0; r < rounds && !s.empty(); ++r) {
    std::size_t at = rng() % s.size();
    switch (op(rng)) {
    case 0:
      s[at] = kInteresting[rng() % (sizeof kInteresting - 1)];
      break;
    case 1:
      s.resize(at);
      break;
    case 2:
      s.erase(at, 1 + rng() % 16);
      break;
    case 3:
      s.insert(at, s.substr(rng() % s.size(), 1 + rng() % 64));
      break;
    case 4:
      s[at] = static_cast<char>(rng() & 0xFF);
      break;
    default:
      s.insert(at, std::string(1 + rng() % 300, "[{"[rng() % 2]));
      break;
    }
  }
  return s;
}

} // namespace

TEST_CASE("fuzz: mutated lines load or fail cleanly", "[fuzz]") {
  auto lines = read_lines(std::string(AUTOSPAN_CLI_GOLDEN_DIR) + "/basic.jsonl");
  REQUIRE(!lines.empty());
  std::mt19937 rng(20240601);
  std::size_t failures = 0;
  std::size_t successes = 0;
  for (int i = 0; i < 10000; ++i) {
    std::string text;
    for (int k = 0; k < 3; ++k)
      text += mutate(lines[rng() % lines.size()], rng) + "\n";
    std::FILE* in = std::tmpfile();
    REQUIRE(in != nullptr);
    std::fwrite(text.data(), 1, text.size(), in);
    std::rewind(in);
    char path[64];
    std::snprintf(path, sizeof path, "/proc/self/fd/%d", fileno(in));
    std::FILE* diag = std::tmpfile();
    TraceData data;
    LoadOptions options;
    options.keep_going = (i % 2) == 0;
    bool ok = load_file(path, data, options, diag);
    // Whatever loaded must still make a consistent forest.
    Forest forest = build_forest(data);
    std::size_t total = 0;
    for (const auto& t : forest.traces)
      total += t.count;
    CHECK(total == data.spans.size());
    if (ok)
      ++successes;
    else
      ++failures;
    if (!ok) {
      // A failure always says where.
      std::rewind(diag);
      char first[512] = {0};
      CHECK(std::fgets(first, sizeof first, diag) != nullptr);
      CHECK(std::string(first).find(": error: ") != std::string::npos);
    }
    std::fclose(diag);
    std::fclose(in);
  }
  CHECK(failures > 0);
  CHECK(successes > 0);
}
