// A one-line progress bar on stderr for long reads and writes. Draws only when enabled (the
// caller decides: stderr is a terminal, or --progress=always) and at most ten times a second,
// so it costs nothing measurable on a million spans.
#pragma once

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <string>

namespace autospan::cli {

class Progress {
public:
  Progress(bool enabled, std::FILE* out = stderr) : enabled_(enabled), out_(out) {}
  ~Progress() { finish(); }
  Progress(const Progress&) = delete;
  Progress& operator=(const Progress&) = delete;

  // Starts a phase counting bytes (shown in MiB) or items. total == 0: unknown (a pipe).
  void begin(std::string label, std::uint64_t total, bool bytes = true);
  void update(std::uint64_t done);
  // Clears the line so later messages start clean.
  void finish();
  bool enabled() const { return enabled_; }

private:
  void draw(std::uint64_t done);

  bool enabled_;
  std::FILE* out_;
  std::string label_;
  std::uint64_t total_ = 0;
  bool bytes_ = true;
  bool drawn_ = false;
  std::chrono::steady_clock::time_point last_{};
};

} // namespace autospan::cli
